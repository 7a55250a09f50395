package ai.zumik.broker;

/**
 * Caps retries so a struggling provider is not hit by a retry storm: every request deposits
 * {@value #RATIO} of a retry token, every retry spends one, and a floor of
 * {@value #MIN_PER_SECOND} retries per second is always allowed for quiet periods.
 */
public final class RetryBudget {
    static final double RATIO = 0.2;
    static final int MIN_PER_SECOND = 10;
    private static final double CAP = 500;

    private double tokens = CAP / 10;
    private long second = -1;
    private int floorUsed;

    public synchronized void deposit() {
        tokens = Math.min(CAP, tokens + RATIO);
    }

    /** True (and spends) when one more retry is allowed now. */
    public synchronized boolean tryRetry(long nowMillis) {
        long s = nowMillis / 1000;
        if (s != second) {
            second = s;
            floorUsed = 0;
        }
        if (floorUsed < MIN_PER_SECOND) {
            floorUsed++;
            return true;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
