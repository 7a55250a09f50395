package ai.zumik.telemetry;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One JSON line per request, written by a background thread so the event loops never block on
 * the terminal or the disk. Lines are flushed as soon as the queue drains. If the queue is full
 * (the sink cannot keep up) lines are dropped and counted rather than slowing requests down.
 */
public final class AccessLog implements AutoCloseable {
    private static final int CAPACITY = 65_536;

    private final LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>(CAPACITY);
    private final OutputStream out;
    private final Thread writer;
    private final boolean enabled;
    private volatile boolean closing;
    private long dropped;

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
        String line = new JsonLine()
                .field("ts", Instant.ofEpochMilli(r.timestampMs()).toString())
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
                .field("client_closed", r.clientClosed())
                .end();
        if (!queue.offer(line)) {
            synchronized (this) {
                dropped++;
            }
        }
    }

    private void drain() {
        List<String> batch = new ArrayList<>(256);
        try {
            while (!closing || !queue.isEmpty()) {
                String first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                queue.drainTo(batch, 1023);
                for (String line : batch) {
                    out.write(line.getBytes(StandardCharsets.UTF_8));
                    out.write('\n');
                }
                batch.clear();
                if (queue.isEmpty()) out.flush();
            }
            out.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The sink is gone (closed terminal); requests must not notice.
        }
    }

    public synchronized long dropped() {
        return dropped;
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
