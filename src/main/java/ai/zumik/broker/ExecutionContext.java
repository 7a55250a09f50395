package ai.zumik.broker;

import ai.zumik.qos.QosRequest;

/**
 * Who asked for what, carried through every attempt of one logical response.
 *
 * @param endpoint the surface route, e.g. {@code /v1/chat/completions}
 * @param surface {@code v1} or {@code v2}
 * @param startNanos when the request arrived ({@link System#nanoTime()})
 * @param admission how QoS admission went ({@code admitted} or {@code queued})
 * @param captureOutput keep the generated text on the response record (/v2 responses)
 */
public record ExecutionContext(String traceId, String responseId, String projectId, String keyId, String endpoint,
                               String surface, String requestedModel, boolean stream, long startNanos, long startMs,
                               QosRequest qos, String admission, boolean captureOutput) {}
