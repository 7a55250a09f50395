package ai.zumik.bench;

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
 * One upstream SSE event's data (as the SSE decoder hands it over) → the OpenAI chunk bytes the
 * client is sent, through the real stream translators in mid-answer. Target: ≤ 2 µs per chunk.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class StreamChunkBench {
    private AnthropicHotPaths.Stream anthropic;
    private GeminiHotPaths.Stream gemini;

    @Setup
    public void setUp() {
        anthropic = new AnthropicHotPaths.Stream(BenchFixtures.ANTHROPIC_MODEL);
        gemini = new GeminiHotPaths.Stream(BenchFixtures.GEMINI_MODEL);
    }

    @Benchmark
    public byte[] anthropicTextDelta() {
        return anthropic.event("content_block_delta", BenchFixtures.ANTHROPIC_TEXT_DELTA);
    }

    @Benchmark
    public byte[] anthropicInputJsonDelta() {
        return anthropic.event("content_block_delta", BenchFixtures.ANTHROPIC_INPUT_JSON_DELTA);
    }

    @Benchmark
    public byte[] geminiText() {
        return gemini.event(BenchFixtures.GEMINI_TEXT_EVENT);
    }
}
