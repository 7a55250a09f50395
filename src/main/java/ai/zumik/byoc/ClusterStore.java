package ai.zumik.byoc;

import ai.zumik.inference.ExecutionProfile;
import ai.zumik.json.Json;
import ai.zumik.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** JDBC access to {@code byoc_clusters} and {@code byoc_activations}. Blocking. */
final class ClusterStore {
    private static final String CLUSTER_COLUMNS = "id, project_id, name, base_url, flavour, region, models, sealed_api_key, "
            + "key_fingerprint, created_at, heartbeat_at, healthy, load_fraction, queue_depth, cached_tokens_reporting, reported_models, "
            + "ttft_p50_ms, latency_p50_ms";
    private static final String ACTIVATION_COLUMNS = "id, project_id, cluster_id, model, replay_run_id, alias, weight, status, "
            + "criteria, evidence, alias_release_id, created_at, created_by, deactivated_at, deactivation_release_id";

    private final Database db;

    ClusterStore(Database db) {
        this.db = db;
    }

    // ---- clusters ----

    void insert(Cluster c) {
        db.call(conn -> Database.execute(conn, "INSERT INTO byoc_clusters (id, project_id, name, base_url, flavour, region, models, "
                        + "sealed_api_key, key_fingerprint, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", c.id(), c.projectId(),
                c.name(), c.baseUrl(), c.flavour().wire(), c.region(), strings(c.models()), c.sealedApiKey(), c.keyFingerprint(),
                c.createdAtMs()));
    }

    Optional<Cluster> find(String projectId, String id) {
        List<Cluster> found = clusters("WHERE project_id = ? AND id = ?", projectId, id);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
    }

    List<Cluster> list(String projectId) {
        return clusters("WHERE project_id = ? ORDER BY id", projectId);
    }

    /** Every cluster of every project: what each replica's directory holds. */
    List<Cluster> all() {
        return clusters("");
    }

    /** Records the latest heartbeat; false when the project has no such cluster. */
    boolean heartbeat(String projectId, String id, Heartbeat h) {
        return db.call(c -> Database.execute(c, "UPDATE byoc_clusters SET heartbeat_at = ?, healthy = ?, load_fraction = ?, queue_depth = ?, "
                        + "cached_tokens_reporting = ?, reported_models = ?, ttft_p50_ms = ?, latency_p50_ms = ? "
                        + "WHERE project_id = ? AND id = ?", h.atMs(), h.healthy() ? 1 : 0, h.load(), h.queueDepth(),
                h.cachedTokensReporting() == null ? null : h.cachedTokensReporting() ? 1 : 0,
                h.models() == null ? null : strings(h.models()), h.ttftP50Ms(), h.latencyP50Ms(), projectId, id)) == 1;
    }

    /**
     * Deletes a cluster and its activation history, only while it has no active activation (one
     * guarded statement, so an activation racing the delete either lands first and stops it, or
     * finds the cluster gone). Returns false when an active activation kept it.
     */
    boolean delete(String projectId, String id) {
        return db.transaction(c -> {
            int n = Database.execute(c, "DELETE FROM byoc_clusters WHERE project_id = ? AND id = ? AND NOT EXISTS (SELECT 1 FROM "
                    + "byoc_activations a WHERE a.cluster_id = byoc_clusters.id AND a.status = 'active')", projectId, id);
            if (n == 0) return false;
            Database.execute(c, "DELETE FROM byoc_activations WHERE project_id = ? AND cluster_id = ?", projectId, id);
            return true;
        });
    }

    long purgeProject(String projectId) {
        return db.transaction(c -> {
            Database.execute(c, "DELETE FROM byoc_activations WHERE project_id = ?", projectId);
            return (long) Database.execute(c, "DELETE FROM byoc_clusters WHERE project_id = ?", projectId);
        });
    }

    // ---- activations ----

    /** False when the (cluster, model) pair already has an active activation (the unique partial index). */
    boolean insert(Activation a) {
        return db.call(c -> Database.execute(c, "INSERT INTO byoc_activations (" + ACTIVATION_COLUMNS + ") VALUES "
                        + "(?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, NULL, NULL) ON CONFLICT DO NOTHING", a.id(), a.projectId(),
                a.clusterId(), a.model(), a.replayRunId(), a.alias(), a.weight(), Json.text(a.criteria()), Json.text(a.evidence()),
                a.aliasReleaseId(), a.createdAtMs(), a.createdBy())) == 1;
    }

