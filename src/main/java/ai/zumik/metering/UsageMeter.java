package ai.zumik.metering;

import ai.zumik.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The usage meter: makes each response's usage event durable before the response's last byte
 * goes out, without a database round trip per request.
 *
 * <p>Group commit: callers enqueue an event with a callback. One writer thread, holding one
 * connection and one prepared statement for its lifetime, takes whatever has queued up (at least
 * one event, at most {@value #MAX_BATCH}), inserts the batch in one transaction and commits. Under
 * load each commit carries many events, so throughput holds; when idle a lone event commits at
 * once, so latency stays low. When the previous commit already carried {@value #BUSY_BATCH} or
 * more events (the gateway is busy), the writer lingers up to {@value #LINGER_MICROS} µs to fill
 * the next batch: per-event cost drops with batch size, and at that load the wait is small next
 * to the queueing the client already sees. Callbacks are then run grouped by their executor, one task per
 * executor per batch, so an event loop is woken once per commit rather than once per response.
 * A failed commit fails every event of its batch: the caller must not present its response as
 * complete.
 */
public final class UsageMeter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UsageMeter.class);
    private static final int MAX_BATCH = 1024;
    private static final int BUSY_BATCH = 4;
    private static final int LINGER_MICROS = 500;
    private static final int LINGER_TARGET = 64;
    private static final String INSERT = "INSERT INTO usage_events (project_id, response_id, trace_id, key_id, "
            + "endpoint, requested_model, provider, model, execution_mode, execution_profile, stream, status, outcome, "
            + "error_code, prompt_tokens, cached_tokens, cache_write_tokens, completion_tokens, reasoning_tokens, "
            + "ttft_ms, latency_ms, created_at, surface, alias_release_id, decision, attempts, qos, output, charged) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    /** {@code callback} gets null once the event is durable, or the failure; it runs on {@code executor}. */
    private record Pending(UsageEvent event, Executor executor, Consumer<Throwable> callback) {}

    private final Database db;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private Connection connection;
    private PreparedStatement insert;
    private volatile boolean closed;

    public UsageMeter(Database db) {
        this.db = db;
        this.writer = Thread.ofPlatform().name("zumik-usage-writer").daemon().start(this::run);
    }

    /**
     * Enqueues an event; {@code callback} (may be null) runs on {@code executor} once the event is
     * committed, with null, or with the reason it could not be.
     */
    public void record(UsageEvent event, Executor executor, Consumer<Throwable> callback) {
        Pending p = new Pending(event, executor, callback);
        if (closed) {
            complete(List.of(p), new IllegalStateException("usage meter is closed"));
            return;
        }
        queue.add(p);
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
        int previous = 0;
        while (true) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closed && queue.isEmpty()) break;
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                if (previous >= BUSY_BATCH && !closed) linger(batch);
                previous = batch.size();
                complete(batch, write(batch));
            } catch (InterruptedException e) {
                if (closed && queue.isEmpty()) break;
            } finally {
                batch.clear();
            }
        }
        disconnect();
    }

    /** Gathers more events for a busy batch, for at most {@value #LINGER_MICROS} µs. */
    private void linger(List<Pending> batch) throws InterruptedException {
        long deadline = System.nanoTime() + LINGER_MICROS * 1_000L;
        while (batch.size() < LINGER_TARGET) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return;
            Pending p = queue.poll(left, TimeUnit.NANOSECONDS);
            if (p == null) return;
            batch.add(p);
            queue.drainTo(batch, MAX_BATCH - batch.size());
        }
    }

    /** Writes one batch in one transaction; returns null on success or the failure. */
    private Throwable write(List<Pending> batch) {
        try {
            if (insert == null) {
                connection = db.connection();
                connection.setAutoCommit(false);
                insert = connection.prepareStatement(INSERT);
            }
            for (Pending p : batch) bind(insert, p.event);
            insert.executeBatch();
            connection.commit();
            written.addAndGet(batch.size());
            commits.incrementAndGet();
            return null;
        } catch (SQLException | RuntimeException e) {
            LOG.error("usage batch of {} events failed to commit", batch.size(), e);
            disconnect(); // the next batch starts on a fresh connection
            return e;
        }
    }

    private static void complete(List<Pending> batch, Throwable failure) {
        Map<Executor, List<Pending>> byExecutor = new IdentityHashMap<>();
        for (Pending p : batch) {
            if (p.callback != null) byExecutor.computeIfAbsent(p.executor, e -> new ArrayList<>()).add(p);
        }
        byExecutor.forEach((executor, pendings) -> executor.execute(() -> {
            for (Pending p : pendings) p.callback.accept(failure);
        }));
    }

    private static void bind(PreparedStatement ps, UsageEvent e) throws SQLException {
        int i = 1;
        ps.setString(i++, e.projectId());
        ps.setString(i++, e.responseId());
        ps.setString(i++, e.traceId());
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
        ps.setLong(i++, e.createdAtMs());
        ps.setString(i++, e.surface());
        ps.setString(i++, e.aliasReleaseId());
        ps.setString(i++, e.decision());
        ps.setString(i++, e.attempts());
        ps.setString(i++, e.qos());
        ps.setString(i++, e.output());
        ps.setShort(i, (short) (e.charged() ? 1 : 0));
        ps.addBatch();
    }

    private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) ps.setNull(i, Types.BIGINT);
        else ps.setLong(i, v);
    }

    private void disconnect() {
        try {
            if (connection != null) {
                connection.rollback();
                connection.close();
            }
        } catch (SQLException ignored) {
            // Already broken; a new connection is opened for the next batch.
        }
        connection = null;
        insert = null;
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
        List<Pending> left = new ArrayList<>();
        queue.drainTo(left);
        complete(left, new IllegalStateException("usage meter closed before the event was written"));
    }
}
