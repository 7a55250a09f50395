package ai.zumik.http;

/** Thrown by parsers and handlers to end a request with an {@link ApiError}; carries no stack trace. */
public final class ApiException extends RuntimeException {
    private final ApiError error;

    public ApiException(ApiError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public ApiError error() {
        return error;
    }
}