    void setAliasRelease(String id, String releaseId) {
        db.call(c -> Database.execute(c, "UPDATE byoc_activations SET alias_release_id = ? WHERE id = ?", releaseId, id));
    }

    void remove(String id) {
        db.call(c -> Database.execute(c, "DELETE FROM byoc_activations WHERE id = ?", id));
    }

    /** {@code active → deactivated}; false when it was no longer active. */
    boolean deactivate(String id, long now) {
        return db.call(c -> Database.execute(c, "UPDATE byoc_activations SET status = 'deactivated', deactivated_at = ? WHERE id = ? "
                + "AND status = 'active'", now, id)) == 1;
    }

    void reactivate(String id) {
        db.call(c -> Database.execute(c, "UPDATE byoc_activations SET status = 'active', deactivated_at = NULL WHERE id = ?", id));
    }

    void setDeactivationRelease(String id, String releaseId) {
        db.call(c -> Database.execute(c, "UPDATE byoc_activations SET deactivation_release_id = ? WHERE id = ?", releaseId, id));
    }

    Optional<Activation> activation(String projectId, String clusterId, String id) {
        List<Activation> found = activations("WHERE project_id = ? AND cluster_id = ? AND id = ?", projectId, clusterId, id);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.getFirst());
    }

    List<Activation> activations(String projectId, String clusterId) {
        return activations("WHERE project_id = ? AND cluster_id = ? ORDER BY id DESC", projectId, clusterId);
    }

    /** Every active activation of every project. */
    List<Activation> allActive() {
        return activations("WHERE status = 'active'");
    }

    // ---- SQL ----

    private List<Cluster> clusters(String where, Object... args) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + CLUSTER_COLUMNS + " FROM byoc_clusters " + where)) {
                Database.bindAll(ps, args);
                ResultSet rs = ps.executeQuery();
                List<Cluster> out = new ArrayList<>();
                while (rs.next()) out.add(cluster(rs));
                return out;
            }
        });
    }

    private List<Activation> activations(String where, Object... args) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + ACTIVATION_COLUMNS + " FROM byoc_activations " + where)) {
                Database.bindAll(ps, args);
                ResultSet rs = ps.executeQuery();
                List<Activation> out = new ArrayList<>();
                while (rs.next()) {
                    int weight = rs.getInt(7);
                    Integer w = rs.wasNull() ? null : weight;
                    long deactivated = rs.getLong(14);
                    Long d = rs.wasNull() ? null : deactivated;
                    out.add(new Activation(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getString(6), w, "active".equals(rs.getString(8)), (ObjectNode) tree(rs.getString(9)),
                            (ObjectNode) tree(rs.getString(10)), rs.getString(11), rs.getLong(12), rs.getString(13), d,
                            rs.getString(15)));
                }
                return out;
            }
        });
    }

    private static Cluster cluster(ResultSet rs) throws SQLException {
        Heartbeat h = null;
        long at = rs.getLong(11);
        if (!rs.wasNull()) {
            long queue = rs.getLong(14);
            Long queueDepth = rs.wasNull() ? null : queue;
            int cached = rs.getInt(15);
            Boolean reporting = rs.wasNull() ? null : cached == 1;
            String reported = rs.getString(16);
            long ttft = rs.getLong(17);
            Long ttftMs = rs.wasNull() ? null : ttft;
            long latency = rs.getLong(18);
            Long latencyMs = rs.wasNull() ? null : latency;
            h = new Heartbeat(at, rs.getInt(12) == 1, rs.getDouble(13), queueDepth, reporting,
                    reported == null ? null : strings(reported), ttftMs, latencyMs);
        }
        return new Cluster(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                ExecutionProfile.parse(rs.getString(5)), rs.getString(6), strings(rs.getString(7)), rs.getString(8),
                rs.getString(9), rs.getLong(10), h);
    }

    private static String strings(List<String> values) {
        ArrayNode a = Json.array();
        values.forEach(a::add);
        return Json.text(a);
    }

    private static List<String> strings(String json) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : tree(json)) out.add(n.asText());
        return List.copyOf(out);
    }

    private static JsonNode tree(String json) {
        try {
            return Json.parse(json.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("stored JSON is unreadable", e);
        }
    }
}
