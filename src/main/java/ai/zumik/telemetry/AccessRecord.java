package ai.zumik.telemetry;

/**
 * What one request did, as logged and counted. Ids, route, status, timings, provider and tokens;
 * never a body, a key or a secret. Null fields are omitted from the log line.
 *
 * @param overheadMicros wall time minus time spent waiting on the upstream
 */
public record AccessRecord(
        long timestampMs,
        String traceId,
        String responseId,
        String method,
        String route,
        int status,
        long durationMicros,
        long overheadMicros,
        Long upstreamMicros,
        Long ttftMicros,
        String projectId,
        String keyId,
        String provider,
        String model,
        String executionMode,
        Long promptTokens,
        Long cachedTokens,
        Long completionTokens,
        String errorCode,
        boolean stream,
        boolean clientClosed) {}
