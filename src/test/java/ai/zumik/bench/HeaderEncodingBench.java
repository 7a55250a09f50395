package ai.zumik.bench;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.impl.headers.Http1xHeaders;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * A /v1 response's head as Vert.x writes it: the {@code Agent-*} headers of a served chat
 * completion set on a fresh header map and encoded into a direct buffer from Netty's adaptive
 * allocator, as the server's connection does. {@code strings}: every value a {@code String}, which
 * Netty writes one byte at a time; {@code preEncoded}: the values from fixed sets as pre-encoded
 * {@code AsciiString}s (what {@code AgentHeaders} now puts), which Netty copies whole. The ids and
 * the model stay strings in both.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HeaderEncodingBench {
    private static final CharSequence[] NAMES = names("content-type", "Agent-Trace-Id", "Agent-Response-Id",
            "Agent-Execution-Mode", "Agent-Execution-Profile", "Agent-Resolved-Provider", "Agent-Resolved-Model",
            "Agent-QoS-Class", "Agent-QoS-Admission", "Agent-Fallback-Used", "Agent-Attempts", "Agent-Reason-Code",
            "Agent-QoS-Target-Met", "Agent-Cost-Micros");
    private static final String[] VALUES = {"application/json", "trc_01m99bg0kgyqd2kzn9796dsh5q",
            "rsp_01m99bg0kgr6anafawje5be3d5", "live", "managed_provider", "openai", "gpt-4o-mini", "standard",
            "admitted", "false", "1", "ok", "true", "13"};
    /** Whether each value comes from a fixed set. */
    private static final boolean[] FIXED = {true, false, false, true, true, true, false, true, true, true, true, true,
            true, false};
    private static final CharSequence[] PRE_ENCODED = withFixedSetsEncoded();

    private final AdaptiveByteBufAllocator allocator = new AdaptiveByteBufAllocator();

    @Benchmark
    public int strings() {
        return encode(VALUES);
    }

    @Benchmark
    public int preEncoded() {
        return encode(PRE_ENCODED);
    }

    @Benchmark
    public int setOnly() {
        Http1xHeaders headers = Http1xHeaders.httpHeaders();
        for (int i = 0; i < NAMES.length; i++) headers.set(NAMES[i], VALUES[i]);
        return headers.size();
    }

    @Benchmark
    public int bufferOnly() {
        ByteBuf buf = allocator.directBuffer(1024);
        try {
            return buf.writeInt(1).writerIndex();
        } finally {
            buf.release();
        }
    }

    private int encode(CharSequence[] values) {
        Http1xHeaders headers = Http1xHeaders.httpHeaders();
        for (int i = 0; i < NAMES.length; i++) headers.set(NAMES[i], values[i]);
        ByteBuf buf = allocator.directBuffer(1024);
        try {
            headers.encode(buf, false);
            return buf.writerIndex();
        } finally {
            buf.release();
        }
    }

    private static CharSequence[] names(String... names) {
        CharSequence[] out = new CharSequence[names.length];
        for (int i = 0; i < names.length; i++) out[i] = HttpHeaders.createOptimized(names[i]);
        return out;
    }

    private static CharSequence[] withFixedSetsEncoded() {
        CharSequence[] out = new CharSequence[VALUES.length];
        for (int i = 0; i < VALUES.length; i++) out[i] = FIXED[i] ? HttpHeaders.createOptimized(VALUES[i]) : VALUES[i];
        return out;
    }
}
