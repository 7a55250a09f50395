package ai.zumik.http;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Thrown by parsers and handlers to end a request with an {@link ApiError}; carries no stack trace.
 * {@code details}, when present, are further members of the error object a client can act on
 * (a branch's current head after a lost compare-and-swap).
 */
public final class ApiException extends RuntimeException {
    private final ApiError error;
    private final ObjectNode details;

    public ApiException(ApiError error) {
        this(error, null);
    }

    public ApiException(ApiError error, ObjectNode details) {
        super(error.message(), null, false, false);
        this.error = error;
        this.details = details;
    }

    public ApiError error() {
        return error;
    }

    public ObjectNode details() {
        return details;
    }
}
