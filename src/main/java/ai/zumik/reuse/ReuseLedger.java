package ai.zumik.reuse;

import ai.zumik.catalog.Capabilities;
import ai.zumik.inference.ChatRequest;

/**
 * Reuse accounting on the hot path: fingerprints a prompt under its project's key, and once the
 * provider has answered, settles its {@link ReuseAccount} against the prompts sent before it and
 * remembers it for the ones after.
 *
 * <p>Token counts are estimated per block (see {@link PromptPrefix}) and scaled to the input tokens
 * the provider reported, so the account always adds up to the provider's own total. The reuse
 * window is the provider's prompt-cache TTL from the capability manifest ({@value #DEFAULT_WINDOW_MS}
 * ms when it has no cache: the opportunity is still real, another target could capture it); the
 * minimum candidate prefix is the provider's minimum cacheable prefix ({@value #DEFAULT_MIN_PREFIX}
 * tokens when the manifest says none). The window is this replica's memory: with several replicas a
 * prefix sent through another one is not a candidate here, which undercounts opportunity and never
 * overcounts it.
 */
public final class ReuseLedger {
    public static final long DEFAULT_WINDOW_MS = 300_000;
    public static final int DEFAULT_MIN_PREFIX = 1_024;
    private static final long LONGEST_WINDOW_MS = 3_600_000;

    private final FingerprintKeys keys;
    private final PrefixWindow window;

    public ReuseLedger(FingerprintKeys keys, int maxRemembered) {
        this.keys = keys;
        this.window = new PrefixWindow(maxRemembered, LONGEST_WINDOW_MS);
    }

    /** The prompt's fingerprints, or null when this replica does not hold the project's key yet. */
    public PromptPrefix prefix(String projectId, ChatRequest request) {
        FingerprintKey key = keys.cached(projectId);
        return key == null ? null : PromptPrefix.of(request, key);
    }

    /**
     * Settles a response's account and remembers its prompt as sent.
     *
     * @param promptTokens input tokens the provider reported; null (nothing processed) settles nothing
     * @param cachedTokens what the provider says its cache served, or null when it did not say
     * @param cache the answering target's prompt cache
     * @param ownRuntime the answer came from the customer's own cluster (BYOC): its cache counter is
     *     the runtime confirming a KV hit ({@code runtime_confirmed}, tier {@code gpu})
     * @return the account, or null when there is none to give
     */
    public ReuseAccount settle(PromptPrefix prefix, Long promptTokens, Long cachedTokens, Capabilities.PromptCache cache,
                               boolean ownRuntime, long nowMs) {
        if (prefix == null || promptTokens == null) return null;
        ReuseAccount a = settle(prefix, window, promptTokens, cachedTokens, cache, nowMs);
        return ownRuntime && a.realizedTokens() != null ? a.confirmedByRuntime() : a;
    }

    /** The accounting rule itself, over any window (diagnostics replay it over traces). */
    public static ReuseAccount settle(PromptPrefix prefix, PrefixWindow window, long input, Long cachedTokens,
                                      Capabilities.PromptCache cache, long nowMs) {
        boolean caches = cache != null && !"none".equals(cache.mode());
        long windowMs = caches && cache.ttlSeconds() > 0 ? cache.ttlSeconds() * 1000L : DEFAULT_WINDOW_MS;
        int minPrefix = caches && cache.minPrefixTokens() > 0 ? cache.minPrefixTokens() : DEFAULT_MIN_PREFIX;
        double scale = prefix.tokens() == 0 ? 0 : (double) input / prefix.tokens();
        long minEstimated = scale == 0 ? Long.MAX_VALUE : (long) Math.ceil(minPrefix / scale);
        int seen = window.longestSeen(prefix, nowMs, windowMs, minEstimated);
        window.remember(prefix, nowMs);
        long realized = cachedTokens == null ? 0 : Math.min(cachedTokens, input);
        long candidate = Math.min(input, Math.max(realized, seen < 0 ? 0 : Math.round(prefix.marks()[seen] * scale)));
        long eligible = Math.min(input, Math.max(candidate, Math.round(prefix.eligibleTokens() * scale)));
        boolean reported = cachedTokens != null;
        return new ReuseAccount(eligible, candidate, reported ? realized : null, prefix.familyId(),
                reported ? "provider" : ReuseAccount.UNKNOWN, reported ? ReuseAccount.PROVIDER_REPORTED : ReuseAccount.UNKNOWN,
                windowMs);
    }
}
