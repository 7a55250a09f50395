package ai.zumik.provider;

import ai.zumik.catalog.ModelRef;
import ai.zumik.config.ZumikConfig.Timeouts;
import ai.zumik.inference.ChatRequest;

/**
 * What one attempt sends: the canonical request, the resolved model (with its capabilities, e.g.
 * the output limit a provider requires), the string the upstream is sent as the model, and the
 * timeouts that may end it.
 */
public record ChatCall(ChatRequest request, ModelRef model, String upstreamModel, Timeouts timeouts) {}
