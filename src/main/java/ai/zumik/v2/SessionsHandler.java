package ai.zumik.v2;

import static ai.zumik.v2.StateJson.call;

import ai.zumik.http.ApiError;
import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.json.Json;
import ai.zumik.state.ArtifactStore;
import ai.zumik.state.SessionStore;
import ai.zumik.state.SnapshotCompiler;
import ai.zumik.state.StateObjects.Event;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code /v2/sessions} and everything under a session: its branches, a branch's events (appended
 * with compare-and-swap) and snapshots.
 *
 * <pre>
 * POST   /v2/sessions                                   GET /v2/sessions
 * GET    /v2/sessions/{sid}                             DELETE /v2/sessions/{sid}
 * POST   /v2/sessions/{sid}/branches                    GET /v2/sessions/{sid}/branches
 * GET    /v2/sessions/{sid}/branches/{bid}              DELETE /v2/sessions/{sid}/branches/{bid}
 * POST   /v2/sessions/{sid}/branches/{bid}/events       GET /v2/sessions/{sid}/branches/{bid}/events
 * POST   /v2/sessions/{sid}/branches/{bid}/snapshots    GET /v2/sessions/{sid}/branches/{bid}/snapshots
 * GET    /v2/sessions/{sid}/branches/{bid}/snapshots/{snp}   DELETE (same)
 * </pre>
 */
public final class SessionsHandler {
    public static final String PATH = "/v2/sessions";
    public static final String ONE_PATH = "/v2/sessions/*";

    private final SessionStore sessions;
    private final SnapshotCompiler compiler;

    public SessionsHandler(SessionStore sessions, SnapshotCompiler compiler) {
        this.sessions = sessions;
        this.compiler = compiler;
    }

    /** The path below {@code /v2/sessions/}: [sid], [sid, branches], [sid, branches, bid, events], ... */
    private static String[] parts(Exchange ex) {
        String tail = ArtifactsHandler.tail(ex, PATH);
        String[] p = tail.split("/", -1);
        for (String s : p) if (s.isEmpty()) throw ArtifactsHandler.unknown(ex);
        boolean shape = switch (p.length) {
            case 1 -> true;
            case 2 -> p[1].equals("branches");
            case 3 -> p[1].equals("branches");
            case 4 -> p[1].equals("branches") && (p[3].equals("events") || p[3].equals("snapshots"));
            case 5 -> p[1].equals("branches") && p[3].equals("snapshots");
            default -> false;
        };
        if (!shape) throw ArtifactsHandler.unknown(ex);
        return p;
    }

    // ---- sessions -----------------------------------------------------------------------------

    public void create(Exchange ex, Buffer body) {
        ObjectNode req = body == null || body.length() == 0 ? Json.object() : Params.object(body);
        Params.rejectUnknown(req, Set.of("base_bundle_ids", "metadata"));
        ArrayNode ids = Params.optionalArray(req, "base_bundle_ids", "base_bundle_ids");
        List<String> bundles = new ArrayList<>();
        if (ids != null) {
            if (ids.size() > 32) throw Params.invalidValue("base_bundle_ids", "Invalid 'base_bundle_ids': at most 32 bundles.");
            for (int i = 0; i < ids.size(); i++) {
                JsonNode id = ids.get(i);
                String p = "base_bundle_ids[" + i + "]";
                if (!id.isTextual()) throw Params.wrongType(p, "a string", id);
                if (!id.textValue().startsWith("bnd_")) throw Params.invalidValue(p, "Invalid '" + p + "': expected a bundle id (bnd_...).");
                bundles.add(id.textValue());
            }
        }
        ObjectNode metadata = StateJson.metadata(req);
        String project = ex.principal().projectId();
        ex.offload(() -> call(() -> sessions.createSession(project, List.copyOf(bundles), metadata)),
                s -> ex.sendJson(200, StateJson.session(s)));
    }

    public void list(Exchange ex) {
        int limit = Params.queryLimit(ex.query().get("limit"));
        String after = StateJson.after(ex.query().get("after"), "ses_");
        String project = ex.principal().projectId();
        ex.offload(() -> sessions.sessions(project, after, limit + 1),
                rows -> ex.sendJson(200, StateJson.page(rows, limit, StateJson::session, s -> s.id())));
    }

