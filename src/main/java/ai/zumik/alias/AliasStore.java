package ai.zumik.alias;

import ai.zumik.inference.ExecutionProfile;
import ai.zumik.json.Json;
import ai.zumik.provider.ProviderId;
import ai.zumik.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/** JDBC access to alias releases. Blocking. */
final class AliasStore {
    private static final String COLUMNS =
            "id, project_id, alias, status, policy_revision, capability_manifest_revision, targets, created_at";

    private final Database db;

    AliasStore(Database db) {
        this.db = db;
    }

    List<AliasRelease> active() {
        return query("SELECT " + COLUMNS + " FROM alias_releases WHERE status = 'active'", null, null);
    }

    /** Every release of an alias visible to a project (platform and its own), newest first. */
    List<AliasRelease> history(String projectId, String alias) {
        return query("SELECT " + COLUMNS + " FROM alias_releases WHERE alias = ? AND (project_id IS NULL OR project_id = ?)"
                + " ORDER BY created_at DESC, id DESC", alias, projectId);
    }

    /** Retires the scope's active release of the alias (if any) and inserts {@code r}, atomically. */
    void install(AliasRelease r, String installedBy) {
        db.transaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE alias_releases SET status = 'retired' WHERE alias = ? AND "
                    + (r.projectId() == null ? "project_id IS NULL" : "project_id = ?") + " AND status = 'active'")) {
                ps.setString(1, r.alias());
                if (r.projectId() != null) ps.setString(2, r.projectId());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO alias_releases (" + COLUMNS
                    + ", installed_by) VALUES (?, ?, ?, 'active', ?, ?, ?, ?, ?)")) {
                ps.setString(1, r.id());
                if (r.projectId() == null) ps.setNull(2, Types.VARCHAR);
                else ps.setString(2, r.projectId());
                ps.setString(3, r.alias());
                ps.setString(4, r.policyRevision());
                ps.setString(5, r.capabilityManifestRevision());
                ps.setString(6, Json.text(AliasTarget.toJson(r.targets())));
                ps.setLong(7, r.createdAtMs());
                ps.setString(8, installedBy);
                ps.executeUpdate();
            }
            return null;
        });
    }

    private List<AliasRelease> query(String sql, String alias, String projectId) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (alias != null) {
                    ps.setString(1, alias);
                    ps.setString(2, projectId);
                }
                return read(ps.executeQuery());
            }
        });
    }

    private static List<AliasRelease> read(ResultSet rs) throws SQLException {
        List<AliasRelease> out = new ArrayList<>();
        while (rs.next()) {
            out.add(new AliasRelease(rs.getString("id"), rs.getString("project_id"), rs.getString("alias"),
                    "active".equals(rs.getString("status")), rs.getString("policy_revision"),
                    rs.getString("capability_manifest_revision"), targets(rs.getString("targets")), rs.getLong("created_at")));
        }
        return out;
    }

    private static List<AliasTarget> targets(String json) {
        try {
            List<AliasTarget> out = new ArrayList<>();
            for (JsonNode t : Json.parse(json.getBytes(StandardCharsets.UTF_8))) {
                out.add(new AliasTarget(ExecutionProfile.parse(t.get("execution_profile").asText()),
                        ProviderId.parse(t.get("provider").asText()).orElseThrow(), t.get("model").asText(),
                        t.get("model_revision").asText(), t.get("weight").asInt(),
                        t.hasNonNull("attempt_timeout_ms") ? t.get("attempt_timeout_ms").asInt() : null,
                        t.hasNonNull("credential_id") ? t.get("credential_id").asText() : null,
                        t.hasNonNull("cluster_id") ? t.get("cluster_id").asText() : null));
            }
            return List.copyOf(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
