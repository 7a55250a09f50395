package ai.zumik.v2;

import ai.zumik.audit.AuditLog;
import ai.zumik.http.Exchange;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/** {@code GET /v2/audit-events?type=…} (admin): the project's audit events, newest first (100 at most). */
public final class AuditEventsHandler {
    public static final String PATH = "/v2/audit-events";

    private final AuditLog audit;

    public AuditEventsHandler(AuditLog audit) {
        this.audit = audit;
    }

    public void list(Exchange ex) {
        String type = ex.query().get("type");
        String project = ex.principal().projectId();
        ex.offload(() -> audit.list(project, type, 100), events -> {
            ObjectNode root = Json.object();
            root.put("object", "list");
            ArrayNode data = root.putArray("data");
            for (AuditLog.Event e : events) {
                ObjectNode o = data.addObject();
                o.put("id", e.id());
                o.put("object", "audit_event");
                o.put("project_id", e.projectId());
                o.put("type", e.type());
                o.put("created_at", Rfc3339.format(e.createdAtMs()));
                try {
                    o.set("details", Json.parse(e.details().getBytes(StandardCharsets.UTF_8)));
                } catch (java.io.IOException bad) {
                    o.put("details", e.details());
                }
            }
            root.put("has_more", false);
            ex.sendJson(200, root);
        });
    }
}
