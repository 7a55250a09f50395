package ai.zumik.metering;

import ai.zumik.reuse.ReuseAccount;

/**
 * One usage record per response, identified by the response's id. Token fields are null when the
 * provider did not report them.
 *
 * @param outcome {@code completed}, {@code failed} or {@code cancelled}
 * @param ttftMs time from request arrival to the first upstream event, or null when none came
 * @param decisionTemplate the shared part of the routing decision, stored once for every response
 *     planned alike (null when {@code decision} is the whole decision, as in rows written before V4)
 * @param decision the response's own part of the routing decision (JSON), {@code attempts} every
 *     attempt (JSON), {@code qos} the outcome (JSON): together the response's record, written in the
 *     same row
 * @param output the generated text, kept only for /v2 responses (null otherwise)
 * @param charged false for responses never billed (deadline exceeded, placeholder)
 * @param costNanos what the response cost in nano-USD, priced with {@code priceRevision}: 0 when not
 *     charged, null when charged but not priceable (a model the price table does not list)
 * @param reuse the response's reuse account, or null when it has none (nothing processed, reuse
 *     accounting off, recorded before it existed)
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
        long createdAtMs,
        String surface,
        String aliasReleaseId,
        DecisionTemplate decisionTemplate,
        String decision,
        String attempts,
        String qos,
        String output,
        boolean charged,
        Long costNanos,
        String priceRevision,
        ReuseAccount reuse) {

    /** The whole routing decision as JSON, or null when the response had none. */
    public String routingDecision() {
        return decisionTemplate == null ? decision : decisionTemplate.merge(decision);
    }
}
