package ai.zumik.provider.anthropic;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.UpstreamFailure;
import ai.zumik.json.Json;
import ai.zumik.provider.RetryAfter;
import ai.zumik.provider.SafeMessage;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.MultiMap;
import java.util.Locale;

/**
 * Anthropic's errors: {@code {"type":"error","error":{"type","message"}}} on a non-2xx status, or
 * as an {@code error} event inside a 200 stream. The error type decides the class where it is
 * known (it is the only signal inside a stream), the status otherwise:
 *
 * <pre>
 * 400 invalid_request_error  BAD_REQUEST (CONTEXT_LENGTH when the prompt is too long)
 * 401 authentication_error   AUTH        403 permission_error  AUTH     402 billing_error  AUTH
 * 404 not_found_error        NOT_FOUND   413 request_too_large BAD_REQUEST
 * 429 rate_limit_error       RATE_LIMITED (Retry-After kept)
 * 500 api_error              SERVER_ERROR 529 overloaded_error OVERLOADED (the client sees 503)
 * </pre>
 */
final class AnthropicErrors {
    private static final String NAME = AnthropicRequest.PROVIDER;

    private AnthropicErrors() {}

    /** Reads a non-2xx response; {@code body} may be anything, including not JSON. */
    static UpstreamFailure response(int status, MultiMap headers, byte[] body) {
        return of(status, Json.parseOrNull(body), RetryAfter.seconds(headers));
    }

    /** Reads an {@code error} event of a stream (status 200, so the type decides). */
    static UpstreamFailure streamEvent(JsonNode root) {
        return of(0, root, null);
    }

    static UpstreamFailure of(int status, JsonNode root, Long retryAfter) {
        JsonNode err = root == null ? null : root.get("error");
        String type = Json.string(err, "type");
        String message = Json.string(err, "message");
        FailureClass c = classify(status, type, message);
        String shown = switch (c) {
            case BAD_REQUEST, CONTEXT_LENGTH, CONTENT_REFUSAL, NOT_FOUND -> message != null
                    ? SafeMessage.scrub(message) : NAME + " rejected the request (HTTP " + status + ").";
            case AUTH -> NAME + " rejected Zumik's credential (HTTP " + status + ").";
            case RATE_LIMITED -> NAME + " is rate limiting requests.";
            case OVERLOADED -> NAME + " is overloaded.";
            default -> NAME + " failed" + (status > 0 ? " with HTTP " + status : "")
                    + (message != null ? ": " + SafeMessage.scrub(message) : ".");
        };
        return new UpstreamFailure(c, status, shown, null, c == FailureClass.BAD_REQUEST ? null : type, retryAfter);
    }

    static FailureClass classify(int status, String type, String message) {
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (type == null) return status == 0 ? FailureClass.SERVER_ERROR : FailureClass.ofHttpStatus(status);
        return switch (type) {
            case "invalid_request_error" -> m.contains("prompt is too long") || m.contains("context limit")
                    || m.contains("context window") ? FailureClass.CONTEXT_LENGTH : FailureClass.BAD_REQUEST;
            case "request_too_large" -> FailureClass.BAD_REQUEST;
            case "authentication_error", "permission_error", "billing_error" -> FailureClass.AUTH;
            case "not_found_error" -> FailureClass.NOT_FOUND;
            case "rate_limit_error" -> FailureClass.RATE_LIMITED;
            case "overloaded_error" -> FailureClass.OVERLOADED;
            case "api_error" -> FailureClass.SERVER_ERROR;
            default -> status == 0 ? FailureClass.SERVER_ERROR : FailureClass.ofHttpStatus(status);
        };
    }
}
