package ai.zumik.qos;

import java.util.EnumMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Admission control: a global concurrency limit shared by all classes, a limit per class, and a
 * priority queue per class. A request runs at once when both limits allow; otherwise it waits in
 * its class's queue (higher {@code priority} first, then arrival order). When a slot frees, queues
 * are served interactive first, then standard, background, batch. A waiter leaves the queue with
 * {@code queue_timeout} after its class's queue timeout, or {@code expired_before_start} when its
 * deadline passes first; a full queue refuses at once with {@code queue_full}.
 *
 * <p>Shared by every event loop; a grant is delivered on the waiter's own loop executor.
 */
public final class AdmissionController {
    /** Limits of one class. */
    public record Limits(int concurrency, int queueCapacity, long queueTimeoutMs) {}

    /** What happens to a request that asked for admission. */
    public interface Listener {
        /** It may run now; {@code queued} says whether it waited; call {@code release} exactly once when done. */
        void granted(boolean queued, Runnable release);

        void refused(ReasonCode reason);
    }

    /** Cancels a waiting request (the client left); no-op once granted. */
    public interface Waiting {
        void cancel();
    }

    private final int globalLimit;
    private final Map<QosClass, Limits> limits;
    private final Map<QosClass, PriorityQueue<Waiter>> queues = new EnumMap<>(QosClass.class);
    private final Map<QosClass, Integer> running = new EnumMap<>(QosClass.class);
    private final ReentrantLock lock = new ReentrantLock();
    private int runningTotal;
    private long arrivals;

    public AdmissionController(int globalLimit, Map<QosClass, Limits> limits) {
        this.globalLimit = globalLimit;
        this.limits = Map.copyOf(limits);
        for (QosClass c : QosClass.values()) {
            queues.put(c, new PriorityQueue<>());
            running.put(c, 0);
        }
    }

    /** Defaults sized for one node: interactive work gets the most room and the shortest wait. */
    public static AdmissionController defaults(int globalLimit) {
        return new AdmissionController(globalLimit, Map.of(
                QosClass.INTERACTIVE, new Limits(globalLimit, 1024, 2_000),
                QosClass.STANDARD, new Limits(globalLimit, 2048, 10_000),
                QosClass.BACKGROUND, new Limits(Math.max(1, globalLimit / 4), 4096, 60_000),
                QosClass.BATCH, new Limits(Math.max(1, globalLimit / 8), 8192, 300_000)));
    }

    /**
     * Asks for a slot. {@code deadlineAtNanos} (System.nanoTime scale) or -1. {@code timers}
     * schedules the waiter's expiry on its own loop and returns a cancel action.
     */
    public Waiting admit(QosRequest q, long deadlineAtNanos, Executor loop, Timers timers, Listener listener) {
        QosClass c = q.qosClass();
        Limits l = limits.get(c);
        Waiter w = null;
        boolean full = false;
        lock.lock();
        try {
            if (queues.get(c).isEmpty() && canRun(c)) {
                start(c);
            } else if (queues.get(c).size() >= l.queueCapacity()) {
                full = true;
            } else {
                w = new Waiter(c, q.priority(), arrivals++, loop, listener);
                queues.get(c).add(w);
            }
        } finally {
            lock.unlock();
        }
        if (full) {
            listener.refused(ReasonCode.QUEUE_FULL);
            return () -> { };
        }
        if (w == null) {
            listener.granted(false, releaser(c));
            return () -> { };
        }
        long now = System.nanoTime();
        long timeoutNanos = l.queueTimeoutMs() * 1_000_000;
        boolean deadlineFirst = deadlineAtNanos >= 0 && deadlineAtNanos - now < timeoutNanos;
        long waitMs = Math.max(1, ((deadlineFirst ? deadlineAtNanos - now : timeoutNanos)) / 1_000_000);
        Waiter waiter = w;
        w.cancelTimer = timers.schedule(waitMs, () -> expire(waiter,
                deadlineFirst ? ReasonCode.EXPIRED_BEFORE_START : ReasonCode.QUEUE_TIMEOUT));
        return () -> expire(waiter, null);
    }

    /** Requests running and waiting, for metrics. */
    public int running() {
        lock.lock();
        try {
            return runningTotal;
        } finally {
            lock.unlock();
        }
    }

    public int queued() {
        lock.lock();
        try {
            int n = 0;
            for (var q : queues.values()) n += q.size();
            return n;
        } finally {
            lock.unlock();
        }
    }

    private boolean canRun(QosClass c) {
        return runningTotal < globalLimit && running.get(c) < limits.get(c).concurrency();
    }

    private void start(QosClass c) {
        runningTotal++;
        running.merge(c, 1, Integer::sum);
    }

    private Runnable releaser(QosClass c) {
        boolean[] released = {false};
        return () -> {
            if (released[0]) return;
            released[0] = true;
            release(c);
        };
    }

    private void release(QosClass c) {
        java.util.List<Waiter> grants = new java.util.ArrayList<>();
        lock.lock();
        try {
            runningTotal--;
            running.merge(c, -1, Integer::sum);
            for (QosClass k : QosClass.values()) {
                PriorityQueue<Waiter> q = queues.get(k);
                while (!q.isEmpty() && canRun(k)) {
                    Waiter w = q.poll();
                    start(k);
                    w.done = true;
                    grants.add(w);
                }
            }
        } finally {
            lock.unlock();
        }
        for (Waiter w : grants) {
            if (w.cancelTimer != null) w.cancelTimer.run();
            w.loop.execute(() -> w.listener.granted(true, releaser(w.qosClass)));
        }
    }

    /** Removes a waiter that timed out ({@code reason}) or was cancelled ({@code reason} null). */
    private void expire(Waiter w, ReasonCode reason) {
        lock.lock();
        try {
            if (w.done) return;
            w.done = true;
            queues.get(w.qosClass).remove(w);
        } finally {
            lock.unlock();
        }
        if (reason == null) {
            if (w.cancelTimer != null) w.cancelTimer.run();
            return;
        }
        w.loop.execute(() -> w.listener.refused(reason));
    }

    /** Schedules an action after a delay on the caller's event loop; returns a cancel action. */
    @FunctionalInterface
    public interface Timers {
        Runnable schedule(long delayMs, Runnable action);
    }

    private static final class Waiter implements Comparable<Waiter> {
        final QosClass qosClass;
        final int priority;
        final long seq;
        final Executor loop;
        final Listener listener;
        Runnable cancelTimer;
        boolean done;

        Waiter(QosClass qosClass, int priority, long seq, Executor loop, Listener listener) {
            this.qosClass = qosClass;
            this.priority = priority;
            this.seq = seq;
            this.loop = loop;
            this.listener = listener;
        }

        @Override
        public int compareTo(Waiter o) {
            return priority != o.priority ? Integer.compare(o.priority, priority) : Long.compare(seq, o.seq);
        }
    }
}
