package ai.zumik.metering;

import ai.zumik.reuse.ReuseAccount;
import ai.zumik.billing.BillingCycle;
import ai.zumik.store.Database;
import ai.zumik.store.Pipeline;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The usage meter: makes each response's usage event durable before the response's last byte
 * goes out, without a database round trip — and, on the default SQLite store, without a thread
 * hand-off — per request.
 *
 * <p><b>Journal</b> (SQLite with {@code ZUMIK_USAGE_SYNC=normal}, the default): {@link #record}
 * copies the encoded event into the memory-mapped {@link UsageJournal} on the calling thread and
 * the event is durable against a process crash at once, the same guarantee a SQLite WAL commit
 * gives at {@code synchronous=NORMAL}; the callback is scheduled on the caller's executor straight
 * away. The writer thread follows the journal behind the appenders and group-commits its records
 * into {@code usage_events}; {@link #awaitVisible} lets a reader wait until everything recorded
 * before it is in the table. Whatever a crash left in the journal is replayed at the next start.
 *
 * <p><b>Group commit</b> (PostgreSQL, {@code ZUMIK_USAGE_SYNC=full}, {@code ZUMIK_USAGE_JOURNAL=off},
 * or an event the journal cannot take): callers enqueue an event with a callback. One writer
 * thread, holding one connection and one prepared statement, takes whatever has queued up (at most
 * {@value #MAX_BATCH}), inserts the batch in one transaction and commits — on PostgreSQL in one
 * round trip, each event's spend in its own insert statement. When the previous commit
 * already carried {@value #BUSY_BATCH} or more events (the gateway is busy), the writer lingers up
 * to {@value #LINGER_MICROS} µs to fill the next batch. Callbacks are then run grouped by their
 * executor, one task per executor per batch. A failed commit fails every queued event of its batch:
 * the caller must not present its response as complete. Journaled events of a failed commit stay in
 * the journal and are retried.
 *
 * <p><b>Companion writes</b> (PostgreSQL): an event may carry writes that must commit with it — a
 * /v2 turn's record ({@link Companion}). The event, its spend and those writes go out as one
 * pipeline from a virtual thread of their own, in one implicit transaction: one round trip and one
 * WAL flush where the event's batch and the turn's record took two of each, one after the other.
 */
public final class UsageMeter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UsageMeter.class);
    static final int MAX_BATCH = 1024;
    private static final int BUSY_BATCH = 4;
    private static final int LINGER_MICROS = 500;
    private static final int LINGER_TARGET = 64;
    /**
     * While events keep coming, the writer looks at the journal this often. A SQLite commit costs
     * far more than a row, and no response waits for it (readers wake the writer themselves):
     * bench/src/UsageWriterBench.java at 1,000 events/s measured the writer's CPU per event at
     * 191-252 µs committing every 2 ms into the old WITHOUT ROWID table, 89-139 µs every 20 ms
     * into the rowid table (both changes at once; their shares were not separated); at 10,000
     * events/s (the interval made a system property for that run), 15.6-17.0 µs every 20 ms and
     * 11.2-14.6 µs every 100 ms (each commit rewrites the table's last page and the key index's
     * pages it touched). Journaled events are durable before
     * the writer sees them, so the interval only delays what a reader that does not wait sees.
     * A writer that finds a whole batch or more still unread after a commit goes on at once
     * instead ({@link #rest}).
     */
    private static final long ACTIVE_PARK_NANOS = 100_000_000;
    /** After this long without events it sleeps until an appender or a reader wakes it. */
    private static final long IDLE_NANOS = 200_000_000;
    private static final long RETRY_NANOS = 100_000_000;
    private static final long VISIBILITY_WAIT_MILLIS = 5_000;
    private static final String INSERT = "INSERT INTO usage_events (project_id, response_id, trace_id, key_id, "
            + "endpoint, requested_model, provider, model, execution_mode, execution_profile, stream, status, outcome, "
            + "error_code, prompt_tokens, cached_tokens, cache_write_tokens, completion_tokens, reasoning_tokens, "
            + "ttft_ms, latency_ms, created_at, surface, alias_release_id, decision_template_id, decision, attempts, qos, "
            + "output, charged, cost_nanos, price_revision, eligible_reuse_tokens, candidate_reuse_tokens, prefix_family_id, "
            + "cache_tier, reuse_evidence_level, reuse_window_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            + "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            + "ON CONFLICT (project_id, response_id) DO NOTHING"; // a journal replay may repeat a committed event
    /** Adds a batch's spend to its key's month; only events actually inserted count (see {@link #write}). */
    private static final String ADD_SPEND = "INSERT INTO spend_totals (project_id, key_id, cycle, cost_nanos, requests) "
            + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (project_id, key_id, cycle) DO UPDATE SET "
            + "cost_nanos = spend_totals.cost_nanos + excluded.cost_nanos, requests = spend_totals.requests + excluded.requests";
    /**
     * PostgreSQL: an event and its spend in one statement — the spend row moves only when the event
     * was really inserted (a replayed event inserts nothing, so {@code ins} is empty). Sent as one
     * JDBC batch in auto-commit mode, the batch's statements reach the server with a single Sync and
     * run as one implicit transaction, committed (or rolled back whole) there: a batch costs one
     * round trip, where insert, spend and {@code COMMIT} took three.
     */
    private static final String INSERT_WITH_SPEND = "WITH ins AS (" + INSERT + " RETURNING 1) "
            + "INSERT INTO spend_totals (project_id, key_id, cycle, cost_nanos, requests) SELECT ?, ?, ?, ?, 1 FROM ins "
            + "ON CONFLICT (project_id, key_id, cycle) DO UPDATE SET cost_nanos = spend_totals.cost_nanos + excluded.cost_nanos, "
            + "requests = spend_totals.requests + excluded.requests";
    private static final String INSERT_TEMPLATE = "INSERT INTO decision_templates (template_id, body, created_at) "
            + "VALUES (?, ?, ?) ON CONFLICT (template_id) DO NOTHING";
    /** Bounds the sets of template ids already stored and already journaled; past it they start over. */
    private static final int MAX_KNOWN_TEMPLATES = 16_384;

    /** {@code callback} gets null once the event is durable, or the failure; it runs on {@code executor}. */
    private record Pending(UsageEvent event, Executor executor, Consumer<Throwable> callback) {}

    private final Database db;
    private final UsageJournal journal; // null: group commit only
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final LongAdder durable = new LongAdder();
    private final AtomicLong commits = new AtomicLong();
    private final Object visible = new Object();
    private Connection connection;
    private PreparedStatement insert;
    private PreparedStatement insertTemplate;
    private PreparedStatement addSpend;
    /** PostgreSQL: each event's spend rides in its own insert and the batch commits at its Sync. */
    private boolean oneTrip;
    /** Templates committed to the database by this process (by the writer, or with companion writes). */
    private final Set<String> storedTemplates = ConcurrentHashMap.newKeySet();
    /** Templates whose JSON a journal record already carries (committed, or ahead in the journal). */
    private final Set<String> journaledTemplates = ConcurrentHashMap.newKeySet();
    /** Companion transactions running ({@link #together}); {@link #close} waits for them. */
    private final Phaser companions = new Phaser(1);
    private final long activeParkNanos;
    private volatile boolean asleep;
    private volatile boolean closed;

    /**
     * @param journalDir where the journal lives, or null to commit every event before its callback
     * @throws IllegalStateException when the journal a previous process left cannot be replayed
     */
    public UsageMeter(Database db, Path journalDir) {
        this(db, journalDir, ACTIVE_PARK_NANOS);
    }

    /** As {@link #UsageMeter(Database, Path)}, with the writer's interval while events flow (tests). */
    UsageMeter(Database db, Path journalDir, long activeParkNanos) {
        this.db = db;
        this.activeParkNanos = activeParkNanos;
        try {
            this.journal = journalDir == null ? null : UsageJournal.recover(journalDir, this::replay);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open the usage journal in " + journalDir, e);
        }
        this.writer = Thread.ofPlatform().name("zumik-usage-writer").daemon().start(this::run);
    }

    /**
     * Makes an event durable; {@code callback} (may be null) then runs on {@code executor} (null:
     * on the calling thread) with null, or with the reason the event could not be made durable.
     */
    public void record(UsageEvent event, Executor executor, Consumer<Throwable> callback) {
        if (journal != null && journal(event)) {
            durable.increment();
            if (asleep) LockSupport.unpark(writer);
            if (callback == null) return;
            if (executor == null) callback.accept(null);
            else executor.execute(() -> callback.accept(null));
            return;
        }
        Pending p = new Pending(event, executor, callback);
        if (closed) {
            complete(List.of(p), new IllegalStateException("usage meter is closed"));
            return;
        }
        queue.add(p);
        LockSupport.unpark(writer);
    }

    /**
     * Writes that commit in the same transaction as a usage event, so that both land or neither
     * does. On PostgreSQL {@link #record(UsageEvent, Companion, Executor, Consumer)} sends the event
     * and these writes in one pipeline. Elsewhere (SQLite's journal makes an event durable without
     * a transaction), and whenever that pipeline fails, the event is recorded alone and
     * {@link #committed} is never called: the caller then makes its writes itself.
     */
    public interface Companion {
        /** Adds the writes to the pipeline that inserts the event (on the meter's thread, once). */
        void addTo(Pipeline writes);

        /**
         * The pipeline committed; {@code counts} are the update counts of the statements {@link #addTo}
         * added, in order. Called before the event's callback is scheduled.
         */
        void committed(int[] counts);
    }

    /**
     * As {@link #record(UsageEvent, Executor, Consumer)}, with {@code companion}'s writes committed in
     * the event's own transaction where the store allows it (see {@link Companion}).
     */
    public void record(UsageEvent event, Companion companion, Executor executor, Consumer<Throwable> callback) {
        if (companion == null || journal != null || db.dialect() != Database.Dialect.POSTGRESQL || closed) {
            record(event, executor, callback);
            return;
        }
        companions.register();
        Thread.ofVirtual().name("zumik-usage-companion").start(() -> {
            try {
                together(event, companion, executor, callback);
            } finally {
                companions.arriveAndDeregister();
            }
        });
    }

    /**
     * The event (its template first, when this process has not stored it), its spend and the
     * companion's writes, as one pipeline: one implicit transaction, one round trip. When it fails,
     * nothing of it committed, and the event is recorded alone through the batch path (which
     * reports a store that is really down to the callback).
     */
    private void together(UsageEvent event, Companion companion, Executor executor, Consumer<Throwable> callback) {
        Pipeline writes = new Pipeline(db);
        DecisionTemplate t = event.decisionTemplate();
        boolean withTemplate = unstored(t);
        if (withTemplate) writes.add(INSERT_TEMPLATE, t.id(), t.json(), event.createdAtMs());
        writes.add(INSERT_WITH_SPEND, rowWithSpend(event));
        int first = writes.size();
        int[] counts;
        try {
            companion.addTo(writes);
            counts = writes.runAtomically();
        } catch (RuntimeException e) {
            LOG.warn("usage event {} did not commit with its companion writes; recording it alone", event.responseId(), e);
            record(event, executor, callback);
            return;
        }
        durable.increment();
        commits.incrementAndGet();
        if (withTemplate) stored(Set.of(t.id()));
        try {
            companion.committed(Arrays.copyOfRange(counts, first, counts.length));
        } catch (RuntimeException bug) {
            // The event is durable: its callback must still run, or the response would never end.
            LOG.error("companion writes of usage event {} committed; reading their result failed", event.responseId(), bug);
        }
        if (callback == null) return;
        if (executor == null) callback.accept(null);
        else executor.execute(() -> callback.accept(null));
    }

    /**
     * Appends the event to the journal, with its decision template's JSON only the first time. The id
     * is marked journaled after the append returns, so any record written without the JSON comes
     * after one written with it: a replay always meets the template first (or finds it stored).
     */
    private boolean journal(UsageEvent event) {
        DecisionTemplate t = event.decisionTemplate();
        boolean withTemplate = t != null && t.json() != null && !journaledTemplates.contains(t.id());
        if (!journal.append(UsageEventCodec.encode(event, withTemplate), event)) return false;
        if (withTemplate) {
            if (journaledTemplates.size() >= MAX_KNOWN_TEMPLATES) journaledTemplates.clear();
            journaledTemplates.add(t.id());
        }
        return true;
    }

    /** Waits (up to 5 s) until every event recorded before this call is readable in the database. */
    public void awaitVisible() {
        if (journal == null) return;
        long target = journal.appended();
        long deadline = System.nanoTime() + VISIBILITY_WAIT_MILLIS * 1_000_000;
        synchronized (visible) {
            while (journal.committed() < target && writer.isAlive()) {
                LockSupport.unpark(writer);
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    LOG.warn("usage reads go ahead with {} journaled events not yet in the database", journal.backlog());
                    return;
                }
                try {
                    visible.wait(Math.min(10, left));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Events made durable (journaled or committed) since start. */
    public long eventsWritten() {
        return durable.sum();
    }

    public long commits() {
        return commits.get();
    }

    public int queued() {
        return queue.size();
    }

    /** Journaled events not yet in the database. */
    public long journalBacklog() {
        return journal == null ? 0 : journal.backlog();
    }

    private void run() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        List<UsageEvent> journaled = new ArrayList<>(MAX_BATCH);
        int previous = 0;
        long lastWork = System.nanoTime();
        while (true) {
            queue.drainTo(batch, MAX_BATCH);
            if (!batch.isEmpty() && previous >= BUSY_BATCH && !closed) linger(batch);
            if (journal != null) {
                prepareSpare();
                journal.read(journaled, MAX_BATCH);
            }
            if (batch.isEmpty() && journaled.isEmpty()) {
                if (closed && queue.isEmpty() && (journal == null || journal.backlog() == 0)) break;
                idle(System.nanoTime() - lastWork > IDLE_NANOS);
                continue;
            }
            lastWork = System.nanoTime();
            previous = batch.size() + journaled.size();
            Throwable failure = write(journaled, batch);
            if (journal != null) {
                if (failure == null) journal.commitRead();
                else journal.rewindRead();
            }
            if (failure == null) durable.add(batch.size());
            complete(batch, failure);
            boolean someoneWaited = !batch.isEmpty();
            batch.clear();
            journaled.clear();
            if (failure == null) {
                synchronized (visible) {
                    visible.notifyAll();
                }
                if (!someoneWaited && !closed) rest();
            } else if (journal != null) {
                LockSupport.parkNanos(RETRY_NANOS); // the journal keeps them; do not spin on a broken database
            }
        }
        disconnect();
    }

    /**
     * After a commit of journaled events only, which nobody waits for: lets the next group gather
     * (a queued event or a reader unparks the writer at once). Not while a whole batch or more is
     * already unread: a writer that rested after every full batch would commit at most
     * {@value #MAX_BATCH} events per interval (~10,000 a second), fall behind under more, and then
     * decode records whose events were no longer handed over and create fresh segments for a
     * journal that only grows.
     */
    private void rest() {
        if (journal != null && journal.unread() >= MAX_BATCH) return;
        LockSupport.parkNanos(activeParkNanos);
    }

    /** Parks briefly while events flow; after a quiet spell, until an appender or reader unparks. */
    private void idle(boolean deep) {
        if (!deep) {
            LockSupport.parkNanos(activeParkNanos);
            return;
        }
        asleep = true;
        if (queue.isEmpty() && (journal == null || journal.unread() == 0) && !closed) LockSupport.parkNanos(1_000_000_000L);
        asleep = false;
    }

    private void prepareSpare() {
        try {
            journal.prepareSpare();
        } catch (IOException | RuntimeException e) {
            // Appends fall back to group commit once the current segment is full.
            LOG.error("cannot prepare the next usage journal segment", e);
        }
    }

    /** Gathers more events for a busy batch, for at most {@value #LINGER_MICROS} µs. */
    private void linger(List<Pending> batch) {
        long deadline = System.nanoTime() + LINGER_MICROS * 1_000L;
        while (batch.size() < LINGER_TARGET) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return;
            LockSupport.parkNanos(left);
            queue.drainTo(batch, MAX_BATCH - batch.size());
        }
    }

    /** Writes the events in one transaction; returns null on success or the failure. */
    private Throwable write(List<UsageEvent> journaled, List<Pending> batch) {
        try {
            if (insert == null) {
                connection = db.connection();
                oneTrip = db.dialect() == Database.Dialect.POSTGRESQL;
                connection.setAutoCommit(oneTrip);
                insert = connection.prepareStatement(oneTrip ? INSERT_WITH_SPEND : INSERT);
                insertTemplate = connection.prepareStatement(INSERT_TEMPLATE);
                addSpend = oneTrip ? null : connection.prepareStatement(ADD_SPEND);
            }
            Set<String> added = new HashSet<>();
            List<UsageEvent> events = new ArrayList<>(journaled.size() + batch.size());
            for (UsageEvent e : journaled) events.add(e);
            for (Pending p : batch) events.add(p.event);
            for (UsageEvent e : events) add(e, added);
            // On PostgreSQL the templates commit on their own, before the events that name them:
            // idempotent rows, harmless when the events' batch then fails.
            if (!added.isEmpty()) insertTemplate.executeBatch();
            int[] inserted = insert.executeBatch();
            if (!oneTrip) {
                addSpend(events, inserted);
                connection.commit();
            }
            commits.incrementAndGet();
            stored(added);
            return null;
        } catch (SQLException | RuntimeException e) {
            LOG.error("usage batch of {} events failed to commit", journaled.size() + batch.size(), e);
            disconnect(); // the next batch starts on a fresh connection
            return e;
        }
    }

    /**
     * Adds the spend of the events this batch really inserted (a replayed event already stored
     * counts 0 rows) to {@code spend_totals}, one row per key and month, in the same transaction: the
     * totals budgets start from are always exactly the sum of the stored events.
     */
    private void addSpend(List<UsageEvent> events, int[] inserted) throws SQLException {
        Map<List<String>, long[]> totals = new HashMap<>();
        for (int i = 0; i < events.size(); i++) {
            // SUCCESS_NO_INFO (-2) says nothing either way; the drivers used here report 1 or 0.
            if (inserted[i] == 0) continue;
            UsageEvent e = events.get(i);
            long[] t = totals.computeIfAbsent(List.of(e.projectId(), e.keyId(), BillingCycle.of(e.createdAtMs())), k -> new long[2]);
            if (e.costNanos() != null) t[0] += e.costNanos();
            t[1]++;
        }
        if (totals.isEmpty()) return;
        for (var t : totals.entrySet()) {
            addSpend.setString(1, t.getKey().get(0));
            addSpend.setString(2, t.getKey().get(1));
            addSpend.setString(3, t.getKey().get(2));
            addSpend.setLong(4, t.getValue()[0]);
            addSpend.setLong(5, t.getValue()[1]);
            addSpend.addBatch();
        }
        addSpend.executeBatch();
    }

    /** Start-up: events a crashed process left in the journal, committed before anything is served. */
    private void replay(List<UsageEvent> events) {
        for (int from = 0; from < events.size(); from += MAX_BATCH) {
            Throwable failure = write(events.subList(from, Math.min(events.size(), from + MAX_BATCH)), List.of());
            if (failure != null) throw new IllegalStateException("cannot replay the usage journal", failure);
        }
    }

    private static void complete(List<Pending> batch, Throwable failure) {
        Map<Executor, List<Pending>> byExecutor = new IdentityHashMap<>();
        for (Pending p : batch) {
            if (p.callback == null) continue;
            if (p.executor == null) p.callback.accept(failure);
            else byExecutor.computeIfAbsent(p.executor, e -> new ArrayList<>()).add(p);
        }
        byExecutor.forEach((executor, pendings) -> executor.execute(() -> {
            for (Pending p : pendings) p.callback.accept(failure);
        }));
    }

    /** Adds the event (and its template, when this process has not stored it yet) to the batch. */
    private void add(UsageEvent e, Set<String> addedTemplates) throws SQLException {
        DecisionTemplate t = e.decisionTemplate();
        if (unstored(t) && addedTemplates.add(t.id())) {
            insertTemplate.setString(1, t.id());
            insertTemplate.setString(2, t.json());
            insertTemplate.setLong(3, e.createdAtMs());
            insertTemplate.addBatch();
        }
        bind(insert, oneTrip ? rowWithSpend(e) : row(e));
        insert.addBatch();
    }

    /** A template whose JSON the event carries and this process has not committed yet. */
    private boolean unstored(DecisionTemplate t) {
        return t != null && t.json() != null && !storedTemplates.contains(t.id());
    }

    /** Remembers committed templates (starting over past {@value #MAX_KNOWN_TEMPLATES}: a repeat insert is harmless). */
    private void stored(Set<String> ids) {
        if (storedTemplates.size() + ids.size() > MAX_KNOWN_TEMPLATES) storedTemplates.clear();
        storedTemplates.addAll(ids);
    }

    /** Columns of {@link #INSERT}. */
    private static final int COLUMNS = 38;
    /** Parameters of {@link #INSERT} (1-based) that hold a number or null: a null there is bound as a BIGINT. */
    private static final boolean[] NULLABLE_NUMBER = new boolean[COLUMNS + 1];

    static {
        for (int i : new int[] {15, 16, 17, 18, 19, 20, 31, 33, 34, 38}) NULLABLE_NUMBER[i] = true;
    }

    /** {@link #INSERT_WITH_SPEND}'s parameters: the event's columns, then its spend row's key and amount. */
    private static Object[] rowWithSpend(UsageEvent e) {
        Object[] row = Arrays.copyOf(row(e), COLUMNS + 4);
        row[COLUMNS] = e.projectId();
        row[COLUMNS + 1] = e.keyId();
        row[COLUMNS + 2] = BillingCycle.of(e.createdAtMs());
        row[COLUMNS + 3] = e.costNanos() == null ? 0L : e.costNanos();
        return row;
    }

    /** The event's columns in {@link #INSERT}'s order (booleans as 0 or 1). */
    private static Object[] row(UsageEvent e) {
        ReuseAccount r = e.reuse();
        return new Object[] {e.projectId(), e.responseId(), e.traceId(), e.keyId(), e.endpoint(), e.requestedModel(),
                e.provider(), e.model(), e.executionMode(), e.executionProfile(), (short) (e.stream() ? 1 : 0), e.status(),
                e.outcome(), e.errorCode(), e.promptTokens(), e.cachedTokens(), e.cacheWriteTokens(), e.completionTokens(),
                e.reasoningTokens(), e.ttftMs(), e.latencyMs(), e.createdAtMs(), e.surface(), e.aliasReleaseId(),
                e.decisionTemplate() == null ? null : e.decisionTemplate().id(), e.decision(), e.attempts(), e.qos(), e.output(),
                (short) (e.charged() ? 1 : 0), e.costNanos(), e.priceRevision(),
                r == null ? null : r.eligibleTokens(), r == null ? null : r.candidateTokens(),
                r == null ? null : r.prefixFamilyId(), r == null ? null : r.cacheTier(), r == null ? null : r.evidenceLevel(),
                r == null ? null : r.reuseWindowMs()};
    }

    /** Binds the event's columns with their types, as the batch's every row must have them alike. */
    private static void bind(PreparedStatement ps, Object[] row) throws SQLException {
        for (int i = 1; i <= row.length; i++) {
            Object v = row[i - 1];
            if (v == null) ps.setNull(i, i <= COLUMNS && NULLABLE_NUMBER[i] ? Types.BIGINT : Types.VARCHAR);
            else ps.setObject(i, v);
        }
    }

    private void disconnect() {
        if (connection != null) {
            try {
                if (!connection.getAutoCommit()) connection.rollback();
            } catch (SQLException ignored) {
                // Already broken: closing is all that is left.
            }
            try {
                connection.close();
            } catch (SQLException ignored) {
                // A new connection is opened for the next batch.
            }
        }
        connection = null;
        insert = null;
        insertTemplate = null;
        addSpend = null;
    }

    /** Stops taking events and waits until every journaled and queued event is committed. */
    @Override
    public void close() {
        try {
            // Companion transactions in flight commit (or fall back into the queue) before the queue closes.
            companions.awaitAdvanceInterruptibly(companions.arrive(), 30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException e) {
            LOG.warn("usage meter closing with companion transactions still running");
        }
        if (journal != null) journal.seal(); // no append after this, so the writer's last look sees them all
        closed = true;
        LockSupport.unpark(writer);
        try {
            writer.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (journal != null) journal.close();
        List<Pending> left = new ArrayList<>();
        queue.drainTo(left);
        complete(left, new IllegalStateException("usage meter closed before the event was written"));
    }
}
