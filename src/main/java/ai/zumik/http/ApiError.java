package ai.zumik.http;

import ai.zumik.inference.UpstreamFailure;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An error as a client sees it, on both surfaces: OpenAI's envelope
 * {@code {"error":{"message","type","param","code"}}} plus the HTTP status. Messages never carry
 * secrets, URLs of upstreams or internal detail.
 *
 * @param retryAfterSeconds rendered as {@code Retry-After} when non-null
 */
public record ApiError(int status, String type, String code, String param, String message, Long retryAfterSeconds) {

    public static final long MAX_BODY_BYTES = 2L * 1024 * 1024;

    public static ApiError invalid(String param, String code, String message) {
        return new ApiError(400, "invalid_request_error", code, param, message, null);
    }

    public static ApiError invalidJson(String detail) {
        return new ApiError(400, "invalid_request_error", "invalid_json", null,
                "We could not parse the JSON body of your request: " + detail, null);
    }

    public static ApiError notFound(String message) {
        return new ApiError(404, "invalid_request_error", null, null, message, null);
    }

    public static ApiError modelNotFound(String model) {
        return new ApiError(404, "invalid_request_error", "model_not_found", "model",
                "The model '" + model + "' does not exist.", null);
    }

    public static ApiError unknownUrl(String method, String path) {
        return new ApiError(404, "invalid_request_error", "unknown_url", null, "Invalid URL (" + method + " " + path + ")", null);
    }

    public static ApiError unauthorized(String message) {
        return new ApiError(401, "invalid_request_error", "invalid_api_key", null, message, null);
    }

    public static ApiError insufficientScope(String scope) {
        return new ApiError(403, "invalid_request_error", "insufficient_scope", null,
                "This API key lacks the '" + scope + "' scope required for this endpoint.", null);
    }

    public static ApiError tooLarge() {
        return new ApiError(413, "invalid_request_error", "request_too_large", null,
                "Request body exceeds the 2 MiB limit.", null);
    }

    public static ApiError internal() {
        return new ApiError(500, "api_error", "internal_error",
                null, "Zumik hit an internal error. The request was not completed.", null);
    }

    public static ApiError unavailable(String code, String message) {
        return new ApiError(503, "api_error", code, null, message, null);
    }

    /** The client-facing form of an upstream failure: status, type and code come from its class. */
    public static ApiError fromUpstream(UpstreamFailure f) {
        var c = f.failureClass();
        String code = c == ai.zumik.inference.FailureClass.BAD_REQUEST && f.providerCode() != null
                ? f.providerCode() : c.code();
        return new ApiError(c.httpStatus(), c.errorType(), code, f.param(), f.message(), f.retryAfterSeconds());
    }

    public ObjectNode toJson() {
        ObjectNode error = Json.object();
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        ObjectNode root = Json.object();
        root.set("error", error);
        return root;
    }

    public ApiException exception() {
        return new ApiException(this);
    }
}
