package ai.zumik.metering;

import ai.zumik.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The usage meter: makes each response's usage event durable before the response's last byte
 * goes out, without a database round trip per request.
 *
 * <p>Group commit: callers enqueue an event and get a future. One writer thread takes whatever
 * has queued up (at least one event, at most {@value #MAX_BATCH}), inserts the batch in one
 * transaction, commits, and completes every future in it. Under load each commit carries many
 * events, so throughput holds; when idle a lone event commits at once, so latency stays low.
 * A failed commit fails every future of its batch: the caller must not claim the response billed.
 */
public final class UsageMeter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UsageMeter.class);
    private static final int MAX_BATCH = 512;
    private static final String INSERT = "INSERT INTO usage_events (id, response_id, trace_id, project_id, key_id, "
            + "endpoint, requested_model, provider, model, execution_mode, execution_profile, stream, status, outcome, "
            + "error_code, prompt_tokens, cached_tokens, cache_write_tokens, completion_tokens, reasoning_tokens, "
            + "ttft_ms, latency_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private record Pending(UsageEvent event, CompletableFuture<Void> done) {}

    private final Database db;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private volatile boolean closed;

    public UsageMeter(Database db) {
        this.db = db;
        this.writer = Thread.ofPlatform().name("zumik-usage-writer").daemon().start(this::run);
    }

    /** Enqueues an event; the future completes (on the writer thread) once it is committed. */
    public CompletableFuture<Void> record(UsageEvent event) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(new IllegalStateException("usage meter is closed"));
            return done;
        }
        queue.add(new Pending(event, done));
        return done;
    }

    public long eventsWritten() {
        return written.get();
    }

    public long commits() {
        return commits.get();
    }

    public int queued() {
        return queue.size();
    }

    private void run() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (true) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closed && queue.isEmpty()) return;
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                write(batch);
            } catch (InterruptedException e) {
                if (closed && queue.isEmpty()) return;
            } finally {
                batch.clear();
            }
        }
    }

    private void write(List<Pending> batch) {
        try {
            db.transaction(c -> insert(c, batch));
            written.addAndGet(batch.size());
            commits.incrementAndGet();
            for (Pending p : batch) p.done.complete(null);
        } catch (RuntimeException e) {
            LOG.error("usage batch of {} events failed to commit", batch.size(), e);
            for (Pending p : batch) p.done.completeExceptionally(e);
        }
    }

    private static Void insert(Connection c, List<Pending> batch) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            for (Pending p : batch) {
                UsageEvent e = p.event;
                int i = 1;
                ps.setString(i++, e.id());
                ps.setString(i++, e.responseId());
                ps.setString(i++, e.traceId());
                ps.setString(i++, e.projectId());
                ps.setString(i++, e.keyId());
                ps.setString(i++, e.endpoint());
                ps.setString(i++, e.requestedModel());
                ps.setString(i++, e.provider());
                ps.setString(i++, e.model());
                ps.setString(i++, e.executionMode());
                ps.setString(i++, e.executionProfile());
                ps.setShort(i++, (short) (e.stream() ? 1 : 0));
                ps.setInt(i++, e.status());
                ps.setString(i++, e.outcome());
                ps.setString(i++, e.errorCode());
                setLong(ps, i++, e.promptTokens());
                setLong(ps, i++, e.cachedTokens());
                setLong(ps, i++, e.cacheWriteTokens());
                setLong(ps, i++, e.completionTokens());
                setLong(ps, i++, e.reasoningTokens());
                setLong(ps, i++, e.ttftMs());
                ps.setLong(i++, e.latencyMs());
                ps.setLong(i, e.createdAtMs());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return null;
    }

    private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) ps.setNull(i, Types.BIGINT);
        else ps.setLong(i, v);
    }

    /** Stops taking events and waits until every queued event is committed. */
    @Override
    public void close() {
        closed = true;
        try {
            writer.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Pending p; (p = queue.poll()) != null; ) {
            p.done.completeExceptionally(new IllegalStateException("usage meter closed before the event was written"));
        }
    }
}
