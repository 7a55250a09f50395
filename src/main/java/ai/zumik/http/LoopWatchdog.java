package ai.zumik.http;

import io.vertx.core.Context;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the event loops from a thread of its own. Four times a second it posts a heartbeat to
 * every loop; a loop whose last heartbeat is over five seconds old (or half the stall limit, if
 * that is shorter) turns {@code /healthz} red (a load balancer stops sending), and one that has
 * run nothing for the configured stall limit, or
 * whose thread has died, makes the process exit with status 70 so a supervisor restarts it. A
 * dead or wedged loop is never survived silently. (An OutOfMemoryError anywhere ends the process at
 * once through {@code -XX:+ExitOnOutOfMemoryError}, set by {@code bin/zumik}.)
 */
public final class LoopWatchdog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LoopWatchdog.class);
    private static final long PERIOD_MS = 250;
    private static final long UNHEALTHY_NANOS = Duration.ofSeconds(5).toNanos();

    private final List<Context> loops;
    private final AtomicLongArray beats;
    private final AtomicReferenceArray<Thread> threads;
    private final long exitNanos;
    private final long unhealthyNanos;
    private final Runnable exit;
    private final Thread watcher;
    private volatile String problem;
    private volatile boolean stopped;

    /**
     * @param stallExit how long a loop may run nothing before the process exits; zero: never
     * @param exit what ends the process (tests record the call instead)
     */
    public LoopWatchdog(List<Context> loops, Duration stallExit, Runnable exit) {
        this.loops = List.copyOf(loops);
        this.beats = new AtomicLongArray(loops.size());
        this.threads = new AtomicReferenceArray<>(loops.size());
        this.exitNanos = stallExit.toNanos();
        this.unhealthyNanos = exitNanos > 0 ? Math.min(UNHEALTHY_NANOS, exitNanos / 2) : UNHEALTHY_NANOS;
        this.exit = exit;
        long now = System.nanoTime();
        for (int i = 0; i < loops.size(); i++) beats.set(i, now);
        this.watcher = Thread.ofPlatform().daemon().name("zumik-loop-watchdog").unstarted(this::watch);
    }

    public LoopWatchdog start() {
        watcher.start();
        return this;
    }

    /** Null when every loop is running, else what is wrong (for {@code /healthz}). */
    public String problem() {
        return problem;
    }

    private void watch() {
        boolean exited = false;
        while (!stopped && !exited) {
            for (int i = 0; i < loops.size(); i++) {
                int loop = i;
                try {
                    loops.get(i).runOnContext(v -> {
                        beats.set(loop, System.nanoTime());
                        threads.set(loop, Thread.currentThread());
                    });
                } catch (RuntimeException rejected) {
                    // A loop that refuses work is dead; its stale heartbeat says so below.
                }
            }
            try {
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                return;
            }
            if (stopped) return;
            exited = check(System.nanoTime());
        }
    }

    /** Judges the loops at {@code now}; true when it ended the process. */
    boolean check(long now) {
        String found = null;
        for (int i = 0; i < loops.size(); i++) {
            Thread t = threads.get(i);
            long silent = now - beats.get(i);
            String what = null;
            if (t != null && !t.isAlive()) {
                what = "event loop " + i + " (" + t.getName() + ") has died";
            } else if (silent > unhealthyNanos) {
                what = "event loop " + i + " has run nothing for " + silent / 1_000_000 + " ms";
            }
            if (what == null) continue;
            found = found == null ? what : found + "; " + what;
            if ((t != null && !t.isAlive()) || exitNanos > 0 && silent > exitNanos) {
                problem = found;
                LOG.error("FATAL: {}; exiting so a supervisor can restart Zumik", what);
                exit.run();
                return true;
            }
        }
        if (found != null && problem == null) LOG.error("unhealthy: {}", found);
        problem = found;
        return false;
    }

    @Override
    public void close() {
        stopped = true;
        watcher.interrupt();
    }
}
