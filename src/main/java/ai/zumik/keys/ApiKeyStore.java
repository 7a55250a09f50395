package ai.zumik.keys;

import ai.zumik.ids.Ids;
import ai.zumik.store.Database;
import ai.zumik.store.Rows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** JDBC access to projects and API keys. Blocking. */
final class ApiKeyStore {
    private static final String COLUMNS =
            "id, project_id, name, masked, scopes, status, created_at, last_used_at, revoked_at, rpm_limit, tpm_limit, "
                    + "budget_micros";
    private static final String PROJECT_COLUMNS =
            "id, name, created_at, rpm_limit, tpm_limit, monthly_budget_micros, overage_mode, updated_at";
    /**
     * A key with everything authentication hands on: its project's limits and budget, the credit
     * granted to the project, and the spend so far (the key's, the project's this cycle and ever).
     */
    private static final String WITH_QUOTAS = "SELECT k.id, k.project_id, k.name, k.masked, k.scopes, k.status, "
            + "k.created_at, k.last_used_at, k.revoked_at, k.rpm_limit, k.tpm_limit, k.budget_micros, "
            + "p.rpm_limit AS p_rpm, p.tpm_limit AS p_tpm, p.monthly_budget_micros AS p_budget, p.overage_mode AS p_overage, "
            + "(SELECT COALESCE(SUM(amount_micros), 0) FROM credit_grants g WHERE g.project_id = k.project_id) AS grants, "
            + "(SELECT COALESCE(SUM(cost_nanos), 0) FROM spend_totals s WHERE s.project_id = k.project_id AND s.key_id = k.id)"
            + " AS key_spent, "
            + "(SELECT COALESCE(SUM(cost_nanos), 0) FROM spend_totals s WHERE s.project_id = k.project_id AND s.cycle = ?)"
            + " AS cycle_spent, "
            + "(SELECT COALESCE(SUM(cost_nanos), 0) FROM spend_totals s WHERE s.project_id = k.project_id) AS project_spent "
            + "FROM api_keys k JOIN projects p ON p.id = k.project_id WHERE k.key_hash = ?";

    /** A key found by its hash, with its quotas. */
    record Found(ApiKey key, Quotas quotas) {}

    private final Database db;

    ApiKeyStore(Database db) {
        this.db = db;
    }

