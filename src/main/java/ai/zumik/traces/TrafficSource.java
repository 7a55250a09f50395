package ai.zumik.traces;

import java.util.List;

/**
 * Where a diagnostic or a replay run reads recorded traffic from when it names
 * {@code traffic_manifest_ref: "usage:N"}: the project's last N usage events as trace envelopes,
 * oldest first (token shapes, timings, routing and reuse counters; never text).
 */
@FunctionalInterface
public interface TrafficSource {
    List<TraceEnvelope> lastUsage(String projectId, int n);
}
