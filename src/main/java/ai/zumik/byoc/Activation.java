package ai.zumik.byoc;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One model path of a cluster put in service on the strength of a replay run ({@code bca_…}).
 *
 * @param alias the alias whose release gained the cluster as a target, or null
 * @param weight that target's weight, or null without an alias
 * @param criteria the thresholds applied (a skipped criterion is null)
 * @param evidence the report's numbers the criteria were applied to
 * @param aliasReleaseId the release the activation installed, or null
 * @param deactivationReleaseId the release its deactivation installed, or null
 */
public record Activation(String id, String projectId, String clusterId, String model, String replayRunId, String alias,
                         Integer weight, boolean active, ObjectNode criteria, ObjectNode evidence, String aliasReleaseId,
                         long createdAtMs, String createdBy, Long deactivatedAtMs, String deactivationReleaseId) {}
