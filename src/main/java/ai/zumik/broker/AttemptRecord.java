package ai.zumik.broker;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;

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

    AttemptRecord(int index, Target target, long startedAtMs) {
        this.index = index;
        this.target = target;
        this.startedAtMs = startedAtMs;
    }

    ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("index", index);
        ObjectNode t = o.putObject("target");
        t.put("execution_profile", target.profile().wire());
        t.put("provider", target.model().provider().wireId());
        t.put("model", target.model().model());
        t.put("model_revision", target.modelRevision());
        t.put("endpoint", target.path());
        t.put("credential_id", target.path().equals("placeholder") ? null : "managed:" + target.path());
        o.put("started_at_ms", startedAtMs);
        o.put("first_byte_at_ms", firstByteAtMs);
        o.put("finished_at_ms", finishedAtMs);
        o.put("http_status", httpStatus);
        o.put("failure_class", failureClass == null ? null : failureClass.name().toLowerCase(java.util.Locale.ROOT));
        o.put("retry_cause", retryCause);
        ObjectNode u = o.putObject("usage");
        u.put("prompt_tokens", usage.promptTokens());
        u.put("completion_tokens", usage.completionTokens());
        u.put("cached_tokens", usage.cachedTokens());
        u.put("cache_write_tokens", usage.cacheWriteTokens());
        return o;
    }
}
