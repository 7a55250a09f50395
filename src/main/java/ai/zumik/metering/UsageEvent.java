package ai.zumik.metering;

/**
 * One usage record per response, identified by the response's id. Token fields are null when the
 * provider did not report them.
 *
 * @param outcome {@code completed}, {@code failed} or {@code cancelled}
 * @param ttftMs time from request arrival to the first upstream event, or null when none came
 */
public record UsageEvent(
        String responseId,
        String traceId,
        String projectId,
        String keyId,
        String endpoint,
        String requestedModel,
        String provider,
        String model,
        String executionMode,
        String executionProfile,
        boolean stream,
        int status,
        String outcome,
        String errorCode,
        Long promptTokens,
        Long cachedTokens,
        Long cacheWriteTokens,
        Long completionTokens,
        Long reasoningTokens,
        Long ttftMs,
        long latencyMs,
        long createdAtMs) {}
