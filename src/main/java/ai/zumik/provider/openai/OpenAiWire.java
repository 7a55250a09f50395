package ai.zumik.provider.openai;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.UpstreamFailure;
import ai.zumik.json.Json;
import ai.zumik.provider.RetryAfter;
import ai.zumik.provider.SafeMessage;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.MultiMap;
import java.util.Locale;

/**
 * OpenAI's error conventions, shared by every OpenAI-compatible upstream.
 *
 * <p>Usage mapping lives in {@link ai.zumik.provider.UsageTable}.
 *
 * <p>Errors: {@code {"error":{"message","type","param","code"}}}; some members of the family send
 * {@code {"error":"text"}} or a top-level {@code message}. The class comes from the status, refined
 * by the provider's code (context length, content policy, unknown model) and, where a member of the
 * family uses the wrong status, by its message (xAI's 400 for a wrong key is an auth failure).
 */
public final class OpenAiWire {
    private OpenAiWire() {}

    /** Classifies an error response. {@code body} may be anything, including not JSON. */
    public static UpstreamFailure error(String upstream, int status, MultiMap headers, byte[] body) {
        return error(upstream, status, headers, Json.parseOrNull(body));
    }

    public static UpstreamFailure error(String upstream, int status, MultiMap headers, JsonNode root) {
        JsonNode err = root == null ? null : root.get("error");
        String message = null;
        String code = null;
        String type = null;
        String param = null;
        if (err != null && err.isObject()) {
            message = Json.string(err, "message");
            code = err.has("code") && !err.get("code").isNull() ? err.get("code").asText() : null;
            type = Json.string(err, "type");
            param = Json.string(err, "param");
        } else if (err != null && err.isTextual()) {
            message = err.textValue();
            code = Json.string(root, "code");
        } else if (root != null) {
            message = Json.string(root, "message");
            code = Json.string(root, "code");
        }
        FailureClass c = classify(status, code, type, message);
        String shown = switch (c) {
            case BAD_REQUEST, CONTEXT_LENGTH, CONTENT_REFUSAL, NOT_FOUND -> message != null
                    ? SafeMessage.scrub(message) : upstream + " rejected the request (HTTP " + status + ").";
            case AUTH -> upstream + " rejected Zumik's credential (HTTP " + status + ").";
            case RATE_LIMITED -> upstream + " is rate limiting requests (HTTP 429).";
            case OVERLOADED -> upstream + " is overloaded (HTTP " + status + ").";
            default -> upstream + " failed with HTTP " + status
                    + (message != null ? ": " + SafeMessage.scrub(message) : ".");
        };
        return new UpstreamFailure(c, status, shown, c == FailureClass.BAD_REQUEST ? param : null,
                c == FailureClass.BAD_REQUEST ? safeCode(code) : code, RetryAfter.seconds(headers));
    }

    static FailureClass classify(int status, String code, String type, String message) {
        String c = code == null ? "" : code.toLowerCase(Locale.ROOT);
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (c.equals("context_length_exceeded") || c.equals("string_above_max_length") && m.contains("context")
                || m.contains("maximum context length") || m.contains("context window")) {
            return FailureClass.CONTEXT_LENGTH;
        }
        if (c.equals("content_filter") || c.equals("content_policy_violation")) return FailureClass.CONTENT_REFUSAL;
        if (c.equals("model_not_found") || status == 404) return FailureClass.NOT_FOUND;
        if (c.equals("insufficient_quota")) return FailureClass.AUTH;
        // xAI answers a wrong key with 400, not 401 (docs.x.ai, "Debugging Errors"): the message
        // is the only signal that Zumik's credential, not the client's request, is at fault.
        if (m.startsWith("incorrect api key provided")) return FailureClass.AUTH;
        if ("overloaded_error".equals(type)) return FailureClass.OVERLOADED;
        return FailureClass.ofHttpStatus(status);
    }

    /** A provider code is passed on only when it looks like a stable machine string. */
    private static String safeCode(String code) {
        return code != null && code.matches("[a-z0-9_]{1,64}") ? code : null;
    }
}
