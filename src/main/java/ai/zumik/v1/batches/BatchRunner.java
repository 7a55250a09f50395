package ai.zumik.v1.batches;

import ai.zumik.broker.BackgroundBrokers;
import ai.zumik.ids.Ids;
import ai.zumik.keys.ApiKeyService;
import ai.zumik.store.Database;
import ai.zumik.store.LeaseTicker;
import ai.zumik.v1.files.FileStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs batches on this replica. Once a second (and at once when a batch is created or cancelled
 * here) it renews the lease of every batch it runs — reading back the status, which is how a
 * cancel made on another replica arrives — and claims batches whose lease has lapsed, up to
 * {@link #MAX_RUNNING} at a time; each claimed batch is a {@link BatchJob} on a virtual thread.
 * Claiming is one conditional update ({@code ... WHERE lease_until < now}), so of several
 * replicas exactly one gets a batch, and another takes it over only when the holder has stopped
 * renewing (it died). On the embedded store there is one process, so at start every lease left
 * behind is a dead process's and is dropped at once.
 */
public final class BatchRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchRunner.class);
    static final int MAX_RUNNING = 16;
    /**
     * Request bodies of batch lines being run on this replica, all batches together: a line takes
     * its body's size before it is read and gives it back when it ends, so even lines of the
     * largest size (2 MiB) from many batches at once cannot exhaust the heap.
     */
    static final int BODY_BUDGET = 32 * 1024 * 1024;
    private static final long TICK_MS = 1_000;

    private final String owner = Ids.next("run_");
    private final BatchStore store;
    private final FileStore files;
    private final ApiKeyService keys;
    private final BackgroundBrokers brokers;
    private final Executor blocking;
    private final Clock clock;
    private final long leaseMs;
    private final int linesPerBatch;
    private final ConcurrentHashMap<String, BatchJob> jobs = new ConcurrentHashMap<>();
    private final AtomicInteger linesInFlight = new AtomicInteger();
    private final LeaseTicker ticker = new LeaseTicker("zumik-batch-runner", TICK_MS, this::tick);
    private final Semaphore bodies = new Semaphore(BODY_BUDGET);
    private volatile boolean stopping;

    /**
     * @param brokers the event loops' brokers every line is sent through
     * @param lease how long a claim lasts without renewal
     * @param linesPerBatch lines of one batch in flight at once
     */
    public BatchRunner(Database db, FileStore files, ApiKeyService keys, BackgroundBrokers brokers, Executor blocking,
                       Clock clock, Duration lease, int linesPerBatch) {
        this.store = new BatchStore(db);
        this.files = files;
        this.keys = keys;
        this.brokers = brokers;
        this.blocking = blocking;
        this.clock = clock;
        this.leaseMs = lease.toMillis();
        this.linesPerBatch = linesPerBatch;
    }

    /** Starts claiming; call once the event loops (and their brokers) are up. */
    public void start() {
        if (store.database().dialect() == Database.Dialect.SQLITE) store.releaseAll();
        ticker.start();
        LOG.info("batch runner {} started (lease {} ms, {} lines in flight per batch)", owner, leaseMs, linesPerBatch);
    }

    private void tick() {
        long now = clock.millis();
        for (BatchJob j : jobs.values()) {
            Optional<BatchStatus> status = store.renew(j.id(), owner, now + leaseMs);
            if (status.isEmpty()) j.leaseLost();
            else if (status.get() == BatchStatus.CANCELLING) j.cancelRequested();
        }
        if (stopping) return;
        int room = MAX_RUNNING - jobs.size();
        if (room <= 0) return;
        for (String id : store.claimable(now, room)) {
            if (jobs.containsKey(id) || !store.claim(id, owner, now + leaseMs, now)) continue;
            LOG.info("batch {} claimed by runner {}", id, owner);
            BatchJob job = new BatchJob(id, this);
            jobs.put(id, job);
            blocking.execute(job);
        }
    }

    /** A batch was created here: claim it now rather than at the next tick. */
    void created() {
        ticker.kick();
    }

    /** A batch was cancelled here: tell its job at once if it runs here; other replicas learn it when they renew. */
    void cancelled(String batchId) {
        BatchJob j = jobs.get(batchId);
        if (j != null) j.cancelRequested();
        ticker.kick();
    }

    void ended(BatchJob job) {
        jobs.remove(job.id(), job);
        if (!stopping) ticker.kick();
    }

    /**
     * Deletes every batch of the project and its request lines (a project purge); a batch still
     * running here finds its rows gone and stops.
     */
    public long purgeProject(String projectId) {
        return store.purgeProject(projectId);
    }

    /** Zumik is stopping: no batch is claimed and no line sent any more; lines in flight finish. */
    public void stopDispatching() {
        stopping = true;
        jobs.values().forEach(BatchJob::stop);
    }

    /** Lines sent and not yet answered, all batches together. */
    public int linesInFlight() {
        return linesInFlight.get();
    }

    /** Waits (at most {@code waitMs}) for the jobs to record what they sent and release their batches. */
    @Override
    public void close() {
        close(10_000);
    }

    public void close(long waitMs) {
        stopDispatching();
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        while (!jobs.isEmpty() && System.nanoTime() < until) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!jobs.isEmpty()) LOG.warn("{} batches were still recording when Zumik stopped; they resume after their lease", jobs.size());
        ticker.close();
    }

    /** The replica-wide budget for the bodies of lines being run (see {@link #BODY_BUDGET}). */
    Semaphore bodies() {
        return bodies;
    }

    void lineStarted() {
        linesInFlight.incrementAndGet();
    }

    void lineEnded() {
        linesInFlight.decrementAndGet();
    }

    String owner() {
        return owner;
    }

    BatchStore store() {
        return store;
    }

    FileStore files() {
        return files;
    }

    ApiKeyService keys() {
        return keys;
    }

    BackgroundBrokers brokers() {
        return brokers;
    }

    Executor blocking() {
        return blocking;
    }

    Clock clock() {
        return clock;
    }

    int linesPerBatch() {
        return linesPerBatch;
    }
}
