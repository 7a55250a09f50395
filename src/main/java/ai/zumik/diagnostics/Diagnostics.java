package ai.zumik.diagnostics;

import ai.zumik.evidence.Jcs;
import ai.zumik.ids.Ids;
import ai.zumik.json.Json;
import ai.zumik.store.Database;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Stored diagnostic runs ({@code dgn_…}): {@code {id, object: "diagnostic", project_id, created_at,
 * report}}, signed as a whole like a purge receipt (top-level {@code alg}, {@code key_id},
 * {@code signature} over the RFC 8785 form without {@code signature}) and kept in that canonical
 * form, so what is served is byte for byte what was signed.
 */
public final class Diagnostics {
    public static final String ID_PREFIX = "dgn_";
    private final Database db;
    private final Clock clock;
    private final UnaryOperator<ObjectNode> signer;

    public Diagnostics(Database db, Clock clock, UnaryOperator<ObjectNode> signer) {
        this.db = db;
        this.clock = clock;
        this.signer = signer;
    }

    /** Signs and stores a run of {@code report}; returns the canonical bytes of the signed document. Blocking. */
    public byte[] create(String projectId, ObjectNode report) {
        long now = clock.millis();
        String id = Ids.next(ID_PREFIX, now);
        ObjectNode doc = Json.object();
        doc.put("id", id);
        doc.put("object", "diagnostic");
        doc.put("project_id", projectId);
        doc.put("created_at", Instant.ofEpochMilli(now).toString());
        doc.set("report", report);
        String canonical = Jcs.text(signer.apply(doc));
        db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO diagnostics (id, project_id, created_at, document) VALUES (?, ?, ?, ?)")) {
                ps.setString(1, id);
                ps.setString(2, projectId);
                ps.setLong(3, now);
                ps.setString(4, canonical);
                return ps.executeUpdate();
            }
        });
        return canonical.getBytes(StandardCharsets.UTF_8);
    }

    /** The stored document, canonical bytes; empty for another project's id, exactly like a missing one. */
    public Optional<byte[]> get(String projectId, String id) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT document FROM diagnostics WHERE project_id = ? AND id = ?")) {
                ps.setString(1, projectId);
                ps.setString(2, id);
                ResultSet rs = ps.executeQuery();
                return rs.next() ? Optional.of(rs.getString(1).getBytes(StandardCharsets.UTF_8)) : Optional.<byte[]>empty();
            }
        });
    }

    /** Deletes every run of a project (a project purge); how many. */
    public long purgeProject(String projectId) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM diagnostics WHERE project_id = ?")) {
                ps.setString(1, projectId);
                return (long) ps.executeUpdate();
            }
        });
    }
}
