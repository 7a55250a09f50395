package ai.zumik.traces;

import java.util.List;
import java.util.Optional;

/**
 * Where a diagnostic or a replay run reads recorded traffic from when it names
 * {@code traffic_manifest_ref: "usage:N"}: the project's last N usage events as trace envelopes,
 * oldest first (token shapes, timings, routing and reuse counters; never text).
 */
@FunctionalInterface
public interface TrafficSource {
    List<TraceEnvelope> lastUsage(String projectId, int n);

    /**
     * The project's typical latency on one target: the medians over its recent completed
     * responses there, or empty when it has none (a source that keeps no latency history).
     */
    default Optional<TargetLatency> observedLatency(String projectId, String provider, String model) {
        return Optional.empty();
    }

    /**
     * @param ttftMs median time to first token, or null when no response reported one
     * @param samples how many responses the medians are over
     */
    record TargetLatency(Long ttftMs, long latencyMs, int samples) {}
}
