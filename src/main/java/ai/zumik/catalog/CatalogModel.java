package ai.zumik.catalog;

import ai.zumik.provider.ProviderId;

/**
 * A model the bundled catalogue knows. {@code id} is the provider's own model id.
 *
 * @param dimensions embedding output size, or null for chat models
 * @param compatibilityGroup models that may stand in for each other when degrading is allowed, or null
 * @param openRouterId the model's id on the OpenRouter emergency bridge, or null when it has none
 */
public record CatalogModel(ProviderId provider, String id, Kind kind, long contextWindow, Long maxOutputTokens,
                           Integer dimensions, Capabilities capabilities, String compatibilityGroup,
                           String openRouterId) {
    public enum Kind { CHAT, EMBEDDING }
}
