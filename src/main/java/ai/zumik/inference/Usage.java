package ai.zumik.inference;

/**
 * Token usage in OpenAI's terms, the one internal language every provider's counters map to.
 * {@code promptTokens} includes cache reads and cache writes; {@code cachedTokens} is the cache-read
 * part, {@code cacheWriteTokens} the cache-creation part (Anthropic), {@code reasoningTokens} the
 * part of {@code completionTokens} spent thinking. A null field means "the provider did not
 * report it", which is different from a reported zero.
 */
public record Usage(Long promptTokens, Long completionTokens, Long cachedTokens, Long cacheWriteTokens,
                    Long reasoningTokens) {

    public static final Usage UNREPORTED = new Usage(null, null, null, null, null);

    public Long totalTokens() {
        if (promptTokens == null && completionTokens == null) return null;
        return (promptTokens == null ? 0 : promptTokens) + (completionTokens == null ? 0 : completionTokens);
    }

    public boolean reported() {
        return promptTokens != null || completionTokens != null;
    }

    public Usage withCachedTokens(Long cached) {
        return new Usage(promptTokens, completionTokens, cached, cacheWriteTokens, reasoningTokens);
    }
}