    /** Every GET below {@code /v2/sessions/}. */
    public void get(Exchange ex) {
        String[] p = parts(ex);
        String project = ex.principal().projectId();
        int limit = Params.queryLimit(ex.query().get("limit"));
        switch (p.length) {
            case 1 -> ex.offload(() -> call(() -> sessions.session(project, p[0])), s -> ex.sendJson(200, StateJson.session(s)));
            case 2 -> {
                String after = StateJson.after(ex.query().get("after"), "br_");
                ex.offload(() -> call(() -> sessions.branches(project, p[0], after, limit + 1)),
                        rows -> ex.sendJson(200, StateJson.page(rows, limit, StateJson::branch, b -> b.id())));
            }
            case 3 -> ex.offload(() -> call(() -> sessions.branch(project, p[0], p[2])), b -> ex.sendJson(200, StateJson.branch(b)));
            case 4 -> {
                if (p[3].equals("events")) events(ex, project, p[0], p[2], limit);
                else {
                    String after = StateJson.after(ex.query().get("after"), "snp_");
                    ex.offload(() -> call(() -> sessions.snapshots(project, p[0], p[2], after, limit + 1)),
                            rows -> ex.sendJson(200, StateJson.page(rows, limit, StateJson::snapshot, s -> s.id())));
                }
            }
            default -> ex.offload(() -> call(() -> {
                var s = sessions.snapshot(project, p[4]);
                if (!s.sessionId().equals(p[0]) || !s.branchId().equals(p[2])) throw new ai.zumik.state.StateError.NotFound("snapshot", p[4]);
                return s;
            }), s -> ex.sendJson(200, StateJson.snapshot(s)));
        }
    }

    /** A branch's line, oldest first, inherited events included; {@code after} is a sequence number. */
    private void events(Exchange ex, String project, String sid, String bid, int limit) {
        String raw = ex.query().get("after");
        long after;
        try {
            after = raw == null ? 0 : Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw Params.invalidValue("after", "Invalid 'after': expected a sequence number from a previous page.");
        }
        if (after < 0) throw Params.invalidValue("after", "Invalid 'after': expected a sequence number from a previous page.");
        ex.offload(() -> call(() -> sessions.history(project, sid, bid)), all -> {
            List<Event> rows = all.stream().filter(e -> e.sequence() > after).limit(limit + 1L).toList();
            ObjectNode page = StateJson.page(rows, limit, StateJson::event, e -> Long.toString(e.sequence()));
            ex.sendJson(200, page);
        });
    }

    /** Every POST below {@code /v2/sessions/}: fork a branch, append an event, take a snapshot. */
    public void post(Exchange ex, Buffer body) {
        String[] p = parts(ex);
        String project = ex.principal().projectId();
        ObjectNode req = body == null || body.length() == 0 ? Json.object() : Params.object(body);
        if (p.length == 2) fork(ex, project, p[0], req);
        else if (p.length == 4 && p[3].equals("events")) append(ex, project, p[0], p[2], req);
        else if (p.length == 4) snapshot(ex, project, p[0], p[2], req);
        else throw new ApiError(405, "invalid_request_error", "method_not_allowed", null,
                "POST is not allowed on " + ex.request().path() + ".", null).exception();
    }

    private void fork(Exchange ex, String project, String sid, ObjectNode req) {
        Params.rejectUnknown(req, Set.of("fork_from_branch_id", "fork_from_event_id", "label"));
        String from = Params.requiredString(req, "fork_from_branch_id", "fork_from_branch_id");
        String event = Params.optionalString(req, "fork_from_event_id", "fork_from_event_id");
        if (event != null && !event.startsWith("evt_")) {
            throw Params.invalidValue("fork_from_event_id", "Invalid 'fork_from_event_id': expected an event id (evt_...).");
        }
        String label = Params.optionalString(req, "label", "label");
        if (label != null && label.length() > 200) throw Params.invalidValue("label", "Invalid 'label': at most 200 characters.");
        ex.offload(() -> call(() -> sessions.fork(project, sid, from, event, label)), b -> ex.sendJson(200, StateJson.branch(b)));
    }

