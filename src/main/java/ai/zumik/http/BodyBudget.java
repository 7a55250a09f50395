package ai.zumik.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory all request bodies being read or handled may hold together, shared by every event
 * loop. A body reserves capacity as its bytes actually arrive (never what its Content-Length
 * announces, so headers alone cost nothing) and gives it back when its exchange ends. A body that
 * would push the total past the budget is refused with 503 {@code server_busy}, never an
 * OutOfMemoryError.
 */
public final class BodyBudget {
    private final long limit;
    private final AtomicLong held = new AtomicLong();

    public BodyBudget(long limitBytes) {
        this.limit = limitBytes;
    }

    public static final long SMALL_BODY = 64 * 1024;

    /**
     * Takes {@code bytes} from the budget for a body that will then hold {@code bodyCapacity}
     * bytes; false (and nothing taken) when they do not fit.
     */
    boolean tryReserve(long bytes, long bodyCapacity) {
        long ceiling = bodyCapacity > SMALL_BODY ? limit - limit / 4 : limit;
        long now;
        do {
            now = held.get();
            if (now + bytes > ceiling) return false;
        } while (!held.compareAndSet(now, now + bytes));
        return true;
    }

    void release(long bytes) {
        held.addAndGet(-bytes);
    }

    public long held() {
        return held.get();
    }

    public long limit() {
        return limit;
    }
}
