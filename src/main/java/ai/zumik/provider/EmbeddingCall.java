package ai.zumik.provider;

import ai.zumik.config.ZumikConfig.Timeouts;
import ai.zumik.inference.EmbeddingRequest;

/** One embeddings attempt; {@code nativeDimensions} is the model's output size when the catalogue knows it. */
public record EmbeddingCall(EmbeddingRequest request, String upstreamModel, Integer nativeDimensions, Timeouts timeouts) {}
