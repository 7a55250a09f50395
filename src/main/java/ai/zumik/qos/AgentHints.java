package ai.zumik.qos;

import ai.zumik.ids.Ids;
import ai.zumik.json.Json;
import ai.zumik.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * Agent hints: the {@code Agent-Hints} header (base64url JSON, no padding) and stored hints
 * objects ({@code ah_…}, {@code POST /v2/agent-hints}) referenced by {@code Agent-Hints-Ref}, which
 * takes precedence. Hints are requests, not guarantees: malformed ones, and references to another
 * project's hints, are ignored. Stored hints are immutable, so they are cached without expiry
 * worries (bounded size).
 */
public final class AgentHints {
    private final Database db;
    private final Cache<String, Optional<ObjectNode>> cache = Caffeine.newBuilder()
            .executor(Runnable::run).maximumSize(10_000).expireAfterAccess(Duration.ofHours(1)).build();

    public AgentHints(Database db) {
        this.db = db;
    }

    /** Decodes an {@code Agent-Hints} header; empty when absent or malformed. */
    public static Optional<ObjectNode> decodeHeader(String header) {
        if (header == null || header.isBlank()) return Optional.empty();
        try {
            byte[] raw = Base64.getUrlDecoder().decode(header.trim());
            return Json.parse(raw) instanceof ObjectNode o ? Optional.of(o) : Optional.empty();
        } catch (Exception malformed) {
            return Optional.empty();
        }
    }

    /** Cached lookup of a stored hints object of {@code projectId}; null when not cached yet. */
    public Optional<ObjectNode> cached(String projectId, String id) {
        return cache.getIfPresent(projectId + '/' + id);
    }

    /** Blocking lookup (fills the cache); another project's id reads as absent. */
    public Optional<ObjectNode> load(String projectId, String id) {
        if (!Ids.isValid(id, "ah_")) return Optional.empty();
        Optional<ObjectNode> found = db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT hints FROM agent_hints WHERE id = ? AND project_id = ?")) {
                ps.setString(1, id);
                ps.setString(2, projectId);
                ResultSet rs = ps.executeQuery();
                if (!rs.next()) return Optional.empty();
                try {
                    return Optional.of((ObjectNode) Json.parse(rs.getString(1).getBytes(StandardCharsets.UTF_8)));
                } catch (java.io.IOException e) {
                    return Optional.empty();
                }
            }
        });
        cache.put(projectId + '/' + id, found);
        return found;
    }

    /** Stores a hints object; returns its id. Blocking. */
    public String store(String projectId, ObjectNode hints, long nowMs) {
        String id = Ids.next("ah_", nowMs);
        db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO agent_hints (id, project_id, hints, created_at) VALUES (?, ?, ?, ?)")) {
                ps.setString(1, id);
                ps.setString(2, projectId);
                ps.setString(3, Json.text(hints));
                ps.setLong(4, nowMs);
                return ps.executeUpdate();
            }
        });
        cache.put(projectId + '/' + id, Optional.of(hints));
        return id;
    }

    /** The {@code qos} part of a hints object, read leniently. */
    public static QosRequest qos(Optional<ObjectNode> hints) {
        JsonNode q = hints.map(h -> h.get("qos")).orElse(null);
        return q == null ? QosRequest.DEFAULT : QosParser.lenient(q);
    }
}
