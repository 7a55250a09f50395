package ai.zumik.bench;

import ai.zumik.inference.ChatMessage;
import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.ContentPart;
import ai.zumik.reuse.FingerprintKey;
import ai.zumik.reuse.PrefixWindow;
import ai.zumik.reuse.PromptPrefix;
import ai.zumik.reuse.ReuseLedger;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Reuse accounting's hot-path cost: fingerprinting a prompt whose stable prefix is {@code kib} KiB
 * (one system message) followed by a short user turn, and the whole settlement (fingerprint, window
 * lookup and remember). Target (issue 14): ≤ 2 µs per KiB of stable prefix; divide the score by
 * {@code kib}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FingerprintBench {
    @Param({"1", "8", "64"})
    public int kib;

    private FingerprintKey key;
    private ChatRequest request;
    private PrefixWindow window;
    private long now;

    @Setup
    public void setUp() {
        key = FingerprintKey.of("fpk_bench", new byte[32]);
        String policy = "You review Java code; flag unchecked exceptions. ".repeat(kib * 1024 / 49 + 1).substring(0, kib * 1024);
        request = new ChatRequest(null, "gpt-4o-mini", List.of(
                new ChatMessage(ChatMessage.Role.SYSTEM, List.of(new ContentPart.Text(policy)), true, null, null, null),
                new ChatMessage(ChatMessage.Role.USER, List.of(new ContentPart.Text("Review Foo.java")), true, null, null, null)),
                false, false, null, 1, null, null, List.of(), List.of(), null, null, null, null, null, null);
        window = new PrefixWindow(1_000_000, 3_600_000);
    }

    @Benchmark
    public PromptPrefix fingerprint() {
        return PromptPrefix.of(request, key);
    }

    @Benchmark
    public Object settle() {
        return ReuseLedger.settle(PromptPrefix.of(request, key), window, kib * 256L + 8, 0L, null, ++now);
    }
}
