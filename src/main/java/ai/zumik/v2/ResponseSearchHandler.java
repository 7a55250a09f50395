package ai.zumik.v2;

import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.http.Query;
import ai.zumik.ids.Ids;
import ai.zumik.json.Json;
import ai.zumik.metering.UsageEvent;
import ai.zumik.metering.UsageQueries;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /v2/responses?trace_id&status&outcome&provider&model&key_id&since&until&limit&after}:
 * the project's responses (their usage events) newest first, cursor-paged like {@code /v2/usage}
 * but without its summaries, so a search costs one bounded query. A trace id narrows the scan to
 * the day after the trace began (ids carry their time). One response in full is
 * {@code GET /v2/responses/{id}}.
 */
public final class ResponseSearchHandler {
    private static final Set<String> OUTCOMES = Set.of("completed", "failed", "cancelled");

    private final UsageQueries queries;

    public ResponseSearchHandler(UsageQueries queries) {
        this.queries = queries;
    }

    public void list(Exchange ex) {
        Query q = ex.query();
        int limit = Params.queryLimit(q.get("limit"));
        String after = q.get("after");
        if (after != null && !Ids.isValid(after, "rsp_")) {
            throw Params.invalidValue("after", "Invalid 'after': expected a response id (rsp_...) from a previous page's last_id.");
        }
        String traceId = q.get("trace_id");
        if (traceId != null && !Ids.isValid(traceId, "trc_")) {
            throw Params.invalidValue("trace_id", "Invalid 'trace_id': expected a trace id (trc_ followed by 26 characters).");
        }
        Integer status = null;
        if (q.get("status") != null) {
            try {
                status = Integer.parseInt(q.get("status"));
            } catch (NumberFormatException e) {
                status = -1;
            }
            if (status < 100 || status > 599) throw Params.invalidValue("status", "Invalid 'status': expected an HTTP status (100-599).");
        }
        String outcome = Params.oneOf(q.get("outcome"), "outcome", OUTCOMES);
        var filter = new UsageQueries.Filter(ex.principal().projectId(), Rfc3339.parse(q.get("since"), "since"),
                Rfc3339.parse(q.get("until"), "until"), q.get("provider"), q.get("model"), q.get("key_id"));
        Integer wanted = status;
        ex.offload(() -> queries.search(filter, traceId, wanted, outcome, after, limit + 1), events -> {
            ex.sendJson(200, page(events, limit));
        });
    }

    private static ObjectNode page(List<UsageEvent> events, int limit) {
        ObjectNode root = Json.object();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        int shown = Math.min(limit, events.size());
        for (int i = 0; i < shown; i++) data.add(UsageHandler.event(events.get(i)));
        root.put("first_id", shown == 0 ? null : events.getFirst().responseId());
        root.put("last_id", shown == 0 ? null : events.get(shown - 1).responseId());
        root.put("has_more", events.size() > limit);
        return root;
    }
}
