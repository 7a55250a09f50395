package ai.zumik.v2;

import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.qos.AgentHints;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;

/**
 * {@code POST /v2/agent-hints}: stores a hints object (the body itself, all fields optional) and
 * returns it with its {@code ah_…} id, for use in {@code Agent-Hints-Ref}.
 */
public final class AgentHintsHandler {
    public static final String PATH = "/v2/agent-hints";

    private final AgentHints hints;

    public AgentHintsHandler(AgentHints hints) {
        this.hints = hints;
    }

    public void create(Exchange ex, Buffer body) {
        ObjectNode h = Params.object(body);
        String project = ex.principal().projectId();
        ex.offload(() -> hints.store(project, h, System.currentTimeMillis()), id -> {
            ObjectNode out = h.deepCopy();
            out.put("id", id);
            out.put("object", "agent_hints");
            out.put("project_id", project);
            ex.sendJson(200, out);
        });
    }
}
