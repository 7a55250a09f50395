package ai.zumik.reuse;

import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One response's reuse, opportunity and capture kept apart (digest §7.2). Opportunity is Zumik's
 * inference from fingerprints ({@code eligible}, {@code candidate}); capture is only ever the
 * provider's own counter ({@code realized}, null when the provider reported none — never filled in
 * from the candidate). Invariants: input ≥ eligible ≥ candidate ≥ realized ≥ 0.
 *
 * @param eligibleTokens input tokens a prefix cache could hold (everything before the newest block)
 * @param candidateTokens eligible tokens whose prefix was sent within the reuse window
 * @param realizedTokens tokens the provider says its cache served, or null when it did not say
 * @param prefixFamilyId the family of prompts sharing the stable prefix ({@code pf_…}), or null
 * @param cacheTier {@code provider} when the provider reported its cache counter, {@code gpu} when a
 *     BYOC cluster did, else {@code unknown}
 * @param evidenceLevel {@code provider_reported}, {@code runtime_confirmed} (a BYOC cluster's counter)
 *     or {@code unknown}, for the realized number
 * @param reuseWindowMs how far back a prefix counted as a candidate
 */
public record ReuseAccount(long eligibleTokens, long candidateTokens, Long realizedTokens, String prefixFamilyId,
                           String cacheTier, String evidenceLevel, long reuseWindowMs) {

    public static final String PROVIDER_REPORTED = "provider_reported";
    public static final String UNKNOWN = "unknown";
    public static final String RUNTIME_CONFIRMED = "runtime_confirmed";

    /** The same account with its realized number confirmed by a runtime Zumik routes to (a BYOC cluster's KV cache). */
    public ReuseAccount confirmedByRuntime() {
        return new ReuseAccount(eligibleTokens, candidateTokens, realizedTokens, prefixFamilyId, "gpu", RUNTIME_CONFIRMED,
                reuseWindowMs);
    }

    /** Whether an evidence level means a cache counter was reported (by the provider or a BYOC runtime). */
    public static boolean counted(String evidenceLevel) {
        return PROVIDER_REPORTED.equals(evidenceLevel) || RUNTIME_CONFIRMED.equals(evidenceLevel);
    }

    /** Realized tokens, 0 when the provider did not report them. */
    public long realizedOrZero() {
        return realizedTokens == null ? 0 : realizedTokens;
    }

    /** Candidate tokens no cache served: {@code candidate − realized}. */
    public long missedTokens() {
        return candidateTokens - realizedOrZero();
    }

    /**
     * The /v2 {@code reuse} object.
     *
     * @param account the response's account, or null when it has none (no usage reported, or recorded
     *     before reuse accounting): every number is then null and the evidence {@code unknown}
     */
    public static ObjectNode toJson(Long inputTokens, ReuseAccount account) {
        ObjectNode o = Json.object();
        o.put("input_tokens", inputTokens);
        if (account == null) {
            o.putNull("eligible_reuse_tokens");
            o.putNull("candidate_reuse_tokens");
            o.putNull("realized_reused_tokens");
            o.putNull("missed_opportunity_tokens");
            o.put("cache_tier", UNKNOWN);
            o.putNull("prefix_family_id");
            o.put("reuse_evidence_level", UNKNOWN);
            o.putNull("reuse_window_ms");
            return o;
        }
        o.put("eligible_reuse_tokens", account.eligibleTokens);
        o.put("candidate_reuse_tokens", account.candidateTokens);
        o.put("realized_reused_tokens", account.realizedOrZero());
        o.put("missed_opportunity_tokens", account.missedTokens());
        o.put("cache_tier", account.cacheTier);
        o.put("prefix_family_id", account.prefixFamilyId);
        o.put("reuse_evidence_level", account.evidenceLevel);
        o.put("reuse_window_ms", account.reuseWindowMs);
        return o;
    }
}
