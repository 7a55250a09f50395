package ai.zumik.byoc;

import java.util.List;

/**
 * A cluster's latest heartbeat, as its operator reported it and this gateway stamped it.
 *
 * @param atMs when a replica received it (that replica's clock)
 * @param load fraction of the cluster's capacity in use, 0..1
 * @param queueDepth requests waiting at the cluster, or null when not reported
 * @param cachedTokensReporting whether the cluster reports cached prompt tokens in its usage, or null
 * @param models the model paths it says it serves right now, or null when not reported (then every
 *     registered model counts)
 * @param ttftP50Ms the cluster's own median time to first token over its recent window, or null
 * @param latencyP50Ms the cluster's own median request latency over its recent window, or null
 */
public record Heartbeat(long atMs, boolean healthy, double load, Long queueDepth, Boolean cachedTokensReporting,
                        List<String> models, Long ttftP50Ms, Long latencyP50Ms) {

    /** Healthy and younger than {@code timeoutMs} at {@code nowMs}: a missed heartbeat ends rotation with no sweeper. */
    public boolean keepsInRotation(long nowMs, long timeoutMs) {
        return healthy && nowMs - atMs < timeoutMs;
    }

    /** Whether the cluster serves {@code model} now: it is registered and, when the heartbeat lists models, listed there. */
    boolean serves(String model) {
        return models == null || models.contains(model);
    }
}
