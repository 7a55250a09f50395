package ai.zumik.provider;

import ai.zumik.config.ZumikConfig.Timeouts;
import ai.zumik.inference.ChatRequest;

/**
 * What one attempt sends: the canonical request, the provider's own model id to ask for, and the
 * timeouts that may end it.
 */
public record ChatCall(ChatRequest request, String upstreamModel, Timeouts timeouts) {}
