package ai.zumik.v2;

import ai.zumik.http.ApiError;
import ai.zumik.http.ApiException;
import ai.zumik.http.Params;
import ai.zumik.json.Json;
import ai.zumik.state.StateError;
import ai.zumik.state.StateObjects.Artifact;
import ai.zumik.state.StateObjects.Branch;
import ai.zumik.state.StateObjects.Bundle;
import ai.zumik.state.StateObjects.Event;
import ai.zumik.state.StateObjects.Session;
import ai.zumik.state.StateObjects.Snapshot;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;

/** The state objects as /v2 renders them, list pages, and state errors as API errors. */
final class StateJson {
    private StateJson() {}

    static ObjectNode artifact(Artifact a) {
        ObjectNode o = Json.object();
        o.put("id", a.id());
        o.put("object", "artifact");
        o.put("artifact_type", a.artifactType());
        o.put("project_id", a.projectId());
        o.put("content_media_type", a.mediaType());
        o.put("size_bytes", a.sizeBytes());
        o.put("version", 1);
        o.put("retention_class", a.retentionClass());
        o.set("metadata", a.metadata());
        o.put("created_at", Rfc3339.format(a.createdAtMs()));
        return o;
    }

    static ObjectNode bundle(Bundle b) {
        ObjectNode o = Json.object();
        o.put("id", b.id());
        o.put("object", "bundle");
        o.put("bundle_type", b.bundleType());
        o.put("project_id", b.projectId());
        o.set("items", b.items());
        o.put("created_at", Rfc3339.format(b.createdAtMs()));
        return o;
    }

    static ObjectNode session(Session s) {
        ObjectNode o = Json.object();
        o.put("id", s.id());
        o.put("object", "session");
        o.put("project_id", s.projectId());
        o.put("default_branch_id", s.defaultBranchId());
        o.put("status", s.status());
        ArrayNode ids = o.putArray("base_bundle_ids");
        s.baseBundleIds().forEach(ids::add);
        o.set("metadata", s.metadata());
        o.put("created_at", Rfc3339.format(s.createdAtMs()));
        return o;
    }

    static ObjectNode branch(Branch b) {
        ObjectNode o = Json.object();
        o.put("id", b.id());
        o.put("object", "session_branch");
        o.put("session_id", b.sessionId());
        o.put("parent_branch_id", b.parentBranchId());
        o.put("forked_from_event_id", b.forkedFromEventId());
        o.put("head_event_id", b.headEventId());
        o.put("version", b.version());
        o.put("label", b.label());
        o.put("created_at", Rfc3339.format(b.createdAtMs()));
        return o;
    }

    static ObjectNode event(Event e) {
        ObjectNode o = Json.object();
        o.put("id", e.id());
        o.put("object", "session_event");
        o.put("session_id", e.sessionId());
        o.put("branch_id", e.branchId());
        o.put("sequence", e.sequence());
        o.put("parent_event_id", e.parentEventId());
        o.put("event_type", e.eventType());
        o.put("payload_ref", e.payloadRef());
        o.put("created_at", Rfc3339.format(e.createdAtMs()));
        return o;
    }

    static ObjectNode snapshot(Snapshot s) {
        ObjectNode o = Json.object();
        o.put("id", s.id());
        o.put("object", "snapshot");
        o.put("session_id", s.sessionId());
        o.put("branch_id", s.branchId());
        o.put("branch_version", s.branchVersion());
        o.put("head_event_id", s.headEventId());
        o.put("prompt_compiler_revision", s.promptCompilerRevision());
        o.set("ordered_block_manifest", s.orderedBlockManifest());
        o.set("artifact_versions", s.artifactVersions());
        o.put("created_at", Rfc3339.format(s.createdAtMs()));
        return o;
    }

    /** What a /v2 response ran against (the {@code state} member of the response object). */
    static ObjectNode turn(ai.zumik.state.SessionStore.Turn t) {
        ObjectNode o = Json.object();
        o.put("session_id", t.sessionId());
        o.put("branch_id", t.branchId());
        o.put("snapshot_id", t.snapshotId());
        o.put("materialization_key", t.materializationKey());
        o.put("user_event_id", t.userEventId());
        o.put("assistant_event_id", t.assistantEventId());
        o.put("append_status", t.appendStatus());
        return o;
    }

    /** A list page: {@code rows} holds up to {@code limit + 1} items; the extra one only says there is more. */
    static <T> ObjectNode page(List<T> rows, int limit, Function<T, ObjectNode> json, Function<T, String> cursor) {
        ObjectNode root = Json.object();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        int shown = Math.min(limit, rows.size());
        for (int i = 0; i < shown; i++) data.add(json.apply(rows.get(i)));
        root.put("first_id", shown == 0 ? null : cursor.apply(rows.getFirst()));
        root.put("last_id", shown == 0 ? null : cursor.apply(rows.get(shown - 1)));
        root.put("has_more", rows.size() > limit);
        return root;
    }

    /** An {@code after} cursor: an id of the expected kind, or a 400. */
    static String after(String raw, String prefix) {
        if (raw != null && !raw.startsWith(prefix)) {
            throw Params.invalidValue("after", "Invalid 'after': expected an id (" + prefix + "...) from a previous page's last_id.");
        }
        return raw;
    }

    /** Runs blocking state work, turning a {@link StateError} into the API error a client sees. */
    static <T> T call(Callable<T> work) throws Exception {
        try {
            return work.call();
        } catch (StateError e) {
            throw api(e);
        }
    }

    static ApiException api(StateError e) {
        return switch (e) {
            case StateError.NotFound n -> ApiError.notFound(n.getMessage()).exception();
            case StateError.Invalid i -> ApiError.invalid(i.param(), i.code(), i.getMessage()).exception();
            case StateError.Conflict c -> {
                ObjectNode details = Json.object();
                details.put("current_version", c.version());
                details.put("current_head_event_id", c.headEventId());
                yield new ApiException(new ApiError(409, "invalid_request_error", "branch_version_conflict", "expected_version",
                        c.getMessage(), null), details);
            }
            default -> throw e;
        };
    }

    /** Optional string metadata: at most 16 members, keys ≤ 64 and values ≤ 512 characters. */
    static ObjectNode metadata(ObjectNode req) {
        ObjectNode m = Params.optionalObject(req, "metadata", "metadata");
        if (m == null) return Json.object();
        if (m.size() > 16) throw Params.invalidValue("metadata", "Invalid 'metadata': at most 16 members.");
        for (var it = m.fields(); it.hasNext(); ) {
            var f = it.next();
            if (f.getKey().length() > 64) throw Params.invalidValue("metadata", "Invalid 'metadata': keys are at most 64 characters.");
            JsonNode v = f.getValue();
            if (!v.isTextual()) throw Params.wrongType("metadata." + f.getKey(), "a string", v);
            if (v.textValue().length() > 512) {
                throw Params.invalidValue("metadata." + f.getKey(), "Invalid 'metadata." + f.getKey() + "': at most 512 characters.");
            }
        }
        return m;
    }
}
