package ai.zumik.v1.batches;

import ai.zumik.http.ApiError;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Validation of each input line's envelope, {@code {"custom_id", "method": "POST", "url", "body"}},
 * as the input is read: a line that is not JSON, lacks a field, repeats an earlier line's
 * {@code custom_id}, names another method or endpoint, or asks to stream is failed on its own with
 * an error naming its line; it never fails the batch. The body itself is checked by the endpoint's
 * parser when the line runs.
 */
final class LineCheck {
    static final int MAX_CUSTOM_ID = 512;

    /** A line's verdict: runnable ({@code body} set) or failed ({@code code} set, {@code param} what was wrong). */
    record Verdict(int lineNo, String customId, String body, String model, String code, String message, String param) {
        boolean runnable() {
            return body != null;
        }

        BatchStore.CheckedLine row() {
            return new BatchStore.CheckedLine(lineNo, customId, body, code, message);
        }
    }

    private final BatchEndpoint endpoint;
    private final Map<String, Integer> seen = new HashMap<>();

    LineCheck(BatchEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    Verdict check(InputLines.Line line) {
        int n = line.number();
        if (line.tooLong()) {
            return bad(n, null, "request_too_large", null, "Line " + n + " is longer than "
                    + ApiError.MAX_BODY_BYTES / (1024 * 1024) + " MiB, the most one request may be.");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(line.bytes())).toString();
        } catch (CharacterCodingException e) {
            return bad(n, null, "invalid_json_line", null, "Line " + n + " is not valid UTF-8.");
        }
        JsonNode node;
        try {
            node = Json.parse(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            return bad(n, null, "invalid_json_line", null, "Line " + n + " is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (!(node instanceof ObjectNode o)) {
            return bad(n, null, "invalid_json_line", null, "Line " + n + " is not a JSON object.");
        }
        JsonNode id = o.get("custom_id");
        if (id == null || id.isNull()) {
            return bad(n, null, "missing_required_parameter", "custom_id", "Line " + n + " has no 'custom_id'.");
        }
        if (!id.isTextual() || id.textValue().isEmpty() || id.textValue().length() > MAX_CUSTOM_ID) {
            return bad(n, null, "invalid_value", "custom_id", "Line " + n + ": 'custom_id' must be a non-empty string of at "
                    + "most " + MAX_CUSTOM_ID + " characters.");
        }
        String customId = id.textValue();
        Integer earlier = seen.putIfAbsent(customId, n);
        if (earlier != null) {
            return bad(n, customId, "duplicate_custom_id", "custom_id", "Line " + n + ": custom_id '" + customId
                    + "' was already used on line " + earlier + "; each line needs its own.");
        }
        JsonNode method = o.get("method");
        if (method == null || method.isNull()) {
            return bad(n, customId, "missing_required_parameter", "method", "Line " + n + " has no 'method'.");
        }
        if (!method.isTextual() || !method.textValue().equals("POST")) {
            return bad(n, customId, "invalid_method", "method", "Line " + n + ": 'method' must be \"POST\", got "
                    + method + ".");
        }
        JsonNode url = o.get("url");
        if (url == null || url.isNull()) {
            return bad(n, customId, "missing_required_parameter", "url", "Line " + n + " has no 'url'.");
        }
        if (!url.isTextual() || !url.textValue().equals(endpoint.url())) {
            return bad(n, customId, "invalid_url", "url", "Line " + n + ": 'url' is " + url + ", but this batch's endpoint "
                    + "is \"" + endpoint.url() + "\"; every line must use the batch's endpoint.");
        }
        JsonNode body = o.get("body");
        if (body == null || body.isNull()) {
            return bad(n, customId, "missing_required_parameter", "body", "Line " + n + " has no 'body'.");
        }
        if (!(body instanceof ObjectNode b)) {
            return bad(n, customId, "invalid_value", "body", "Line " + n + ": 'body' must be a JSON object.");
        }
        JsonNode stream = b.get("stream");
        if (stream != null && stream.isBoolean() && stream.booleanValue()) {
            return bad(n, customId, "invalid_value", "body.stream", "Line " + n + ": 'body.stream' is true, but batch "
                    + "requests do not stream; leave it out or set it to false.");
        }
        JsonNode model = b.get("model");
        return new Verdict(n, customId, Json.text(b), model != null && model.isTextual() ? model.textValue() : null,
                null, null, null);
    }

    private static Verdict bad(int n, String customId, String code, String param, String message) {
        return new Verdict(n, customId, null, null, code, message, param);
    }

    private static String firstLine(String m) {
        if (m == null) return "unreadable.";
        int nl = m.indexOf('\n');
        String first = nl > 0 ? m.substring(0, nl) : m;
        return first.length() > 200 ? first.substring(0, 200) + "…" : first;
    }
}
