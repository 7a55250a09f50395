package ai.zumik.v1.batches;

import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A batch as stored. Times are epoch milliseconds here and Unix seconds on the wire; null means
 * "not (yet) happened".
 *
 * @param keyId the key that created it: its lines run as that key (limits, budgets, usage)
 * @param model the {@code model} every line asks for, or null when they differ or it is not known yet
 * @param metadataJson the caller's {@code metadata} object as JSON text, or null
 * @param errorsJson the {@code errors.data} array of a failed batch as JSON text, or null
 * @param outputExpiresAfterS how long after they are written the output and error files live
 */
public record Batch(String id, String projectId, String keyId, String endpoint, String inputFileId,
                    String completionWindow, BatchStatus status, String model, String metadataJson, String errorsJson,
                    String outputFileId, String errorFileId, long outputExpiresAfterS, long createdAt, Long inProgressAt,
                    long expiresAt, Long finalizingAt, Long completedAt, Long failedAt, Long expiredAt, Long cancellingAt,
                    Long cancelledAt, long total, long completed, long failed, long inputTokens, long cachedTokens,
                    long outputTokens, long reasoningTokens) {

    public static final String PREFIX = "batch_";

    /** OpenAI's batch object, every field present (null when unset) and in OpenAI's order. */
    public ObjectNode json() {
        ObjectNode o = Json.object();
        o.put("id", id);
        o.put("object", "batch");
        o.put("endpoint", endpoint);
        o.put("model", model);
        if (errorsJson == null) {
            o.putNull("errors");
        } else {
            ObjectNode errors = o.putObject("errors");
            errors.put("object", "list");
            errors.set("data", parse(errorsJson));
        }
        o.put("input_file_id", inputFileId);
        o.put("completion_window", completionWindow);
        o.put("status", status.wire());
        o.put("output_file_id", outputFileId);
        o.put("error_file_id", errorFileId);
        o.put("created_at", createdAt / 1000);
        seconds(o, "in_progress_at", inProgressAt);
        o.put("expires_at", expiresAt / 1000);
        seconds(o, "finalizing_at", finalizingAt);
        seconds(o, "completed_at", completedAt);
        seconds(o, "failed_at", failedAt);
        seconds(o, "expired_at", expiredAt);
        seconds(o, "cancelling_at", cancellingAt);
        seconds(o, "cancelled_at", cancelledAt);
        ObjectNode counts = o.putObject("request_counts");
        counts.put("total", total);
        counts.put("completed", completed);
        counts.put("failed", failed);
        ObjectNode usage = o.putObject("usage");
        usage.put("input_tokens", inputTokens);
        usage.putObject("input_tokens_details").put("cached_tokens", cachedTokens);
        usage.put("output_tokens", outputTokens);
        usage.putObject("output_tokens_details").put("reasoning_tokens", reasoningTokens);
        usage.put("total_tokens", inputTokens + outputTokens);
        if (metadataJson == null) o.putNull("metadata");
        else o.set("metadata", parse(metadataJson));
        return o;
    }

    private static void seconds(ObjectNode o, String name, Long ms) {
        if (ms == null) o.putNull(name);
        else o.put(name, ms / 1000);
    }

    private static JsonNode parse(String json) {
        try {
            return Json.parse(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
