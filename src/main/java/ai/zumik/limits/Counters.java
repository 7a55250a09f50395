package ai.zumik.limits;

import java.util.List;
import java.util.function.Consumer;

/** Where slots are counted: in this process, or in Redis shared by every replica. */
public interface Counters {
    /**
     * Admits a request against every slot or none, atomically: one request, {@code tokens} in each
     * window that limits tokens, {@code costNanos} reserved in each budget. {@code then} gets the
     * verdict (maybe on another thread: the caller hops back to its event loop).
     */
    void admit(List<Slot> slots, long tokens, long costNanos, Consumer<Verdict> then);

    /**
     * Settles an admitted request: each window it was counted in (if that window is still open)
     * gets {@code actualTokens - reservedTokens}; each budget releases {@code reservedCost} and adds
     * {@code actualCost} to what was spent.
     */
    void settle(List<Slot> slots, long[] windowStart, long reservedTokens, long actualTokens, long reservedCost,
                long actualCost);
}
