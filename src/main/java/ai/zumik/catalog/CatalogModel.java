package ai.zumik.catalog;

import ai.zumik.provider.ProviderId;

/**
 * A model the bundled catalogue knows. {@code id} is the provider's own model id.
 *
 * @param dimensions embedding output size, or null for chat models
 */
public record CatalogModel(ProviderId provider, String id, Kind kind, long contextWindow, Long maxOutputTokens,
                           Integer dimensions, Capabilities capabilities) {
    public enum Kind { CHAT, EMBEDDING }
}
