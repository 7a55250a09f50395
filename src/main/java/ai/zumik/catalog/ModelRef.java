package ai.zumik.catalog;

import ai.zumik.provider.ProviderId;

/**
 * A resolved model address: the provider and the provider's own model id. {@code entry} is the
 * catalogue's record when it has one; a {@code provider/model} the catalogue does not list (a
 * fine-tune, a new release) is still addressable and the provider decides; it gets the provider's
 * default {@code capabilities}.
 */
public record ModelRef(String requested, ProviderId provider, String model, CatalogModel entry,
                       Capabilities capabilities) {}
