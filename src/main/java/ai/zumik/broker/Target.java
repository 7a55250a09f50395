package ai.zumik.broker;

import ai.zumik.inference.ExecutionProfile;
import ai.zumik.inference.ExecutionMode;
import ai.zumik.catalog.ModelRef;
import ai.zumik.provider.ProviderAdapter;

/**
 * One concrete place a request can run: a provider's model, reached through an adapter, under an
 * execution profile and mode. {@code upstreamModel} is the string the upstream is sent (for a
 * Bifrost gateway, {@code provider/model}).
 */
public record Target(ModelRef model, String upstreamModel, ProviderAdapter adapter, ExecutionMode mode,
                     ExecutionProfile profile) {}
