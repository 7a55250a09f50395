package ai.zumik.keys;

import ai.zumik.ids.Ids;
import ai.zumik.store.Database;
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
            "id, project_id, name, masked, scopes, status, created_at, last_used_at, revoked_at";

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
        db.call(c -> update(c, "INSERT INTO api_keys (" + COLUMNS + ", key_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                key.id(), key.projectId(), key.name(), key.masked(), Scope.join(key.scopes()),
                key.active() ? "active" : "revoked", key.createdAtMs(), key.lastUsedAtMs(), key.revokedAtMs(), hash));
    }

    Optional<ApiKey> findByHash(String hash) {
        return db.call(c -> one(c, "SELECT " + COLUMNS + " FROM api_keys WHERE key_hash = ?", hash));
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
                rs.getLong("created_at"), lastUsedAt, revokedAt);
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
