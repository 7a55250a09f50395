package ai.zumik.byoc;

import ai.zumik.inference.ExecutionProfile;
import java.util.List;

/**
 * A registered cluster as stored: never its API key in the clear.
 *
 * @param flavour {@link ExecutionProfile#BYOC_DYNAMO} or {@link ExecutionProfile#BYOC_EPP}
 * @param models the model paths it was registered to serve
 * @param sealedApiKey the API key sealed under the master key, bound to {@code id}
 * @param keyFingerprint {@code zfp_…}: all that is ever shown of the key
 * @param heartbeat the latest heartbeat, or null before the first
 */
public record Cluster(String id, String projectId, String name, String baseUrl, ExecutionProfile flavour, String region,
                      List<String> models, String sealedApiKey, String keyFingerprint, long createdAtMs, Heartbeat heartbeat) {}
