package ai.zumik.limits;

/**
 * Limits that apply when a key or project sets none, from {@code ZUMIK_CONFIG} ({@code limits:})
 * and the environment. Null or zero: no limit.
 *
 * @param globalRpm {@code ZUMIK_GLOBAL_RPM}: inference requests per minute across all projects
 * @param readRpm per key, for read endpoints (GET)
 * @param adminRpm per key, for changes outside inference (creating keys, installing releases, ...)
 * @param defaultOutputTokens reserved for a request that sets no {@code max_tokens}
 * @param billing {@code ZUMIK_BILLING=on}: inference needs a positive prepaid balance
 */
public record LimitDefaults(Long keyRpm, Long keyTpm, Long projectRpm, Long projectTpm, long globalRpm, long readRpm,
                            long adminRpm, int defaultOutputTokens, boolean billing) {
    public static final LimitDefaults NONE = new LimitDefaults(null, null, null, null, 0, 3_000, 600, 1_024, false);
}
