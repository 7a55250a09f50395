package ai.zumik.limits;

import java.util.List;

/**
 * An admitted request's hold on its slots, settled exactly once when the response ends: tokens to
 * the provider's count, reserved cost to the priced usage (a refused or cancelled request settles
 * with what it used, often nothing).
 */
public final class Permit implements Admission {
    /** A request no limit or budget applies to: nothing to settle. */
    public static final Permit FREE = new Permit(List.of(), null, 0, 0, null, null);

    private final List<Slot> slots;
    private final long[] windowStart;
    private final long reservedTokens;
    private final long reservedCost;
    private final Counters counters;
    private final RateHeaders headers;
    private boolean settled;

    Permit(List<Slot> slots, long[] windowStart, long reservedTokens, long reservedCost, Counters counters,
           RateHeaders headers) {
        this.slots = slots;
        this.windowStart = windowStart;
        this.reservedTokens = reservedTokens;
        this.reservedCost = reservedCost;
        this.counters = counters;
        this.headers = headers;
    }

    /** The rate-limit headers to send, or null. */
    public RateHeaders headers() {
        return headers;
    }

    /**
     * Replaces the reservation with what happened.
     *
     * @param tokens the tokens the provider reported, or null to keep the estimate (nothing reported)
     * @param costNanos the priced usage, or null (unpriced or nothing used: nothing spent)
     */
    public void settle(Long tokens, Long costNanos) {
        if (settled || slots.isEmpty()) return;
        settled = true;
        counters.settle(slots, windowStart, reservedTokens, tokens == null ? reservedTokens : tokens, reservedCost,
                costNanos == null ? 0 : costNanos);
    }
}