    /** Returns the default project's id, creating the project on first start. */
    String ensureDefaultProject(long nowMs) {
        return db.transaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT value FROM zumik_meta WHERE name = 'default_project_id'")) {
                ResultSet rs = ps.executeQuery();
                if (rs.next()) return rs.getString(1);
            }
            String id = Ids.next("prj_");
            update(c, "INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)", id, "default", nowMs);
            update(c, "INSERT INTO zumik_meta (name, value) VALUES ('default_project_id', ?)", id);
            return id;
        });
    }

    boolean projectExists(String projectId) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM projects WHERE id = ?")) {
                ps.setString(1, projectId);
                return ps.executeQuery().next();
            }
        });
    }

    void insert(ApiKey key, String hash) {
        db.call(c -> insert(c, key, hash));
    }

    private static int insert(Connection c, ApiKey key, String hash) throws SQLException {
        return update(c, "INSERT INTO api_keys (" + COLUMNS + ", key_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                key.id(), key.projectId(), key.name(), key.masked(), Scope.join(key.scopes()),
                key.active() ? "active" : "revoked", key.createdAtMs(), key.lastUsedAtMs(), key.revokedAtMs(),
                key.rpmLimit(), key.tpmLimit(), key.budgetMicros(), hash);
    }

    /** The stored hash of key {@code keyId}, wherever it lives. */
    Optional<String> hashOf(String keyId) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT key_hash FROM api_keys WHERE id = ?")) {
                ps.setString(1, keyId);
                ResultSet rs = ps.executeQuery();
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        });
    }

    Optional<ApiKey> findByHash(String hash) {
        return db.call(c -> one(c, "SELECT " + COLUMNS + " FROM api_keys WHERE key_hash = ?", hash));
    }

    /** The key behind {@code hash} with its quotas, spend counted up to {@code cycle}. */
    Optional<Found> findWithQuotas(String hash, String cycle) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(WITH_QUOTAS)) {
                ps.setString(1, cycle);
                ps.setString(2, hash);
                ResultSet rs = ps.executeQuery();
                if (!rs.next()) return Optional.empty();
                ApiKey k = read(rs);
                return Optional.of(new Found(k, new Quotas(k.rpmLimit(), k.tpmLimit(), k.budgetMicros(),
                        Rows.longOrNull(rs, "p_rpm"), Rows.longOrNull(rs, "p_tpm"), Rows.longOrNull(rs, "p_budget"),
                        "allow".equals(rs.getString("p_overage")), cycle, rs.getLong("grants"), rs.getLong("key_spent"),
                        rs.getLong("cycle_spent"), rs.getLong("project_spent"))));
            }
        });
    }

    /** Sets a key's limits and budget (each null clears it); false when the key is not in {@code projectId}. */
    boolean setLimits(String projectId, String keyId, Long rpm, Long tpm, Long budgetMicros) {
        return db.call(c -> update(c, "UPDATE api_keys SET rpm_limit = ?, tpm_limit = ?, budget_micros = ? "
                + "WHERE id = ? AND project_id = ?", rpm, tpm, budgetMicros, keyId, projectId)) > 0;
    }

    /** The key's lifetime spend, in nano-USD. */
    long spentNanos(String projectId, String keyId) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT COALESCE(SUM(cost_nanos), 0) FROM spend_totals WHERE project_id = ? AND key_id = ?")) {
                ps.setString(1, projectId);
                ps.setString(2, keyId);
                ResultSet rs = ps.executeQuery();
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    // ---- projects ----

    /** Creates a project and its first key in one transaction. */
    void insertProject(Project p, ApiKey firstKey, String hash) {
        db.transaction(c -> {
            update(c, "INSERT INTO projects (id, name, created_at, overage_mode, updated_at) VALUES (?, ?, ?, ?, ?)",
                    p.id(), p.name(), p.createdAtMs(), p.overageMode(), p.updatedAtMs());
            insert(c, firstKey, hash);
            return null;
        });
    }

    Optional<Project> findProject(String id) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + PROJECT_COLUMNS + " FROM projects WHERE id = ?")) {
                ps.setString(1, id);
                ResultSet rs = ps.executeQuery();
                return rs.next() ? Optional.of(readProject(rs)) : Optional.empty();
            }
        });
    }

    /** Projects in creation order, {@code limit} of them after {@code afterId} (null: from the start). */
    List<Project> listProjects(String afterId, int limit) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + PROJECT_COLUMNS + " FROM projects"
                    + (afterId == null ? "" : " WHERE id > ?") + " ORDER BY id LIMIT " + limit)) {
                if (afterId != null) ps.setString(1, afterId);
                ResultSet rs = ps.executeQuery();
                List<Project> out = new ArrayList<>();
                while (rs.next()) out.add(readProject(rs));
                return out;
            }
        });
    }

    boolean setProjectLimits(String id, Long rpm, Long tpm, long nowMs) {
        return db.call(c -> update(c, "UPDATE projects SET rpm_limit = ?, tpm_limit = ?, updated_at = ? WHERE id = ?",
                rpm, tpm, nowMs, id)) > 0;
    }

    private static Project readProject(ResultSet rs) throws SQLException {
        return new Project(rs.getString("id"), rs.getString("name"), rs.getLong("created_at"),
                Rows.longOrNull(rs, "rpm_limit"), Rows.longOrNull(rs, "tpm_limit"), Rows.longOrNull(rs, "monthly_budget_micros"),
                rs.getString("overage_mode"), Rows.longOrNull(rs, "updated_at"));
    }


    Optional<ApiKey> find(String projectId, String keyId) {
        return db.call(c -> one(c, "SELECT " + COLUMNS + " FROM api_keys WHERE id = ? AND project_id = ?", keyId, projectId));
    }

    /** Finds a key by id in any project (the local CLI acts as the operator). */
    Optional<ApiKey> findAnyProject(String keyId) {
        return db.call(c -> one(c, "SELECT " + COLUMNS + " FROM api_keys WHERE id = ?", keyId));
    }

    List<ApiKey> list(String projectId) {
        String where = projectId == null ? "" : " WHERE project_id = ?";
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + COLUMNS + " FROM api_keys" + where + " ORDER BY created_at, id")) {
                if (projectId != null) ps.setString(1, projectId);
                ResultSet rs = ps.executeQuery();
                List<ApiKey> out = new ArrayList<>();
                while (rs.next()) out.add(read(rs));
                return out;
            }
        });
    }

    long countActive(String projectId) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT COUNT(*) FROM api_keys WHERE project_id = ? AND status = 'active'")) {
                ps.setString(1, projectId);
                ResultSet rs = ps.executeQuery();
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** Marks a key revoked; returns its hash so caches can drop it, or empty when not found. */
    Optional<String> revoke(String keyId, long nowMs) {
        return db.transaction(c -> {
            String hash;
            try (PreparedStatement ps = c.prepareStatement("SELECT key_hash FROM api_keys WHERE id = ?")) {
                ps.setString(1, keyId);
                ResultSet rs = ps.executeQuery();
                if (!rs.next()) return Optional.empty();
                hash = rs.getString(1);
            }
            update(c, "UPDATE api_keys SET status = 'revoked', revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", nowMs, keyId);
            return Optional.of(hash);
        });
    }

    void setScopes(String keyId, Set<Scope> scopes) {
        db.call(c -> update(c, "UPDATE api_keys SET scopes = ? WHERE id = ?", Scope.join(scopes), keyId));
    }

    void touch(Map<String, Long> lastUsed) {
        if (lastUsed.isEmpty()) return;
        db.transaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)")) {
                for (var e : lastUsed.entrySet()) {
                    ps.setLong(1, e.getValue());
                    ps.setString(2, e.getKey());
                    ps.setLong(3, e.getValue());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    private static Optional<ApiKey> one(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            ResultSet rs = ps.executeQuery();
            return rs.next() ? Optional.of(read(rs)) : Optional.empty();
        }
    }

    private static ApiKey read(ResultSet rs) throws SQLException {
        long lastUsed = rs.getLong("last_used_at");
        Long lastUsedAt = rs.wasNull() ? null : lastUsed;
        long revoked = rs.getLong("revoked_at");
        Long revokedAt = rs.wasNull() ? null : revoked;
        return new ApiKey(rs.getString("id"), rs.getString("project_id"), rs.getString("name"),
                rs.getString("masked"), Scope.split(rs.getString("scopes")), "active".equals(rs.getString("status")),
                rs.getLong("created_at"), lastUsedAt, revokedAt, Rows.longOrNull(rs, "rpm_limit"),
                Rows.longOrNull(rs, "tpm_limit"), Rows.longOrNull(rs, "budget_micros"));
    }

    private static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        }
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a == null) ps.setNull(i + 1, java.sql.Types.BIGINT);
            else if (a instanceof Long l) ps.setLong(i + 1, l);
            else ps.setString(i + 1, a.toString());
        }
    }
}
