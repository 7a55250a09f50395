package ai.zumik.broker;

import ai.zumik.limits.RateHeaders;
import ai.zumik.inference.ExecutionMode;
import ai.zumik.inference.ExecutionProfile;
import ai.zumik.provider.ProviderId;
import ai.zumik.qos.QosOutcome;
import ai.zumik.qos.ReasonCode;

/**
 * What a surface needs to render headers and bodies: the target that produced the events, how
 * the response got there, and (on terminal events) the formal outcome.
 *
 * @param responseModel what the response body's {@code model} says: the requested model, unless a
 *     different model answered (a compatible fallback), which is then named
 * @param ttftNanos request arrival to first upstream event, or -1
 * @param upstreamNanos time spent waiting on upstreams, or -1 until the end
 * @param reason the reason code as known when this was built (final on terminal events)
 * @param outcome the full QoS outcome, on terminal events only
 * @param rateLimits OpenAI's rate-limit headers for the windows the request was counted in, or null
 * @param costNanos what the response cost, on terminal events only (null before, or when unpriced)
 * @param responsesNative a Responses API request went to the target as it was, so its events are
 *     OpenAI's Responses events rather than chat chunks
 * @param record the response's usage record as it was made durable, on terminal events only (a
 *     surface that renders the record need not read it back)
 * @param byokCredentialId the project credential ({@code pcr_…}) the serving target ran on, when its profile is BYOK
 */
public record Served(ProviderId provider, String model, String responseModel, ExecutionMode mode,
                     ExecutionProfile profile, int attempts, boolean fallbackUsed, boolean degraded,
                     String aliasReleaseId, String qosClass, String admission, Boolean targetMet, ReasonCode reason,
                     long ttftNanos, long upstreamNanos, QosOutcome outcome, RateHeaders rateLimits, Long costNanos,
                     boolean responsesNative, ai.zumik.metering.UsageEvent record, String byokCredentialId) {

    public Served(ProviderId provider, String model, String responseModel, ExecutionMode mode, ExecutionProfile profile,
                  int attempts, boolean fallbackUsed, boolean degraded, String aliasReleaseId, String qosClass, String admission,
                  Boolean targetMet, ReasonCode reason, long ttftNanos, long upstreamNanos, QosOutcome outcome,
                  RateHeaders rateLimits, Long costNanos, boolean responsesNative, ai.zumik.metering.UsageEvent record) {
        this(provider, model, responseModel, mode, profile, attempts, fallbackUsed, degraded, aliasReleaseId, qosClass, admission,
                targetMet, reason, ttftNanos, upstreamNanos, outcome, rateLimits, costNanos, responsesNative, record, null);
    }

    Served withRecord(ai.zumik.metering.UsageEvent r) {
        return new Served(provider, model, responseModel, mode, profile, attempts, fallbackUsed, degraded, aliasReleaseId, qosClass,
                admission, targetMet, reason, ttftNanos, upstreamNanos, outcome, rateLimits, costNanos, responsesNative, r,
                byokCredentialId);
    }
}
