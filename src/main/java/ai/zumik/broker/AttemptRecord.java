package ai.zumik.broker;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.Usage;
import ai.zumik.json.JsonText;
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
        JsonText j = new JsonText().startArray();
        for (AttemptRecord a : attempts) a.write(j);
        return j.endArray().text();
    }

    private void write(JsonText j) {
        j.startObject();
        j.field("index", index);
        j.name("target").startObject();
        j.field("execution_profile", target.profile().wire());
        j.field("provider", target.model().provider().wireId());
        j.field("model", target.model().model());
        j.field("model_revision", target.modelRevision());
        j.field("endpoint", target.path());
        j.field("credential_id", target.path().equals("placeholder") ? null
                : target.byokCredentialId() != null ? target.byokCredentialId() : "managed:" + target.path());
        j.endObject();
        j.field("started_at_ms", startedAtMs);
        j.field("first_byte_at_ms", firstByteAtMs);
        j.field("finished_at_ms", finishedAtMs);
        j.field("http_status", httpStatus);
        j.field("failure_class", failureClass == null ? null : failureClass.name().toLowerCase(java.util.Locale.ROOT));
        j.field("retry_cause", retryCause);
        j.name("usage").startObject();
        j.field("prompt_tokens", usage.promptTokens());
        j.field("completion_tokens", usage.completionTokens());
        j.field("cached_tokens", usage.cachedTokens());
        j.field("cache_write_tokens", usage.cacheWriteTokens());
        j.endObject();
        j.endObject();
    }
}
