package ai.zumik.alias;

import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import ai.zumik.inference.ExecutionProfile;
import ai.zumik.provider.ProviderId;

/**
 * One weighted target of an alias release: a provider's model at a revision, under a profile; or a
 * model path on one of the project's BYOC clusters.
 *
 * @param provider for a cluster target, the wire protocol the cluster speaks ({@code openai}:
 *     OpenAI-compatible)
 * @param attemptTimeoutMs how long one non-stream attempt on this target may take before the next
 *     target is tried, or null for the default ({@code ZUMIK_UPSTREAM_ATTEMPT_TIMEOUT_MS})
 * @param credentialId the project's provider credential ({@code pcr_…}) a {@code byok} target runs
 *     on; null for every other profile
 * @param clusterId the BYOC cluster ({@code bcl_…}) serving {@code model}, or null; set only with a
 *     {@code byoc_dynamo} or {@code byoc_epp} profile
 */
public record AliasTarget(ExecutionProfile profile, ProviderId provider, String model, String modelRevision, int weight,
                          Integer attemptTimeoutMs, String credentialId, String clusterId) {
    public AliasTarget(ExecutionProfile profile, ProviderId provider, String model, String modelRevision, int weight) {
        this(profile, provider, model, modelRevision, weight, null, null, null);
    }

    public AliasTarget(ExecutionProfile profile, ProviderId provider, String model, String modelRevision, int weight,
                       Integer attemptTimeoutMs) {
        this(profile, provider, model, modelRevision, weight, attemptTimeoutMs, null, null);
    }

    /** Targets as stored and as the API shows them ({@code attempt_timeout_ms}, {@code credential_id} and {@code cluster_id} only when set). */
    public static ArrayNode toJson(List<AliasTarget> targets) {
        ArrayNode arr = Json.array();
        for (AliasTarget t : targets) {
            ObjectNode o = arr.addObject();
            o.put("execution_profile", t.profile().wire());
            o.put("provider", t.provider().wireId());
            o.put("model", t.model());
            o.put("model_revision", t.modelRevision());
            o.put("weight", t.weight());
            if (t.attemptTimeoutMs() != null) o.put("attempt_timeout_ms", t.attemptTimeoutMs());
            if (t.credentialId() != null) o.put("credential_id", t.credentialId());
            if (t.clusterId() != null) o.put("cluster_id", t.clusterId());
        }
        return arr;
    }
}
