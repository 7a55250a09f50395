package ai.zumik.telemetry;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One JSON line per request, formatted and written by a background thread so the event loops never
 * block on the terminal or the disk, and never pay for a wake-up: the writer drains the queue every
 * {@value #DRAIN_MILLIS} ms instead of being signalled per line. If the queue is full (the sink
 * cannot keep up) records are dropped and counted rather than slowing requests down.
 */
public final class AccessLog implements AutoCloseable {
    private static final int CAPACITY = 65_536;
    private static final int DRAIN_MILLIS = 10;

    private final ConcurrentLinkedQueue<AccessRecord> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final OutputStream out;
    private final Thread writer;
    private final boolean enabled;
    private volatile boolean closing;
    private final AtomicLong dropped = new AtomicLong();

    private AccessLog(OutputStream out) {
        this.out = out;
        this.enabled = out != null;
        this.writer = enabled ? Thread.ofPlatform().daemon().name("zumik-access-log").start(this::drain) : null;
    }

    /** {@code "stdout"}, {@code "off"}, or a file path to append to. */
    public static AccessLog open(String target) {
        try {
            return switch (target) {
                case "off" -> new AccessLog(null);
                case "stdout" -> new AccessLog(new BufferedOutputStream(new FileOutputStream(java.io.FileDescriptor.out), 1 << 16));
                default -> {
                    Path p = Path.of(target);
                    if (p.getParent() != null) Files.createDirectories(p.getParent());
                    yield new AccessLog(new BufferedOutputStream(new FileOutputStream(p.toFile(), true), 1 << 16));
                }
            };
        } catch (IOException e) {
            throw new IllegalArgumentException("ZUMIK_ACCESS_LOG: cannot open " + target + ": " + e.getMessage());
        }
    }

    public void write(AccessRecord r) {
        if (!enabled) return;
        if (size.incrementAndGet() > CAPACITY) {
            size.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        queue.offer(r);
    }

    private static void line(JsonLine line, AccessRecord r) {
        line.begin()
                .timestamp("ts", r.timestampMs())
                .field("kind", "access")
                .field("trace_id", r.traceId())
                .field("response_id", r.responseId())
                .field("method", r.method())
                .field("route", r.route())
                .field("status", r.status())
                .field("duration_us", r.durationMicros())
                .field("overhead_us", r.overheadMicros())
                .field("upstream_us", r.upstreamMicros())
                .field("ttft_us", r.ttftMicros())
                .field("project_id", r.projectId())
                .field("key_id", r.keyId())
                .field("provider", r.provider())
                .field("model", r.model())
                .field("execution_mode", r.executionMode())
                .field("prompt_tokens", r.promptTokens())
                .field("cached_tokens", r.cachedTokens())
                .field("completion_tokens", r.completionTokens())
                .field("error_code", r.errorCode())
                .field("stream", r.stream())
                .field("client_closed", r.clientClosed());
    }

    private void drain() {
        try {
            JsonLine line = new JsonLine();
            while (true) {
                boolean wrote = false;
                for (AccessRecord r; (r = queue.poll()) != null; ) {
                    size.decrementAndGet();
                    line(line, r);
                    line.end(out);
                    wrote = true;
                }
                if (wrote) out.flush();
                if (closing && queue.isEmpty()) break;
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS));
            }
            out.flush();
        } catch (IOException e) {
            // The sink is gone (closed terminal); requests must not notice.
        }
    }

    public long dropped() {
        return dropped.get();
    }

    @Override
    public void close() {
        if (!enabled) return;
        closing = true;
        try {
            writer.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
