package ai.zumik.qos;

import ai.zumik.json.Json;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;

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
        return Json.text(g -> {
            g.writeStartObject();
            g.writeStringField("class", qosClass);
            g.writeStringField("admission", admission);
            g.writeStringField("completion", completion);
            bool(g, "target_met", targetMet);
            bool(g, "deadline_met", deadlineMet);
            Json.numberField(g, "ttft_ms", ttftMs);
            g.writeNumberField("latency_ms", latencyMs);
            g.writeBooleanField("degraded", degraded);
            g.writeBooleanField("fallback_used", fallbackUsed);
            g.writeNumberField("attempt_count", attemptCount);
            g.writeStringField("reason_code", reasonCode.wire());
            g.writeEndObject();
        });
    }

    private static void bool(JsonGenerator g, String name, Boolean value) throws IOException {
        if (value == null) g.writeNullField(name);
        else g.writeBooleanField(name, value);
    }
}
