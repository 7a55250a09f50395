package ai.zumik.broker;

/**
 * Who asked for what, carried through every attempt of one logical response.
 *
 * @param endpoint the surface route, e.g. {@code /v1/chat/completions}
 * @param startNanos when the request arrived ({@link System#nanoTime()})
 */
public record ExecutionContext(String traceId, String responseId, String projectId, String keyId, String endpoint,
                               String requestedModel, boolean stream, long startNanos, long startMs) {}
