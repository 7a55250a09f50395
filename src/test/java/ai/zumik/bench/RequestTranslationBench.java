package ai.zumik.bench;

import ai.zumik.inference.ChatRequest;
import ai.zumik.provider.ChatCall;
import ai.zumik.provider.anthropic.AnthropicHotPaths;
import ai.zumik.provider.gemini.GeminiHotPaths;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One agent request, already validated into the canonical {@link ChatRequest} (what the broker
 * hands an adapter), translated into the upstream body bytes an adapter sends. Target: ≤ 20 µs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RequestTranslationBench {
    private ChatCall anthropic;
    private ChatRequest gemini;

    @Setup
    public void setUp() {
        anthropic = BenchFixtures.anthropicCall();
        gemini = BenchFixtures.agentRequest("gemini/" + BenchFixtures.GEMINI_MODEL);
    }

    @Benchmark
    public byte[] anthropicRequest() {
        return AnthropicHotPaths.requestBytes(anthropic);
    }

    @Benchmark
    public byte[] geminiRequest() {
        return GeminiHotPaths.requestBytes(gemini, BenchFixtures.GEMINI_MODEL);
    }
}
