package ai.zumik.inference;

/**
 * What went wrong with a response: an upstream attempt's failure, decided once (by the provider's error parser through
 * {@link #ofHttpStatus}) and rendered once: each class carries the status, error type and stable code
 * a client sees. {@code retryable} says whether another attempt (same or other target) may help.
 */
public enum FailureClass {
    CONNECT(502, "api_error", "provider_unavailable", true),
    CONNECT_TIMEOUT(504, "api_error", "provider_timeout", true),
    FIRST_BYTE_TIMEOUT(504, "api_error", "provider_timeout", true),
    STREAM_IDLE_TIMEOUT(504, "api_error", "provider_timeout", true),
    TOTAL_TIMEOUT(504, "api_error", "provider_timeout", false),
    /** One non-stream attempt took longer than its own limit: the next target gets the rest of the total. */
    ATTEMPT_TIMEOUT(504, "api_error", "provider_timeout", true),
    OVERLOADED(503, "api_error", "provider_overloaded", true),
    SERVER_ERROR(502, "api_error", "provider_error", true),
    RATE_LIMITED(429, "rate_limit_error", "provider_rate_limited", true),
    /** The provider refused Zumik's managed credential: not the caller's fault, so not a 401. */
    AUTH(502, "api_error", "provider_auth_failed", true),
    /**
     * The provider refused the project's own (BYOK) credential: the customer's to fix, never retried
     * on another account. 424: the request failed because of a dependency the caller configured, and
     * a 401 would read as Zumik refusing the caller's Zumik key.
     */
    BYOK_CREDENTIAL_REJECTED(424, "invalid_request_error", "byok_credential_rejected", false),
    BAD_REQUEST(400, "invalid_request_error", "upstream_rejected_request", false),
    NOT_FOUND(404, "invalid_request_error", "model_not_found", false),
    CONTEXT_LENGTH(400, "invalid_request_error", "context_length_exceeded", false),
    CONTENT_REFUSAL(400, "invalid_request_error", "content_policy_violation", false),
    STREAM_INTERRUPTED(502, "api_error", "stream_interrupted", false),
    MALFORMED_RESPONSE(502, "api_error", "provider_error", true),
    CANCELLED(499, "invalid_request_error", "client_cancelled", false),
    /** The caller's QoS deadline passed; never charged. */
    DEADLINE_EXCEEDED(504, "api_error", "deadline_exceeded", false),
    /** Every candidate was ruled out before any attempt (open circuits, cool-downs, no adapter). */
    NO_ELIGIBLE_TARGET(503, "api_error", "no_eligible_target", false),
    /** QoS admission: the class's queue is full. */
    QUEUE_FULL(429, "rate_limit_error", "queue_full", false),
    /** QoS admission: waited in the queue longer than the class allows. */
    QUEUE_TIMEOUT(503, "api_error", "queue_timeout", false),
    /** QoS admission: the deadline passed while queued. */
    EXPIRED_BEFORE_START(504, "api_error", "deadline_exceeded", false),
    /** Governance: the key's, project's or platform's rate limit is reached. */
    RATE_LIMIT_EXCEEDED(429, "rate_limit_error", "rate_limit_exceeded", false),
    /** Governance: the key's budget or the project's monthly cap (overage_mode pause) is spent. */
    QUOTA_EXCEEDED(429, "insufficient_quota", "quota_exceeded", false),
    /** Governance: billing is on and the project's prepaid credit is used up. */
    CREDITS_REQUIRED(402, "invalid_request_error", "credits_required", false),
    /** Zumik was stopping and its shutdown grace ran out before the response finished. */
    SHUTTING_DOWN(503, "api_error", "shutting_down", false),
    /** A bug in Zumik while handling the response. */
    INTERNAL(500, "api_error", "internal_error", false);

    private final int httpStatus;
    private final String errorType;
    private final String code;
    private final boolean retryable;

    FailureClass(int httpStatus, String errorType, String code, boolean retryable) {
        this.httpStatus = httpStatus;
        this.errorType = errorType;
        this.code = code;
        this.retryable = retryable;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String errorType() {
        return errorType;
    }

    public String code() {
        return code;
    }

    public boolean retryable() {
        return retryable;
    }

    /** The class of a non-2xx upstream HTTP status, before any provider-specific refinement. */
    public static FailureClass ofHttpStatus(int status) {
        return switch (status) {
            case 400, 409, 413, 415, 422 -> BAD_REQUEST;
            case 401, 403 -> AUTH;
            case 404 -> NOT_FOUND;
            case 408 -> FIRST_BYTE_TIMEOUT;
            case 429 -> RATE_LIMITED;
            case 503, 529 -> OVERLOADED;
            default -> status >= 500 ? SERVER_ERROR : BAD_REQUEST;
        };
    }
}