    private void append(Exchange ex, String project, String sid, String bid, ObjectNode req) {
        Params.rejectUnknown(req, Set.of("expected_version", "expected_head_event_id", "event"));
        if (!req.has("expected_version")) throw Params.missing("expected_version");
        long version = Params.optionalLong(req, "expected_version", "expected_version", 0, Long.MAX_VALUE);
        if (!req.has("expected_head_event_id")) throw Params.missing("expected_head_event_id");
        String head = Params.optionalString(req, "expected_head_event_id", "expected_head_event_id");
        if (head != null && !head.startsWith("evt_")) {
            throw Params.invalidValue("expected_head_event_id", "Invalid 'expected_head_event_id': an event id (evt_...) or null.");
        }
        if ((version == 0) != (head == null)) {
            throw Params.invalidValue("expected_head_event_id", "Invalid 'expected_head_event_id': null exactly when 'expected_version' is 0.");
        }
        ObjectNode event = Params.optionalObject(req, "event", "event");
        if (event == null) throw Params.missing("event");
        Params.rejectUnknown(event, Set.of("event_type", "payload_ref", "content"));
        String type = Params.oneOf(Params.requiredString(event, "event_type", "event.event_type"), "event.event_type",
                SessionStore.EVENT_TYPES);
        String payload = Params.optionalString(event, "payload_ref", "event.payload_ref");
        String content = Params.optionalString(event, "content", "event.content");
        if (payload != null && content != null) {
            throw Params.invalidValue("event.content", "Invalid 'event': give 'payload_ref' or 'content', not both.");
        }
        if (payload != null && !payload.startsWith("art_")) {
            throw Params.invalidValue("event.payload_ref", "Invalid 'event.payload_ref': expected an artifact id (art_...).");
        }
        if (content != null && content.getBytes(StandardCharsets.UTF_8).length > ArtifactStore.MAX_CONTENT_BYTES) {
            throw ApiError.invalid("event.content", "content_too_large", "Invalid 'event.content': at most 1 MiB of UTF-8.").exception();
        }
        var add = List.of(new SessionStore.NewEvent(type, payload, content));
        ex.offload(() -> call(() -> sessions.append(project, sid, bid, version, head, add).getFirst()),
                e -> ex.sendJson(200, StateJson.event(e)));
    }

    private void snapshot(Exchange ex, String project, String sid, String bid, ObjectNode req) {
        Params.rejectUnknown(req, Set.of("prompt_compiler_revision", "ordered_block_manifest"));
        String revision = Params.optionalString(req, "prompt_compiler_revision", "prompt_compiler_revision");
        ArrayNode manifest = Params.optionalArray(req, "ordered_block_manifest", "ordered_block_manifest");
        if (manifest != null && manifest.size() > 10_000) {
            throw Params.invalidValue("ordered_block_manifest", "Invalid 'ordered_block_manifest': at most 10,000 blocks.");
        }
        ex.offload(() -> call(() -> compiler.compile(project, sid, bid, revision, manifest)),
                s -> ex.sendJson(200, StateJson.snapshot(s)));
    }

    /** Every DELETE below {@code /v2/sessions/}: a session, a branch, a snapshot. */
    public void delete(Exchange ex) {
        String[] p = parts(ex);
        String project = ex.principal().projectId();
        switch (p.length) {
            case 1 -> ex.offload(() -> call(() -> {
                sessions.revokeSession(project, p[0]);
                return p[0];
            }), id -> ex.sendJson(200, ArtifactsHandler.deleted(id, "session.deleted")));
            case 3 -> ex.offload(() -> call(() -> {
                sessions.revokeBranch(project, p[0], p[2]);
                return p[2];
            }), id -> ex.sendJson(200, ArtifactsHandler.deleted(id, "session_branch.deleted")));
            case 5 -> ex.offload(() -> call(() -> {
                sessions.revokeSnapshot(project, p[0], p[2], p[4]);
                return p[4];
            }), id -> ex.sendJson(200, ArtifactsHandler.deleted(id, "snapshot.deleted")));
            default -> throw new ApiError(405, "invalid_request_error", "method_not_allowed", null,
                    "DELETE is not allowed on " + ex.request().path() + ".", null).exception();
        }
    }
}
