package ai.zumik.byoc;

import ai.zumik.inference.ExecutionProfile;
import java.util.List;
import java.util.Set;

/**
 * A cluster as routing sees it at one moment: where to send, how loaded it said it was, and the
 * means to open its API key for one call.
 *
 * @param flavour {@code BYOC_DYNAMO} or {@code BYOC_EPP}: the profile a response served here reports
 * @param baseUrl its OpenAI-compatible endpoint, checked by {@link ai.zumik.http.UpstreamUrls} when
 *     registered, every address its host resolved to then (a name re-pointed since still needs the
 *     connect-time {@link ai.zumik.http.UpstreamUrls#checkAddress} check)
 * @param models the model paths it is registered for
 * @param activeModels those with an active (replay-gated) activation
 * @param heartbeat its latest heartbeat, or null before the first
 * @param inRotation whether that heartbeat is healthy and younger than the timeout, at the moment of the call
 */
public record LiveCluster(String id, String projectId, String name, ExecutionProfile flavour, String baseUrl, String region,
                          List<String> models, Set<String> activeModels, Heartbeat heartbeat, boolean inRotation,
                          ClusterKey apiKey) {

    /** The last reported load (0..1), or null before the first heartbeat. */
    public Double load() {
        return heartbeat == null ? null : heartbeat.load();
    }

    LiveCluster inRotation(boolean now) {
        return now == inRotation ? this : new LiveCluster(id, projectId, name, flavour, baseUrl, region, models, activeModels,
                heartbeat, now, apiKey);
    }
}
