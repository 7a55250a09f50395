package ai.zumik.qos;

import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;

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

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("class", qosClass);
        o.put("admission", admission);
        o.put("completion", completion);
        o.put("target_met", targetMet);
        o.put("deadline_met", deadlineMet);
        o.put("ttft_ms", ttftMs);
        o.put("latency_ms", latencyMs);
        o.put("degraded", degraded);
        o.put("fallback_used", fallbackUsed);
        o.put("attempt_count", attemptCount);
        o.put("reason_code", reasonCode.wire());
        return o;
    }
}
