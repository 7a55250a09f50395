package ai.zumik.broker;

import ai.zumik.inference.FailureClass;
import ai.zumik.qos.ReasonCode;

/** How an upstream failure reads as a QoS reason code: one table. */
final class Outcomes {
    private Outcomes() {}

    static ReasonCode reason(FailureClass c) {
        return switch (c) {
            case CONNECT, SERVER_ERROR, MALFORMED_RESPONSE, AUTH -> ReasonCode.PROVIDER_ERROR;
            case CONNECT_TIMEOUT, FIRST_BYTE_TIMEOUT, STREAM_IDLE_TIMEOUT, TOTAL_TIMEOUT, ATTEMPT_TIMEOUT -> ReasonCode.PROVIDER_TIMEOUT;
            case OVERLOADED -> ReasonCode.PROVIDER_OVERLOADED;
            case RATE_LIMITED -> ReasonCode.PROVIDER_RATE_LIMITED;
            case BAD_REQUEST, NOT_FOUND, CONTEXT_LENGTH, CONTENT_REFUSAL -> ReasonCode.UPSTREAM_REJECTED_REQUEST;
            case STREAM_INTERRUPTED -> ReasonCode.STREAM_INTERRUPTED;
            case CANCELLED -> ReasonCode.CLIENT_CANCELLED;
            case DEADLINE_EXCEEDED -> ReasonCode.DEADLINE_EXCEEDED;
            case NO_ELIGIBLE_TARGET -> ReasonCode.NO_ELIGIBLE_TARGET;
            case QUEUE_FULL -> ReasonCode.QUEUE_FULL;
            case QUEUE_TIMEOUT -> ReasonCode.QUEUE_TIMEOUT;
            case EXPIRED_BEFORE_START -> ReasonCode.EXPIRED_BEFORE_START;
            case INTERNAL -> ReasonCode.PROVIDER_ERROR;
            case SHUTTING_DOWN -> ReasonCode.SHUTTING_DOWN;
            case RATE_LIMIT_EXCEEDED -> ReasonCode.RATE_LIMIT_EXCEEDED;
            case QUOTA_EXCEEDED -> ReasonCode.QUOTA_EXCEEDED;
            case CREDITS_REQUIRED -> ReasonCode.CREDITS_REQUIRED;
            case BYOK_CREDENTIAL_REJECTED -> ReasonCode.BYOK_CREDENTIAL_REJECTED;
        };
    }

    /** Failures that say something about the target's health (they feed its circuit breaker). */
    static boolean availability(FailureClass c) {
        return switch (c) {
            case CONNECT, CONNECT_TIMEOUT, FIRST_BYTE_TIMEOUT, STREAM_IDLE_TIMEOUT, OVERLOADED, SERVER_ERROR, RATE_LIMITED,
                 AUTH, MALFORMED_RESPONSE, ATTEMPT_TIMEOUT -> true;
            default -> false;
        };
    }
}
