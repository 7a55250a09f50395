package ai.zumik.alias;

import java.util.List;

/**
 * An immutable alias release ({@code alr_…}): what an alias meant from the moment it was
 * installed. Only {@code active} changes (to retired) when a newer release replaces it.
 *
 * @param projectId null for the platform catalogue, else the project whose override it is
 */
public record AliasRelease(String id, String projectId, String alias, boolean active, String policyRevision,
                           String capabilityManifestRevision, List<AliasTarget> targets, long createdAtMs) {

    /** Same meaning (targets and revisions), ignoring identity and time. */
    public boolean sameAs(String policy, String capabilities, List<AliasTarget> otherTargets) {
        return policyRevision.equals(policy) && capabilityManifestRevision.equals(capabilities) && targets.equals(otherTargets);
    }
}
