package ai.zumik.qos;

import java.util.Locale;

/**
 * The closed set of QoS reason codes: why a request ended the way it did. Stable strings; this
 * enum is the single table (README lists it too). Success is {@link #OK} (or
 * {@link #FALLBACK_SUCCEEDED} / {@link #OPENROUTER_BRIDGE_USED} when another path served).
 */
public enum ReasonCode {
    OK("served by the first target chosen"),
    QUEUED_FOR_CAPACITY("waited in the admission queue, then served"),
    QUEUE_FULL("the class's admission queue was full"),
    QUEUE_TIMEOUT("waited in the admission queue longer than the class allows"),
    CUSTOMER_DEADLINE_TOO_SHORT("the deadline is shorter than the target can plausibly start"),
    RATE_LIMIT_EXCEEDED("the key or project exceeded its rate limit"),
    QUOTA_EXCEEDED("the project's budget or hard cap is reached"),
    CREDITS_REQUIRED("the project's prepaid credits are exhausted"),
    REGION_NOT_ALLOWED("no target in an allowed region"),
    MODEL_NOT_FOUND("the model or alias does not exist"),
    NO_ELIGIBLE_TARGET("every candidate was ruled out before any attempt (capability, circuit, configuration)"),
    PROVIDER_ERROR("the provider failed (5xx, malformed answer or refused credential)"),
    PROVIDER_TIMEOUT("the provider did not connect, start or continue in time"),
    PROVIDER_RATE_LIMITED("the provider rate-limited Zumik's account"),
    PROVIDER_OVERLOADED("the provider reported overload"),
    STREAM_INTERRUPTED("the stream broke after the first byte"),
    ALL_TARGETS_FAILED("every eligible target was tried and failed"),
    FALLBACK_SUCCEEDED("a later target served after earlier ones failed"),
    BYOC_OVERFLOW("a BYOC cluster owns this path but was down, saturated, too slow for the deadline or failed; a managed target served"),
    OPENROUTER_BRIDGE_USED("the OpenRouter emergency bridge served after every primary target failed"),
    DEADLINE_EXCEEDED("the request's deadline passed before it finished"),
    EXPIRED_BEFORE_START("the deadline passed while the request was queued"),
    CLIENT_CANCELLED("the client disconnected or cancelled"),
    SHUTTING_DOWN("Zumik was stopping and its shutdown grace ran out before the response finished"),
    INVALID_REQUEST("the request was invalid for every target"),
    UPSTREAM_REJECTED_REQUEST("the provider rejected the request as invalid (no retry)"),
    BYOK_CREDENTIAL_REJECTED("the provider refused the project's own (BYOK) credential (no retry, no other account)");

    private final String meaning;

    ReasonCode(String meaning) {
        this.meaning = meaning;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String meaning() {
        return meaning;
    }
}
