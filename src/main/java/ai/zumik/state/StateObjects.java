package ai.zumik.state;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The state objects as stored. Times are epoch milliseconds. */
public final class StateObjects {
    private StateObjects() {}

    /** Immutable content; {@code content} is null once purged. Version is always 1: there is no update. */
    public record Artifact(String id, String projectId, String artifactType, String mediaType, String retentionClass,
                           ObjectNode metadata, String content, long sizeBytes, String sha256, long createdAtMs) {}

    /** An ordered list of artifact references, exactly as supplied. */
    public record Bundle(String id, String projectId, String bundleType, ArrayNode items, long createdAtMs) {}

    public record Session(String id, String projectId, String defaultBranchId, String status, List<String> baseBundleIds,
                          ObjectNode metadata, long createdAtMs) {}

    /** {@code forkSequence}: the sequence of the event it forked from (0 for a root branch). */
    public record Branch(String id, String projectId, String sessionId, String parentBranchId, String forkedFromEventId,
                         long forkSequence, String headEventId, long version, String label, long createdAtMs) {}

    public record Event(String id, String sessionId, String branchId, long sequence, String parentEventId,
                        String eventType, String payloadRef, long createdAtMs) {}

    /**
     * @param artifactVersions artifact id → content digest, for every artifact the manifest reaches
     * @param blocks the manifest's entries in order with what each is to the model:
     *     {@code {ref, role, artifact_id}} ({@code role} null for an opaque {@code blk_} entry)
     */
    public record Snapshot(String id, String projectId, String sessionId, String branchId, long branchVersion,
                           String headEventId, String promptCompilerRevision, ArrayNode orderedBlockManifest,
                           ObjectNode artifactVersions, ArrayNode blocks, long createdAtMs) {}
}
