package ai.zumik.diagnostics;

/**
 * The two knobs of a diagnostic: how long a sent prefix stays reusable (the provider cache's TTL,
 * default 5 minutes, OpenAI's and Anthropic's default) and the shortest prefix a provider caches
 * (default 1,024 tokens, OpenAI's minimum).
 */
public record ScoringOptions(long reuseWindowMs, long minPrefixTokens) {
    public static final long DEFAULT_REUSE_WINDOW_MS = 300_000;
    public static final long DEFAULT_MIN_PREFIX_TOKENS = 1_024;
    public static final long MAX_REUSE_WINDOW_MS = 7L * 24 * 3600 * 1000;
    public static final long MAX_MIN_PREFIX_TOKENS = 10_000_000;
    public static final ScoringOptions DEFAULTS = new ScoringOptions(DEFAULT_REUSE_WINDOW_MS, DEFAULT_MIN_PREFIX_TOKENS);

    public ScoringOptions {
        if (reuseWindowMs < 1 || reuseWindowMs > MAX_REUSE_WINDOW_MS) {
            throw new IllegalArgumentException("reuse_window_ms: must be between 1 and " + MAX_REUSE_WINDOW_MS);
        }
        if (minPrefixTokens < 0 || minPrefixTokens > MAX_MIN_PREFIX_TOKENS) {
            throw new IllegalArgumentException("min_prefix_tokens: must be between 0 and " + MAX_MIN_PREFIX_TOKENS);
        }
    }
}
