package ai.zumik.replay;

import ai.zumik.ids.Ids;
import ai.zumik.store.Database;
import ai.zumik.store.LeaseTicker;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the background replay classes on this replica. Once a second (and at once when a run is
 * queued here) it renews the lease of each run it is running, fails runs whose lease lapsed (their
 * runner died: a run is never resumed halfway, it is failed with {@code runner_restarted} and can
 * be resubmitted), and claims due queued runs, up to {@link #MAX_RUNNING} at a time. A claim is
 * one guarded update ({@code status = 'queued'} → {@code 'running'}), so of several replicas on
 * one PostgreSQL exactly one runs each run. On the embedded store this process is the only
 * runner, so at start every run left {@code running} is a dead process's and is failed at once;
 * on PostgreSQL it is failed once its lease lapses, by whichever replica notices first.
 */
public final class ReplayRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplayRunner.class);
    static final int MAX_RUNNING = 4;
    private static final long TICK_MS = 1_000;
    static final String ABANDONED = "The process running this replay stopped before it finished; resubmit the run to retry.";

    /** Turns a claimed run into its signed report. */
    @FunctionalInterface
    public interface Work {
        ObjectNode report(ReplayRun run);
    }

    private final String owner = Ids.next("rnr_");
    private final ReplayStore store;
    private final Work work;
    private final Executor blocking;
    private final Clock clock;
    private final long leaseMs;
    private final Map<String, Boolean> running = new ConcurrentHashMap<>();
    private final LeaseTicker ticker = new LeaseTicker("zumik-replay-runner", TICK_MS, this::tick);
    private volatile boolean closed;

    public ReplayRunner(ReplayStore store, Work work, Executor blocking, Clock clock, Duration lease) {
        this.store = store;
        this.work = work;
        this.blocking = blocking;
        this.clock = clock;
        this.leaseMs = lease.toMillis();
    }

    public void start() {
        long now = clock.millis();
        int failed = store.database().dialect() == Database.Dialect.SQLITE
                ? store.failAbandoned(Long.MAX_VALUE, now, ABANDONED) : store.failAbandoned(now, now, ABANDONED);
        if (failed > 0) LOG.warn("{} replay runs left running by a stopped process were failed (runner_restarted)", failed);
        ticker.start();
    }

    /** A run was queued here: look for due runs now rather than at the next tick. */
    public void queued() {
        ticker.kick();
    }

    private void tick() {
        long now = clock.millis();
        for (String id : running.keySet()) store.renew(id, owner, now + leaseMs);
        int lapsed = store.failAbandoned(now, now, ABANDONED);
        if (lapsed > 0) LOG.warn("{} replay runs whose runner stopped renewing were failed (runner_restarted)", lapsed);
        int room = MAX_RUNNING - running.size();
        if (room <= 0 || closed) return;
        for (String id : store.due(now, room)) {
            if (!store.claim(id, owner, now, now + leaseMs)) continue;
            LOG.info("replay run {} claimed by runner {}", id, owner);
            running.put(id, Boolean.TRUE);
            blocking.execute(() -> execute(id));
        }
    }

    private void execute(String id) {
        try {
            ReplayRun run = store.find(id).orElse(null);
            if (run == null) return; // purged meanwhile
            ObjectNode report = work.report(run);
            if (!store.complete(id, owner, report, ReplayRuns.completedAt(report))) {
                LOG.warn("replay run {} finished after its lease was lost; its report was not stored", id);
            }
        } catch (RuntimeException e) {
            LOG.warn("replay run {} failed: {}", id, e.toString());
            store.fail(id, owner, "evaluation_failed", "The replay could not be evaluated; resubmit it or contact support.",
                    clock.millis());
        } finally {
            running.remove(id);
            if (!closed) ticker.kick();
        }
    }

    /** Stops claiming and renewing; a run still evaluating here is failed by the next start or replica. */
    @Override
    public void close() {
        closed = true;
        ticker.close();
    }
}
