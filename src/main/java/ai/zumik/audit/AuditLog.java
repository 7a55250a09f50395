package ai.zumik.audit;

import ai.zumik.ids.Ids;
import ai.zumik.json.Json;
import ai.zumik.store.Database;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audit events ({@code aud_…}): security- and policy-relevant facts such as every use of the
 * OpenRouter emergency bridge. Written off the event loop; listed per project for admins.
 */
public final class AuditLog {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);

    /** One stored event. */
    public record Event(String id, String projectId, String type, long createdAtMs, String details) {}

    private final Database db;
    private final Clock clock;
    private final Executor blocking;

    public AuditLog(Database db, Clock clock, Executor blocking) {
        this.db = db;
        this.clock = clock;
        this.blocking = blocking;
    }

    /** Records an event without blocking the caller; a failure to write is logged loudly. */
    public void record(String projectId, String type, ObjectNode details) {
        long now = clock.millis();
        String id = Ids.next("aud_", now);
        String json = Json.text(details);
        blocking.execute(() -> {
            try {
                db.call(c -> {
                    try (PreparedStatement ps = c.prepareStatement(
                            "INSERT INTO audit_events (id, project_id, type, created_at, details) VALUES (?, ?, ?, ?, ?)")) {
                        ps.setString(1, id);
                        ps.setString(2, projectId);
                        ps.setString(3, type);
                        ps.setLong(4, now);
                        ps.setString(5, json);
                        return ps.executeUpdate();
                    }
                });
            } catch (RuntimeException e) {
                LOG.error("audit event {} ({}) for {} could not be written", id, type, projectId, e);
            }
        });
    }

    /** The project's events, newest first, optionally of one type. Blocking. */
    public List<Event> list(String projectId, String type, int limit) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, project_id, type, created_at, details FROM audit_events"
                    + " WHERE project_id = ?" + (type == null ? "" : " AND type = ?") + " ORDER BY id DESC LIMIT " + limit)) {
                ps.setString(1, projectId);
                if (type != null) ps.setString(2, type);
                ResultSet rs = ps.executeQuery();
                List<Event> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new Event(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5)));
                }
                return out;
            }
        });
    }
}
