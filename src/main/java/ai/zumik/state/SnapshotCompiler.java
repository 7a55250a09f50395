package ai.zumik.state;

import ai.zumik.ids.Sha256;
import ai.zumik.ids.Ids;
import ai.zumik.json.Json;
import ai.zumik.state.StateObjects.Artifact;
import ai.zumik.state.StateObjects.Branch;
import ai.zumik.state.StateObjects.Bundle;
import ai.zumik.state.StateObjects.Event;
import ai.zumik.state.StateObjects.Session;
import ai.zumik.state.StateObjects.Snapshot;
import ai.zumik.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Prompt compiler {@code pc_1}: turns a branch head into a snapshot, and a snapshot into the
 * model-visible blocks of a chat request.
 *
 * <p>Compiling orders blocks from most stable to most volatile, so the same session's turns share
 * the longest possible prefix (and providers' prefix caches hit): the session's base bundles' items
 * in their own order (system and developer policy, tools, response schema, context), then the
 * branch's events oldest first. The snapshot pins that order, the content digest of every artifact
 * it reaches, the compiler revision and the branch head; materializing it reads those exact
 * artifact versions, so the same snapshot always yields the same bytes, even after its bundles were
 * deleted. It fails, naming the snapshot, once an artifact it pins was purged.
 */
public final class SnapshotCompiler {
    public static final String REVISION = "pc_1";
    /** Serialization revisions of what {@code pc_1} produces; part of every materialization key. */
    static final String TOOL_SERIALIZATION = "tools_openai_1";
    static final String SCHEMA_SERIALIZATION = "schema_openai_json_schema_1";

    private final Database db;
    private final Clock clock;
    private final StateCache cache;

    public SnapshotCompiler(Database db, Clock clock, StateCache cache) {
        this.db = db;
        this.clock = clock;
        this.cache = cache;
    }

    /**
     * Compiles and stores a snapshot of the branch's head. With {@code manifest} the client's own
     * ordered block manifest is kept exactly (each entry checked: an artifact of the project, an
     * event on the branch's line, or an opaque {@code blk_} block); without it the compiler builds one.
     */
    public Snapshot compile(String project, String sessionId, String branchId, String revision, ArrayNode manifest) {
        checkRevision(revision);
        return db.writeTransaction(c -> {
            Session session = SessionStore.findSession(c, project, sessionId).orElseThrow(() -> new StateError.NotFound("session", sessionId));
            Branch branch = SessionStore.findBranch(c, project, sessionId, branchId).orElseThrow(() -> new StateError.NotFound("branch", branchId));
            Compiled compiled = compileOn(c, project, session.baseBundleIds(), branch, manifest, null);
            SessionStore.insertSnapshot(c, compiled.snapshot());
            return compiled.snapshot();
        });
    }

    /**
     * A snapshot, what it materializes to, its stored form, and the project's namespace generation
     * it was read under (null when none was read): a turn's record lands only while the generation
     * still holds, so nothing read before a purge is written back after it.
     */
    public record Compiled(Snapshot snapshot, Materialized materialized, Serialized serialized, Long generation) {}

    /** How many blocks a stored chunk holds (see {@link Serialized}). */
    static final int CHUNK_BLOCKS = 16;

    /**
     * A snapshot as stored: its blocks and artifact versions in chunks of {@value #CHUNK_BLOCKS}
     * blocks, each named by the SHA-256 of its JSON and stored once per session, the list of those
     * digests, and the digest of its ordered block manifest (part of every materialization key; the
     * manifest is always the blocks' refs, so it is not stored). Successive turns on one line share
     * every full chunk: a turn stores its digest list and its last chunk, not the whole line again.
     * The same for every snapshot of one compiled line, so a turn on a cached line takes it from its
     * {@link StateCache.Body}.
     */
    public record Serialized(List<Chunk> chunks, String chunkDigests, String manifestDigest) {
        /** Blocks {@code 16i .. 16i+15} and the versions of the artifacts they name (first mention first). */
        public record Chunk(String digest, String blocks, String artifactVersions) {}

        public static Serialized of(Snapshot s) {
            return of(s.orderedBlockManifest(), s.artifactVersions(), s.blocks());
        }

        static Serialized of(ArrayNode ordered, ObjectNode versions, ArrayNode blocks) {
            List<Chunk> chunks = new ArrayList<>(blocks.size() / CHUNK_BLOCKS + 1);
            ArrayNode digests = Json.array();
            for (int from = 0; from < blocks.size(); from += CHUNK_BLOCKS) {
                ArrayNode part = Json.array();
                ObjectNode partVersions = Json.object();
                for (int i = from; i < Math.min(blocks.size(), from + CHUNK_BLOCKS); i++) {
                    JsonNode b = blocks.get(i);
                    part.add(b);
                    String art = b.path("artifact_id").asText(null);
                    if (art != null && !partVersions.has(art) && versions.has(art)) partVersions.set(art, versions.get(art));
                }
                String blocksText = Json.text(part);
                String versionsText = Json.text(partVersions);
                String digest = Sha256.hex((blocksText + "\n" + versionsText).getBytes(StandardCharsets.UTF_8));
                chunks.add(new Chunk(digest, blocksText, versionsText));
                digests.add(digest);
            }
            return new Serialized(List.copyOf(chunks), Json.text(digests), Sha256.hex(Json.bytes(ordered)));
        }
    }

    /**
     * For a turn: the head of {@code branchId} (or of the session's default branch when only
     * {@code sessionId} is given) compiled and materialized, not yet stored (the turn's record
     * stores it: {@link SessionStore#recordTurn}). One query reads the head with the project's
     * generation and state epoch; the line, the bundles and the artifacts come from the
     * {@link StateCache} as far as it holds them under those, and otherwise one query each.
     */
    public Compiled compileForTurn(String project, String sessionId, String branchId) {
        return db.call(c -> {
            SessionStore.Head head = SessionStore.head(db, c, project, sessionId, branchId);
            return compileOn(c, project, head.baseBundleIds(), head.branch(), null, head.tag());
        });
    }

    /**
     * @param tag the generation and epoch read with the head, under which the cache may serve; null
     *     reads everything. A compiled line's body comes from the cache whole when it holds it.
     */
    private Compiled compileOn(Connection c, String project, List<String> baseBundleIds, Branch branch, ArrayNode manifest,
                               StateCache.Tag tag) throws SQLException {
        long now = clock.millis();
        String id = Ids.next("snp_", now);
        boolean own = manifest == null || manifest.isEmpty();
        StateCache.Body body = own && tag != null
                ? cache.body(project, branch.headEventId(), branch.version(), baseBundleIds, tag) : null;
        if (body == null) {
            body = compileBody(c, id, project, baseBundleIds, branch, own ? null : manifest, tag == null ? null : cache, tag);
            if (own && tag != null) cache.putBody(project, branch.headEventId(), branch.version(), baseBundleIds, tag, body);
        }
        Snapshot s = new Snapshot(id, project, branch.sessionId(), branch.id(), branch.version(), branch.headEventId(), REVISION,
                own ? body.ordered() : manifest.deepCopy(), body.versions(), body.blocks(), now);
        Materialized m = body.materialized();
        // The request built from it is the caller's to change: a copy, never the cached nodes.
        return new Compiled(s, new Materialized(m.messages().deepCopy(), m.tools().deepCopy(),
                m.responseFormat() == null ? null : m.responseFormat().deepCopy()), own ? body.serialized() : Serialized.of(s),
                tag == null ? null : tag.generation());
    }

    private static StateCache.Body compileBody(Connection c, String snapshotId, String project, List<String> baseBundleIds,
                                               Branch branch, ArrayNode manifest, StateCache cache, StateCache.Tag tag)
            throws SQLException {
        List<Event> history = SessionStore.history(c, branch, branch.version(), cache, tag);
        ArrayNode blocks = Json.array();
        if (manifest == null) compiled(c, project, baseBundleIds, history, blocks, cache, tag);
        else given(c, project, manifest, history, blocks);
        Map<String, StateCache.Content> artifacts = artifacts(c, project, blocks, cache, tag);
        ObjectNode versions = Json.object();
        for (JsonNode b : blocks) {
            String art = b.path("artifact_id").asText(null);
            if (art == null || versions.has(art)) continue;
            StateCache.Content found = artifacts.get(art);
            if (found == null) {
                throw new StateError.Invalid(b.path("ref").asText().startsWith("evt_") ? "branch_id" : "session_id", "artifact_not_found",
                        "Artifact '" + art + "' that this state refers to was purged.");
            }
            versions.put(art, found.sha256());
        }
        ArrayNode ordered = Json.array();
        for (JsonNode b : blocks) ordered.add(b.get("ref").textValue());
        return new StateCache.Body(ordered, versions, blocks, materialize(snapshotId, versions, blocks, artifacts),
                Serialized.of(ordered, versions, blocks));
    }

    private static void checkRevision(String revision) {
        if (revision != null && !revision.equals(REVISION)) {
            throw new StateError.Invalid("prompt_compiler_revision", "unsupported_value", "Invalid 'prompt_compiler_revision': '"
                    + revision + "'. This Zumik compiles with '" + REVISION + "'.");
        }
    }

    private static void compiled(Connection c, String project, List<String> baseBundleIds, List<Event> history, ArrayNode blocks,
                                 StateCache cache, StateCache.Tag tag) throws SQLException {
        Map<String, ArrayNode> items = new HashMap<>();
        List<String> unknown = new ArrayList<>();
        for (String bundleId : baseBundleIds) {
            ArrayNode known = cache == null ? null : cache.bundleItems(project, bundleId, tag);
            if (known != null) items.put(bundleId, known);
            else unknown.add(bundleId);
        }
        for (Bundle b : ArtifactStore.findBundles(c, project, unknown).values()) {
            items.put(b.id(), b.items());
            if (cache != null) cache.putBundleItems(project, b.id(), b.items(), tag);
        }
        for (String bundleId : baseBundleIds) {
            ArrayNode bundle = items.get(bundleId);
            if (bundle == null) {
                throw new StateError.Invalid("session_id", "bundle_not_found", "The session's base bundle '" + bundleId + "' was deleted.");
            }
            for (JsonNode item : bundle) {
                String art = item.get("artifact_id").textValue();
                blocks.addObject().put("ref", art).put("role", item.get("role").textValue()).put("artifact_id", art);
            }
        }
        for (Event e : history) addEvent(e, blocks);
    }

    private static void given(Connection c, String project, ArrayNode manifest, List<Event> history, ArrayNode blocks)
            throws SQLException {
        Map<String, Event> onLine = new HashMap<>();
        for (Event e : history) onLine.put(e.id(), e);
        for (int i = 0; i < manifest.size(); i++) {
            String p = "ordered_block_manifest[" + i + "]";
            JsonNode entry = manifest.get(i);
            if (!entry.isTextual()) throw new StateError.Invalid(p, "invalid_type", "Invalid '" + p + "': expected a block id string.");
            String ref = entry.textValue();
            if (ref.startsWith("art_")) {
                Artifact a = ArtifactStore.find(c, project, ref).orElseThrow(() -> new StateError.Invalid(p, "artifact_not_found",
                        "Invalid '" + p + "': no artifact '" + ref + "' exists in this project."));
                blocks.addObject().put("ref", ref).put("role", roleOf(a.artifactType())).put("artifact_id", ref);
            } else if (ref.startsWith("evt_")) {
                Event e = onLine.get(ref);
                if (e == null) {
                    throw new StateError.Invalid(p, "event_not_found", "Invalid '" + p + "': no event '" + ref + "' is on this branch.");
                }
                addEvent(e, blocks);
            } else if (ref.startsWith("blk_")) {
                blocks.addObject().put("ref", ref).putNull("role").putNull("artifact_id");
            } else {
                throw new StateError.Invalid(p, "invalid_value", "Invalid '" + p + "': '" + ref
                        + "' is not an artifact (art_), event (evt_) or block (blk_) id.");
            }
        }
    }

    private static void addEvent(Event e, ArrayNode blocks) {
        ObjectNode b = blocks.addObject().put("ref", e.id()).put("role", roleOfEvent(e.eventType()));
        if (e.payloadRef() != null) b.put("artifact_id", e.payloadRef());
        else b.putNull("artifact_id");
    }

    /**
     * The digest and content of every artifact {@code blocks} name whose content still exists (a
     * revoked handle still pins: snapshots keep what they saw): from the cache under {@code tag},
     * the rest in one query, then kept.
     */
    private static Map<String, StateCache.Content> artifacts(Connection c, String project, ArrayNode blocks, StateCache cache,
                                                             StateCache.Tag tag) throws SQLException {
        Map<String, StateCache.Content> out = new HashMap<>();
        List<String> ids = new ArrayList<>();
        for (JsonNode b : blocks) {
            String art = b.path("artifact_id").asText(null);
            if (art == null || out.containsKey(art) || ids.contains(art)) continue;
            StateCache.Content known = cache == null ? null : cache.content(project, art, tag);
            if (known != null) out.put(art, known);
            else ids.add(art);
        }
        Database.selectIn(c, "SELECT id, content_sha256, content FROM artifacts WHERE project_id = ? AND content IS NOT NULL AND id",
                ids, rs -> {
                    StateCache.Content content = new StateCache.Content(rs.getString(2), rs.getString(3));
                    out.put(rs.getString(1), content);
                    if (cache != null) cache.putContent(project, rs.getString(1), content, tag);
                }, project);
        return out;
    }

    private static String roleOf(String artifactType) {
        return switch (artifactType) {
            case "tool_bundle_source" -> "tools";
            case "response_schema" -> "response_schema";
            case "checkpoint", "compaction_summary" -> "checkpoint";
            default -> "context";
        };
    }

    private static String roleOfEvent(String eventType) {
        return switch (eventType) {
            case "user_message" -> "user";
            case "assistant_message" -> "assistant";
            case "tool_result", "retrieval_result" -> "context_turn";
            case "checkpoint" -> "checkpoint";
            default -> "note";
        };
    }

    // ---- materialization ----------------------------------------------------------------------

    /** The model-visible part of a chat request a snapshot makes: messages, tools, response format. */
    public record Materialized(ArrayNode messages, ArrayNode tools, ObjectNode responseFormat) {}

    /**
     * The snapshot's blocks as chat request parts, from exactly the artifact versions it pinned:
     * system, developer and context blocks and checkpoints as system (developer) messages, tools as
     * {@code tools}, a response schema as {@code response_format}, user and assistant events as
     * those turns, tool and retrieval results as user turns; notes and opaque blocks are not shown
     * to the model.
     */
    public Materialized materialize(String project, Snapshot s) {
        return db.call(c -> materialize(s.id(), s.artifactVersions(), s.blocks(), artifacts(c, project, s.blocks(), null, null)));
    }

    private static Materialized materialize(String snapshotId, ObjectNode artifactVersions, ArrayNode blocks,
                                            Map<String, StateCache.Content> artifacts) {
        ArrayNode messages = Json.array();
        ArrayNode tools = Json.array();
        ObjectNode format = null;
        for (JsonNode block : blocks) {
            String role = block.path("role").asText(null);
            String art = block.path("artifact_id").asText(null);
            if (role == null || art == null || role.equals("note")) continue;
            StateCache.Content found = artifacts.get(art);
            if (found == null) {
                throw new StateError.Invalid("snapshot_id", "snapshot_unavailable", "Snapshot '" + snapshotId
                        + "' cannot be materialized: artifact '" + art + "' it pins was purged.");
            }
            if (!found.sha256().equals(artifactVersions.path(art).asText())) {
                throw new IllegalStateException("artifact " + art + " changed under snapshot " + snapshotId);
            }
            String text = found.text();
            switch (role) {
                case "tools" -> {
                    JsonNode parsed = parse(text, snapshotId, art);
                    if (!(parsed instanceof ArrayNode list)) throw unusable(snapshotId, art, "a tools block must be a JSON array");
                    tools.addAll(list);
                }
                case "response_schema", "schema" -> {
                    JsonNode schema = parse(text, snapshotId, art);
                    if (!schema.isObject()) throw unusable(snapshotId, art, "a response schema must be a JSON object");
                    format = Json.object().put("type", "json_schema");
                    format.putObject("json_schema").put("name", "response").put("strict", true).set("schema", schema);
                }
                case "developer" -> messages.addObject().put("role", "developer").put("content", text);
                case "user", "context_turn" -> messages.addObject().put("role", "user").put("content", text);
                case "assistant" -> messages.addObject().put("role", "assistant").put("content", text);
                default -> messages.addObject().put("role", "system").put("content", text); // system, context, checkpoint
            }
        }
        return new Materialized(messages, tools, format);
    }

    private static JsonNode parse(String text, String snapshotId, String art) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (java.io.IOException e) {
            throw unusable(snapshotId, art, "its content is not JSON");
        }
    }

    private static StateError unusable(String snapshotId, String art, String why) {
        return new StateError.Invalid("snapshot_id", "snapshot_unusable", "Snapshot '" + snapshotId + "' cannot be materialized: "
                + "artifact '" + art + "': " + why + ".");
    }

    /**
     * The materialization key (digest §4.1): SHA-256 over the length-prefixed snapshot id, compiler
     * revision, tokenizer, chat template, tool and schema serialization revisions, and the digest of
     * the ordered block manifest. Equal keys mean the target was sent the same model-visible bytes.
     */
    public static String materializationKey(Snapshot s, String provider) {
        return forProvider(s, Sha256.hex(Json.bytes(s.orderedBlockManifest())), provider);
    }

    /** {@link #materializationKey(Snapshot, String)} with the manifest's digest taken from {@code text}, {@code s}'s stored form. */
    public static String materializationKey(Snapshot s, Serialized text, String provider) {
        return forProvider(s, text.manifestDigest(), provider);
    }

    private static String forProvider(Snapshot s, String manifestDigest, String provider) {
        String tokenizer = switch (provider) {
            case "openai" -> "o200k_base";
            case "anthropic" -> "claude_tokenizer_1";
            case "gemini" -> "gemini_sentencepiece_1";
            case "xai" -> "grok_tokenizer_1";
            default -> provider + "_tokenizer_1";
        };
        return materializationKey(s, manifestDigest, tokenizer, "chat_template_" + provider + "_1");
    }

    static String materializationKey(Snapshot s, String tokenizerRevision, String chatTemplateRevision) {
        return materializationKey(s, Sha256.hex(Json.bytes(s.orderedBlockManifest())), tokenizerRevision, chatTemplateRevision);
    }

    private static String materializationKey(Snapshot s, String manifestDigest, String tokenizerRevision,
                                             String chatTemplateRevision) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String field : new String[] {s.id(), s.promptCompilerRevision(), tokenizerRevision, chatTemplateRevision,
                TOOL_SERIALIZATION, SCHEMA_SERIALIZATION, manifestDigest}) {
            byte[] b = field.getBytes(StandardCharsets.UTF_8);
            out.writeBytes(ByteBuffer.allocate(8).putLong(b.length).array());
            out.writeBytes(b);
        }
        return "mk_" + Sha256.hex(out.toByteArray());
    }
}
