package ai.zumik.provider.gemini;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.UpstreamFailure;
import ai.zumik.json.Json;
import ai.zumik.provider.RetryAfter;
import ai.zumik.provider.SafeMessage;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.MultiMap;
import java.util.Locale;

/**
 * Gemini's error envelope, Google's {@code {"error":{"code","message","status","details"}}}
 * (some endpoints wrap it in a one-element array), classified once:
 *
 * <pre>
 * INVALID_ARGUMENT FAILED_PRECONDITION OUT_OF_RANGE (400)  BAD_REQUEST, CONTEXT_LENGTH when the input is too long,
 *                                                         AUTH when details name an API_KEY_* reason (a bad key is a 400)
 * UNAUTHENTICATED (401) PERMISSION_DENIED (403)           AUTH
 * NOT_FOUND (404)                                         NOT_FOUND
 * RESOURCE_EXHAUSTED (429)                                RATE_LIMITED, Retry-After from the header or RetryInfo.retryDelay
 * INTERNAL UNKNOWN (500)                                  SERVER_ERROR
 * UNAVAILABLE (503)                                       OVERLOADED
 * DEADLINE_EXCEEDED (504)                                 FIRST_BYTE_TIMEOUT for a stream (nothing was produced; another
 *                                                         attempt may start in time), TOTAL_TIMEOUT otherwise (the same
 *                                                         request would run out of time again)
 * </pre>
 *
 * Client errors keep Gemini's message, scrubbed: Gemini echoes request URLs, which can hold a key.
 */
final class GeminiErrors {
    private GeminiErrors() {}

    static UpstreamFailure http(int status, MultiMap headers, byte[] body, boolean stream, String apiKey) {
        JsonNode root = Json.parseOrNull(body);
        if (root != null && root.isArray() && !root.isEmpty()) root = root.get(0);
        return classify(status, root == null ? null : root.get("error"), stream, apiKey, RetryAfter.seconds(headers));
    }

    /** An error event inside a 2xx stream; after content it interrupts an answer already under way. */
    static UpstreamFailure inStream(JsonNode event, boolean started, String apiKey) {
        JsonNode err = event.get("error");
        UpstreamFailure f = classify(err.path("code").asInt(500), err, true, apiKey, null);
        if (started && f.failureClass() == FailureClass.SERVER_ERROR) {
            return new UpstreamFailure(FailureClass.STREAM_INTERRUPTED, f.upstreamStatus(), f.message(), null,
                    f.providerCode(), null);
        }
        return f;
    }

    private static UpstreamFailure classify(int status, JsonNode err, boolean stream, String apiKey, Long retryAfter) {
        String message = Json.string(err, "message");
        String grpc = Json.string(err, "status");
        String reason = null;
        Long retryDelay = null;
        if (err != null) {
            for (JsonNode d : err.path("details")) {
                String type = d.path("@type").asText("");
                if (type.endsWith("ErrorInfo")) reason = Json.string(d, "reason");
                if (type.endsWith("RetryInfo")) retryDelay = seconds(Json.string(d, "retryDelay"));
            }
        }
        FailureClass c = failureClass(status, grpc, reason, message, stream);
        String shown = switch (c) {
            case BAD_REQUEST, CONTEXT_LENGTH, NOT_FOUND -> message != null
                    ? scrub(message, apiKey) : "gemini rejected the request (HTTP " + status + ").";
            case AUTH -> "gemini rejected Zumik's credential (HTTP " + status + ").";
            case RATE_LIMITED -> "gemini is rate limiting requests (HTTP " + status + ").";
            case OVERLOADED -> "gemini is overloaded (HTTP " + status + ").";
            case FIRST_BYTE_TIMEOUT, TOTAL_TIMEOUT -> "gemini could not answer within its deadline (HTTP " + status + ").";
            default -> "gemini failed with HTTP " + status + (message != null ? ": " + scrub(message, apiKey) : ".");
        };
        String code = grpc != null && grpc.matches("[A-Z_]{1,64}") ? grpc.toLowerCase(Locale.ROOT) : null;
        return new UpstreamFailure(c, status, shown, null, code,
                c == FailureClass.RATE_LIMITED || c == FailureClass.OVERLOADED
                        ? (retryAfter != null ? retryAfter : retryDelay) : null);
    }

    static FailureClass failureClass(int status, String grpc, String reason, String message, boolean stream) {
        if (reason != null && reason.startsWith("API_KEY_")) return FailureClass.AUTH;
        FailureClass timeout = stream ? FailureClass.FIRST_BYTE_TIMEOUT : FailureClass.TOTAL_TIMEOUT;
        if (grpc != null) {
            switch (grpc) {
                case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE" -> {
                    return tooLong(message) ? FailureClass.CONTEXT_LENGTH : FailureClass.BAD_REQUEST;
                }
                case "UNAUTHENTICATED", "PERMISSION_DENIED" -> {
                    return FailureClass.AUTH;
                }
                case "NOT_FOUND" -> {
                    return FailureClass.NOT_FOUND;
                }
                case "RESOURCE_EXHAUSTED" -> {
                    return FailureClass.RATE_LIMITED;
                }
                case "UNAVAILABLE" -> {
                    return FailureClass.OVERLOADED;
                }
                case "DEADLINE_EXCEEDED" -> {
                    return timeout;
                }
                case "INTERNAL", "UNKNOWN", "DATA_LOSS" -> {
                    return FailureClass.SERVER_ERROR;
                }
                default -> { }
            }
        }
        if (status == 504) return timeout;
        if (status == 400 && tooLong(message)) return FailureClass.CONTEXT_LENGTH;
        return FailureClass.ofHttpStatus(status);
    }

    /** "The input token count (1048577) exceeds the maximum number of tokens allowed (1048576)." */
    private static boolean tooLong(String message) {
        if (message == null) return false;
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("exceeds the maximum number of tokens") || m.contains("input token count") && m.contains("exceed");
    }

    /** A protobuf Duration in JSON: {@code "37s"}, {@code "1.5s"}. */
    private static Long seconds(String duration) {
        if (duration == null || !duration.endsWith("s")) return null;
        try {
            return (long) Math.ceil(Double.parseDouble(duration.substring(0, duration.length() - 1)));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String scrub(String message, String apiKey) {
        return SafeMessage.scrub(apiKey == null || apiKey.isEmpty() ? message : message.replace(apiKey, "[redacted]"));
    }
}
