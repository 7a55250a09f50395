package ai.zumik.store;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop of a runner that holds leases on store rows (batches, replay runs): a daemon thread
 * that runs {@code tick} once a period, or at once when {@link #kick} is called, until
 * {@link #close}. A tick that throws is logged and the loop goes on; kicks that arrive during a
 * tick fold into one more tick.
 */
public final class LeaseTicker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseTicker.class);

    private final String name;
    private final Runnable tick;
    private final long periodMs;
    private final Semaphore kick = new Semaphore(0);
    private volatile boolean closed;
    private Thread thread;

    /** @param name the thread's name, also prefixing the log line of a failed tick */
    public LeaseTicker(String name, long periodMs, Runnable tick) {
        this.name = name;
        this.periodMs = periodMs;
        this.tick = tick;
    }

    public void start() {
        thread = Thread.ofPlatform().daemon().name(name).start(this::loop);
    }

    /** Ticks now rather than at the next period. */
    public void kick() {
        kick.release();
    }

    private void loop() {
        while (!closed) {
            try {
                tick.run();
            } catch (RuntimeException e) {
                LOG.warn("{}: {}", name, e.getMessage());
            }
            try {
                if (kick.tryAcquire(periodMs, TimeUnit.MILLISECONDS)) kick.drainPermits();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Stops the loop and waits (at most 2 s) for a tick under way to end. */
    @Override
    public void close() {
        closed = true;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
