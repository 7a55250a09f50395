package ai.zumik.broker;

import ai.zumik.inference.ExecutionProfile;
import ai.zumik.inference.ExecutionMode;
import ai.zumik.provider.ProviderId;

/**
 * What the surface needs to render headers and the body's {@code model}: the target that produced
 * the events, and timings once known.
 *
 * @param responseModel what the response body's {@code model} says: the requested model, unless a
 *     different model answered
 * @param ttftNanos request arrival to first upstream event, or -1
 * @param upstreamNanos time spent waiting on upstreams, or -1 until the end
 */
public record Served(ProviderId provider, String model, String responseModel, ExecutionMode mode,
                     ExecutionProfile profile, int attempts, long ttftNanos, long upstreamNanos) {}
