package ai.zumik.state;

import ai.zumik.ids.Sha256;
import ai.zumik.ids.Ids;
import ai.zumik.json.Json;
import ai.zumik.state.StateObjects.Artifact;
import ai.zumik.state.StateObjects.Bundle;
import ai.zumik.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Artifacts and bundles: immutable once created, scoped to a project, revoked by DELETE (the
 * handle stops resolving at once; the bytes stay until a purge). Every method blocks.
 */
public final class ArtifactStore {
    /** The largest artifact content, in UTF-8 bytes. */
    public static final int MAX_CONTENT_BYTES = 1024 * 1024;
    public static final Set<String> ARTIFACT_TYPES = Set.of("text_context", "tool_bundle_source", "response_schema",
            "document", "retrieval_chunk", "policy", "checkpoint", "compaction_summary", "binary_attachment");
    public static final Set<String> RETENTION = Set.of("ephemeral", "standard", "extended");
    public static final Set<String> ROLES = Set.of("system", "developer", "tools", "schema", "response_schema", "context");

    private final Database db;
    private final Clock clock;

    public ArtifactStore(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    public Artifact create(String project, String type, String mediaType, String retention, ObjectNode metadata, String content) {
        long now = clock.millis();
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        Artifact a = new Artifact(Ids.next("art_", now), project, type, mediaType, retention, metadata, content,
                bytes.length, Sha256.hex(bytes), now);
        db.call(c -> insert(c, a));
        return a;
    }

    /** Inserts {@code a} on {@code c} (inside a caller's transaction). */
    static int insert(Connection c, Artifact a) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_ARTIFACT)) {
            bind(ps, a);
            return ps.executeUpdate();
        }
    }

    static final String INSERT_ARTIFACT_COLUMNS = "INSERT INTO artifacts (id, project_id, artifact_type, content_media_type, "
            + "retention_class, metadata, content, size_bytes, content_sha256, created_at)";
    private static final String INSERT_ARTIFACT = INSERT_ARTIFACT_COLUMNS + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    /** An artifact's row in {@link #INSERT_ARTIFACT_COLUMNS} order. */
    static Object[] row(Artifact a) {
        return new Object[] {a.id(), a.projectId(), a.artifactType(), a.mediaType(), a.retentionClass(), Json.text(a.metadata()),
                a.content(), a.sizeBytes(), a.sha256(), a.createdAtMs()};
    }

    private static void bind(PreparedStatement ps, Artifact a) throws SQLException {
        Database.bindAll(ps, row(a));
    }

    /** A text artifact made by Zumik itself (a turn's input or output), not yet stored. */
    static Artifact textArtifact(String project, String type, String content, long now) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        return new Artifact(Ids.next("art_", now), project, type, "text/plain", "standard", Json.object(), content,
                bytes.length, Sha256.hex(bytes), now);
    }

    /** Inserts {@code all} as one JDBC batch on the caller's transaction. */
    static void insertAll(Connection c, List<Artifact> all) throws SQLException {
        if (all.isEmpty()) return;
        try (PreparedStatement ps = c.prepareStatement(INSERT_ARTIFACT)) {
            for (Artifact a : all) {
                bind(ps, a);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    public Artifact artifact(String project, String id) {
        return db.call(c -> find(c, project, id)).orElseThrow(() -> new StateError.NotFound("artifact", id));
    }

    static Optional<Artifact> find(Connection c, String project, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT_ARTIFACT + " WHERE project_id = ? AND id = ? AND revoked_at IS NULL")) {
            ps.setString(1, project);
            ps.setString(2, id);
            ResultSet rs = ps.executeQuery();
            return rs.next() ? Optional.of(artifact(rs)) : Optional.empty();
        }
    }

    /** Up to {@code limit} artifacts after {@code after} (an id), oldest first. */
    public List<Artifact> artifacts(String project, String after, int limit) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_ARTIFACT
                    + " WHERE project_id = ? AND revoked_at IS NULL AND id > ? ORDER BY id LIMIT ?")) {
                ps.setString(1, project);
                ps.setString(2, after == null ? "" : after);
                ps.setInt(3, limit);
                ResultSet rs = ps.executeQuery();
                List<Artifact> out = new ArrayList<>();
                while (rs.next()) out.add(artifact(rs));
                return out;
            }
        });
    }

    public void revokeArtifact(String project, String id) {
        revoke("artifacts", "artifact", project, id);
    }

    public Bundle createBundle(String project, String type, ArrayNode items) {
        long now = clock.millis();
        Bundle b = new Bundle(Ids.next("bnd_", now), project, type, items, now);
        db.writeTransaction(c -> {
            for (int i = 0; i < items.size(); i++) {
                String art = items.get(i).get("artifact_id").textValue();
                if (find(c, project, art).isEmpty()) {
                    throw new StateError.Invalid("items[" + i + "].artifact_id", "artifact_not_found",
                            "Invalid 'items[" + i + "].artifact_id': no artifact '" + art + "' exists in this project.");
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO bundles (id, project_id, bundle_type, items, created_at) "
                    + "VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, b.id());
                ps.setString(2, project);
                ps.setString(3, type);
                ps.setString(4, Json.text(items));
                ps.setLong(5, now);
                return ps.executeUpdate();
            }
        });
        return b;
    }

    public Bundle bundle(String project, String id) {
        return db.call(c -> findBundle(c, project, id)).orElseThrow(() -> new StateError.NotFound("bundle", id));
    }

    static Optional<Bundle> findBundle(Connection c, String project, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id, project_id, bundle_type, items, created_at FROM bundles "
                + "WHERE project_id = ? AND id = ? AND revoked_at IS NULL")) {
            ps.setString(1, project);
            ps.setString(2, id);
            ResultSet rs = ps.executeQuery();
            return rs.next() ? Optional.of(bundle(rs)) : Optional.empty();
        }
    }

    /** The live bundles among {@code ids}, by id, in one query. */
    static java.util.Map<String, Bundle> findBundles(Connection c, String project, List<String> ids) throws SQLException {
        java.util.Map<String, Bundle> out = new java.util.HashMap<>();
        Database.selectIn(c, "SELECT id, project_id, bundle_type, items, created_at FROM bundles "
                + "WHERE project_id = ? AND revoked_at IS NULL AND id", ids, rs -> {
                    Bundle b = bundle(rs);
                    out.put(b.id(), b);
                }, project);
        return out;
    }

    public List<Bundle> bundles(String project, String after, int limit) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, project_id, bundle_type, items, created_at FROM bundles "
                    + "WHERE project_id = ? AND revoked_at IS NULL AND id > ? ORDER BY id LIMIT ?")) {
                ps.setString(1, project);
                ps.setString(2, after == null ? "" : after);
                ps.setInt(3, limit);
                ResultSet rs = ps.executeQuery();
                List<Bundle> out = new ArrayList<>();
                while (rs.next()) out.add(bundle(rs));
                return out;
            }
        });
    }

    /** Revokes a bundle and bumps the project's state epoch in the same transaction (see {@link StateCache}). */
    public void revokeBundle(String project, String id) {
        db.writeTransaction(c -> {
            if (revokeOn(c, "bundles", project, id) == 0) throw new StateError.NotFound("bundle", id);
            bumpStateEpoch(c, project);
            return null;
        });
    }

    /** Retires every replica's cached bundle items of the project ({@link StateCache}). */
    public static void bumpStateEpoch(Connection c, String project) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE projects SET state_epoch = state_epoch + 1 WHERE id = ?")) {
            ps.setString(1, project);
            ps.executeUpdate();
        }
    }

    private void revoke(String table, String kind, String project, String id) {
        if (db.call(c -> revokeOn(c, table, project, id)) == 0) throw new StateError.NotFound(kind, id);
    }

    private int revokeOn(Connection c, String table, String project, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET revoked_at = ? "
                + "WHERE project_id = ? AND id = ? AND revoked_at IS NULL")) {
            ps.setLong(1, clock.millis());
            ps.setString(2, project);
            ps.setString(3, id);
            return ps.executeUpdate();
        }
    }

    private static final String SELECT_ARTIFACT = "SELECT id, project_id, artifact_type, content_media_type, retention_class, "
            + "metadata, content, size_bytes, content_sha256, created_at FROM artifacts";

    private static Artifact artifact(ResultSet rs) throws SQLException {
        return new Artifact(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                (ObjectNode) tree(rs.getString(6)), rs.getString(7), rs.getLong(8), rs.getString(9), rs.getLong(10));
    }

    private static Bundle bundle(ResultSet rs) throws SQLException {
        return new Bundle(rs.getString(1), rs.getString(2), rs.getString(3), (ArrayNode) tree(rs.getString(4)), rs.getLong(5));
    }

    static JsonNode tree(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("stored JSON is unreadable", e);
        }
    }
}
