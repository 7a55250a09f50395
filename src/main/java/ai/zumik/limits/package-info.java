/**
 * Governance on the request path: rate limits, budgets and prepaid credit, checked after a request
 * is planned and before anything costs money, in the order key, project, global (the cheapest
 * rejection first), then the key's budget, the project's monthly cap, its credit.
 *
 * <p>Every check is a {@link ai.zumik.limits.Slot}: a one-minute window from first use (requests,
 * and tokens reserved from an estimate) or a spend counter (spent plus what requests in flight
 * reserved). A request is admitted against all its slots or none, atomically, by
 * {@link ai.zumik.limits.Counters}: in memory on one node, or in Redis by one Lua script per
 * check when replicas share {@code ZUMIK_REDIS_URL}. Its {@link ai.zumik.limits.Permit} is settled
 * once when the response ends: the token estimate is replaced by the provider's count, the reserved
 * cost by the priced usage. Reserve-then-settle is what bounds overshoot: a burst can pass a limit
 * by at most the estimate's error, a budget by one request's actual-minus-estimate.
 */
package ai.zumik.limits;
