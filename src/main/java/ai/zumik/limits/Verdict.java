package ai.zumik.limits;

/**
 * What the counter store decided for one request.
 *
 * @param refused index of the slot that refused it, or -1 when admitted (then every slot holds it)
 * @param tokensExceeded the refusing window was full on tokens, not requests
 * @param retryAfterMs until the refusing window reopens (0 for a budget)
 * @param windowStart per slot: when its window opened (0 for budgets), to settle into the same window
 * @param used per slot after admission: requests in the window, or spent nanos
 * @param reserved per slot after admission: tokens in the window, or nanos reserved by requests in flight
 * @param by the store that counted it, which must also settle it (Redis, or this node's store when
 *     Redis was unreachable)
 */
public record Verdict(int refused, boolean tokensExceeded, long retryAfterMs, long nowMs, long[] windowStart,
                      long[] used, long[] reserved, Counters by) {
    public boolean admitted() {
        return refused < 0;
    }

    static Verdict refusal(int index, boolean tokens, long retryAfterMs, long nowMs, Counters by) {
        return new Verdict(index, tokens, retryAfterMs, nowMs, null, null, null, by);
    }
}
