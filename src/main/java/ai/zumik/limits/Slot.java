package ai.zumik.limits;

/** One counter a request must fit under; {@link #key()} names it in the counter store. */
public sealed interface Slot {
    String key();

    /**
     * A fixed window of one minute that opens with its first request: at most {@code rpm} requests
     * and {@code tpm} tokens (reserved from the estimate, settled to the reported usage). Zero: that
     * dimension is not limited.
     */
    record Window(String key, long rpm, long tpm) implements Slot {}

    /**
     * Spend against {@code limitNanos}. The live spend starts from {@code baseSpentNanos} (what the
     * database had when the key was loaded) the first time the store meets the key, then grows with
     * every settled request. {@link Kind#CREDITS} admits while anything is left; the others only when
     * the request's estimated cost still fits.
     */
    record Budget(String key, Kind kind, long limitNanos, long baseSpentNanos) implements Slot {}

    enum Kind {
        KEY_BUDGET, MONTHLY_CAP, CREDITS;

        /** Whether {@code spent} plus {@code reserved} leaves room for {@code cost} under {@code limit}. */
        boolean admits(long limit, long spent, long reserved, long cost) {
            return this == CREDITS ? spent + reserved < limit : spent + reserved + cost <= limit;
        }
    }
}
