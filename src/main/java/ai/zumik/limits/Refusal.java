package ai.zumik.limits;

import ai.zumik.inference.FailureClass;
import ai.zumik.qos.ReasonCode;

/**
 * Why governance refused a request, as the client will see it: {@link FailureClass#RATE_LIMIT_EXCEEDED}
 * (429 {@code rate_limit_error}, with {@code Retry-After}), {@link FailureClass#QUOTA_EXCEEDED}
 * (429 {@code insufficient_quota}) or {@link FailureClass#CREDITS_REQUIRED} (402).
 */
public record Refusal(FailureClass failure, String message, Long retryAfterSeconds, ReasonCode reason,
                      RateHeaders headers) implements Admission {}
