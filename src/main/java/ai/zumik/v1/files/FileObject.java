package ai.zumik.v1.files;

import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A stored file as {@code /v1/files} shows it. Times are epoch milliseconds here and Unix seconds
 * on the wire.
 *
 * @param purpose {@code batch} (uploaded) or {@code batch_output} (a batch's output or error file)
 * @param expiresAtMs when the file is deleted, or null for never
 */
public record FileObject(String id, String projectId, String purpose, String filename, long bytes, long createdAtMs,
                         Long expiresAtMs) {
    public static final String PREFIX = "file-";
    public static final String BATCH = "batch";
    public static final String BATCH_OUTPUT = "batch_output";

    /**
     * OpenAI's file object, fields in OpenAI's order. {@code status} is always {@code processed}
     * (files still being stored are not shown) and {@code status_details} null, as OpenAI sends them.
     */
    public ObjectNode json() {
        ObjectNode o = Json.object();
        o.put("object", "file");
        o.put("id", id);
        o.put("purpose", purpose);
        o.put("filename", filename);
        o.put("bytes", bytes);
        o.put("created_at", createdAtMs / 1000);
        if (expiresAtMs == null) o.putNull("expires_at");
        else o.put("expires_at", expiresAtMs / 1000);
        o.put("status", "processed");
        o.putNull("status_details");
        return o;
    }
}
