package ai.zumik.broker;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.List;

/**
 * One attempt of a response, as recorded: which target, when it started, first produced and
 * finished, how it ended, why the next one (if any) was made, and what usage it reported.
 * Mutable while the attempt runs, on its event loop only.
 */
final class AttemptRecord {
    final int index;
    final Target target;
    final long startedAtMs;
    Long firstByteAtMs;
    Long finishedAtMs;
    int httpStatus;
    FailureClass failureClass;
    String retryCause;
    Usage usage = Usage.UNREPORTED;
    /** This attempt's trace span (null when tracing is off); ended with the attempt. */
    ai.zumik.telemetry.AttemptSpan span;

    AttemptRecord(int index, Target target, long startedAtMs) {
        this.index = index;
        this.target = target;
        this.startedAtMs = startedAtMs;
    }

    /** Counts the ended attempt and ends its span, if it has one, with how the attempt ended. */
    void ended(ai.zumik.telemetry.InferenceMetrics metrics) {
        String failure = failureClass == null ? null : failureClass.name().toLowerCase(java.util.Locale.ROOT);
        metrics.attempt(target.model().provider().wireId(), failure == null ? "success" : failure);
        if (span == null) return;
        span.end(httpStatus, failure, usage.promptTokens(), usage.completionTokens(), usage.cachedTokens());
    }

    /** The attempts as stored with the response ({@code attempts}). */
    static String toJsonText(List<AttemptRecord> attempts) {
        return Json.text(g -> {
            g.writeStartArray();
            for (AttemptRecord a : attempts) a.write(g);
            g.writeEndArray();
        });
    }

    private void write(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeNumberField("index", index);
        g.writeObjectFieldStart("target");
        g.writeStringField("execution_profile", target.profile().wire());
        g.writeStringField("provider", target.model().provider().wireId());
        g.writeStringField("model", target.model().model());
        g.writeStringField("model_revision", target.modelRevision());
        g.writeStringField("endpoint", target.path());
        g.writeStringField("credential_id", target.path().equals("placeholder") ? null
                : target.byokCredentialId() != null ? target.byokCredentialId() : "managed:" + target.path());
        g.writeEndObject();
        g.writeNumberField("started_at_ms", startedAtMs);
        Json.numberField(g, "first_byte_at_ms", firstByteAtMs);
        Json.numberField(g, "finished_at_ms", finishedAtMs);
        g.writeNumberField("http_status", httpStatus);
        g.writeStringField("failure_class", failureClass == null ? null : failureClass.name().toLowerCase(java.util.Locale.ROOT));
        g.writeStringField("retry_cause", retryCause);
        g.writeObjectFieldStart("usage");
        Json.numberField(g, "prompt_tokens", usage.promptTokens());
        Json.numberField(g, "completion_tokens", usage.completionTokens());
        Json.numberField(g, "cached_tokens", usage.cachedTokens());
        Json.numberField(g, "cache_write_tokens", usage.cacheWriteTokens());
        g.writeEndObject();
        g.writeEndObject();
    }
}
