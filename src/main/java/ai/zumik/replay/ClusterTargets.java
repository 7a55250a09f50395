package ai.zumik.replay;

import ai.zumik.traces.TrafficSource.TargetLatency;
import java.util.Optional;

/**
 * BYOC clusters as a replay sees them (a side may name {@code byoc:<cluster id>/<model path>}).
 * Blocking.
 */
public interface ClusterTargets {
    /** Null when the project's cluster exists and is registered for {@code model}; otherwise why not, for the 400. */
    String refusal(String projectId, String clusterId, String model);

    /** What the cluster reported of its own latency, or empty when it reported none (the replay says {@code unknown}). */
    Optional<TargetLatency> observedLatency(String projectId, String clusterId, String model);
}
