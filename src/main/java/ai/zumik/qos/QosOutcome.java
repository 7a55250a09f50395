package ai.zumik.qos;

import ai.zumik.json.JsonText;

/**
 * The formal result of one request, on every request: how it was admitted, how it completed,
 * whether its targets were met, and why.
 *
 * @param admission {@code admitted|queued|rejected|expired_before_start}
 * @param completion {@code completed|failed|cancelled|expired_during_execution}, null when it never started
 * @param targetMet null when no TTFT target was set
 * @param deadlineMet null when no deadline was set
 */
public record QosOutcome(String qosClass, String admission, String completion, Boolean targetMet, Boolean deadlineMet,
                         Long ttftMs, long latencyMs, boolean degraded, boolean fallbackUsed, int attemptCount,
                         ReasonCode reasonCode) {

    /** The outcome as stored with the response ({@code qos_outcome}). */
    public String toJsonText() {
        return new JsonText().startObject()
                .field("class", qosClass)
                .field("admission", admission)
                .field("completion", completion)
                .field("target_met", targetMet)
                .field("deadline_met", deadlineMet)
                .field("ttft_ms", ttftMs)
                .field("latency_ms", latencyMs)
                .field("degraded", degraded)
                .field("fallback_used", fallbackUsed)
                .field("attempt_count", attemptCount)
                .field("reason_code", reasonCode.wire())
                .endObject().text();
    }
}
