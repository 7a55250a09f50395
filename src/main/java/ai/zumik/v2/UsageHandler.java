package ai.zumik.v2;

import ai.zumik.inference.Usage;
import ai.zumik.pricing.PriceTable;
import ai.zumik.pricing.Tier;
import ai.zumik.reuse.ReuseAccount;
import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.json.Json;
import ai.zumik.metering.UsageEvent;
import ai.zumik.metering.UsageQueries;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ai.zumik.http.Query;
import ai.zumik.ids.Ids;
import ai.zumik.surface.AgentHeaders;
import java.time.LocalDate;
import java.util.List;

/**
 * {@code GET /v2/usage}: the project's usage summary, per-model totals and the most recent usage
 * events. Query: {@code since}, {@code until} (RFC 3339 or Unix seconds), {@code provider},
 * {@code model}, {@code key_id}, {@code limit} (1–100, default 100), {@code after} (a page's
 * {@code last_id}: the next, older page). Events are newest first; the summary and per-model
 * totals cover the whole filter, not the page. Token fields a provider did not report are
 * {@code null} in events, never a made-up zero.
 */
public final class UsageHandler {
    public static final String PATH = "/v2/usage";
    static final String ROUTER_INFERRED = "router_inferred";

    /** Rows per reuse grouping (model, key, prefix family). */
    static final int REUSE_GROUPS = 50;

    private final UsageQueries queries;
    private final PriceTable prices;

    public UsageHandler(UsageQueries queries, PriceTable prices) {
        this.queries = queries;
        this.prices = prices;
    }

    public void get(Exchange ex) {
        Query q = ex.query();
        int limit = Params.queryLimit(q.get("limit"));
        String after = q.get("after");
        if (after != null && !Ids.isValid(after, "rsp_")) {
            throw Params.invalidValue("after", "Invalid 'after': expected a response id (rsp_...) from a previous page's last_id.");
        }
        var filter = new UsageQueries.Filter(ex.principal().projectId(), Rfc3339.parse(q.get("since"), "since"),
                Rfc3339.parse(q.get("until"), "until"), q.get("provider"), q.get("model"), q.get("key_id"));
        ex.offload(() -> {
            var summary = queries.summary(filter);
            var groups = queries.byModel(filter);
            var keys = queries.byKey(filter);
            var days = queries.byDay(filter);
            List<UsageEvent> events = queries.recent(filter, after, limit + 1);
            ObjectNode root = render(filter.projectId(), summary, groups, keys, days, events, limit);
            root.set("reuse", reuse(filter));
            return root;
        }, json -> ex.sendJson(200, json));
    }

    private static ObjectNode render(String project, UsageQueries.Summary s, List<UsageQueries.Group> groups,
                                     List<UsageQueries.Bucket> keys, List<UsageQueries.Bucket> days, List<UsageEvent> events,
                                     int limit) {
        ObjectNode root = Json.object();
        root.put("object", "usage");
        root.put("project_id", project);
        ObjectNode sum = root.putObject("summary");
        sum.put("requests", s.requests());
        sum.put("completed", s.completed());
        sum.put("failed", s.failed());
        sum.put("cancelled", s.cancelled());
        sum.put("prompt_tokens", s.promptTokens());
        sum.put("cached_tokens", s.cachedTokens());
        sum.put("cache_write_tokens", s.cacheWriteTokens());
        sum.put("completion_tokens", s.completionTokens());
        sum.put("reasoning_tokens", s.reasoningTokens());
        sum.put("total_tokens", s.promptTokens() + s.completionTokens());
        sum.put("cost_micros", AgentHeaders.micros(s.costNanos()));
        ArrayNode by = root.putArray("by_model");
        for (var g : groups) {
            ObjectNode o = by.addObject();
            o.put("provider", g.provider());
            o.put("model", g.model());
            o.put("requests", g.requests());
            o.put("prompt_tokens", g.promptTokens());
            o.put("cached_tokens", g.cachedTokens());
            o.put("completion_tokens", g.completionTokens());
            o.put("cost_micros", AgentHeaders.micros(g.costNanos()));
        }
        ArrayNode byKey = root.putArray("by_key");
        for (var k : keys) bucket(byKey.addObject().put("key_id", k.key()), k);
        ArrayNode byDay = root.putArray("by_day");
        for (var d : days) bucket(byDay.addObject().put("day", LocalDate.ofEpochDay(Long.parseLong(d.key())).toString()), d);
        ArrayNode data = root.putArray("data");
        int shown = Math.min(limit, events.size());
        for (int i = 0; i < shown; i++) data.add(event(events.get(i)));
        root.put("first_id", shown == 0 ? null : events.getFirst().responseId());
        root.put("last_id", shown == 0 ? null : events.get(shown - 1).responseId());
        root.put("has_more", events.size() > limit);
        return root;
    }

    /**
     * The reuse waterfall (digest §7.3) of the responses that carry a reuse account, whole and by
     * model, key and prefix family, each number with its evidence, and the reuse credit (§7.6): what
     * the realized tokens saved at each model's cached-input price.
     */
    private ObjectNode reuse(UsageQueries.Filter filter) {
        ObjectNode r = Json.object();
        List<UsageQueries.Waterfall> byModel = queries.waterfall(filter, "model", REUSE_GROUPS);
        List<UsageQueries.Waterfall> whole = queries.waterfall(filter, null, 1);
        ObjectNode w = whole.isEmpty() ? waterfall(new UsageQueries.Waterfall(null, null, null, 0, 0, 0, 0, 0, 0))
                : waterfall(whole.getFirst());
        long credit = 0;
        for (var m : byModel) credit += creditNanos(m);
        w.put("reuse_credit_micros", AgentHeaders.micros(credit));
        r.set("waterfall", w);
        ArrayNode models = r.putArray("by_model");
        for (var m : byModel) {
            ObjectNode o = models.addObject().put("provider", m.provider()).put("model", m.model());
            o.setAll(waterfall(m));
            o.put("reuse_credit_micros", AgentHeaders.micros(creditNanos(m)));
        }
        ArrayNode keys = r.putArray("by_key");
        for (var k : queries.waterfall(filter, "key_id", REUSE_GROUPS)) keys.addObject().put("key_id", k.key()).setAll(waterfall(k));
        ArrayNode families = r.putArray("by_prefix_family");
        for (var f : queries.waterfall(filter, "prefix_family_id", REUSE_GROUPS)) {
            families.addObject().put("prefix_family_id", f.key()).setAll(waterfall(f));
        }
        return r;
    }

    private static ObjectNode waterfall(UsageQueries.Waterfall w) {
        ObjectNode o = Json.object();
        o.put("requests", w.requests());
        o.put("input_tokens", w.inputTokens());
        o.put("eligible_reuse_tokens", w.eligibleTokens());
        o.put("candidate_reuse_tokens", w.candidateTokens());
        o.put("realized_reused_tokens", w.realizedTokens());
        o.put("missed_opportunity_tokens", w.missedTokens());
        o.put("opportunity_reuse_ratio", ratio(w.candidateTokens(), w.inputTokens()));
        o.put("realized_reuse_ratio", ratio(w.realizedTokens(), w.inputTokens()));
        o.put("reuse_capture_rate", ratio(w.realizedTokens(), w.candidateTokens()));
        o.put("requests_without_provider_counter", w.withoutCounter());
        ObjectNode e = o.putObject("evidence");
        e.put("input_tokens", ReuseAccount.PROVIDER_REPORTED);
        e.put("eligible_reuse_tokens", ROUTER_INFERRED);
        e.put("candidate_reuse_tokens", ROUTER_INFERRED);
        // No response with a cache counter, no measured number: unknown, not a measured zero.
        e.put("realized_reused_tokens", w.withoutCounter() == w.requests() ? ReuseAccount.UNKNOWN : ReuseAccount.PROVIDER_REPORTED);
        e.put("missed_opportunity_tokens", ROUTER_INFERRED);
        return o;
    }

    private static Double ratio(long part, long whole) {
        return whole == 0 ? null : Math.round(part * 10_000.0 / whole) / 10_000.0;
    }

    /** Realized tokens at the full input price less the same tokens at the cached-input price. */
    private long creditNanos(UsageQueries.Waterfall m) {
        if (m.realizedTokens() == 0 || m.provider() == null) return 0;
        long full = prices.costNanos(m.provider(), m.model(), new Usage(m.realizedTokens(), 0L, 0L, null, null), Tier.STANDARD)
                .orElse(0);
        long cached = prices.costNanos(m.provider(), m.model(), new Usage(m.realizedTokens(), 0L, m.realizedTokens(), null, null),
                Tier.STANDARD).orElse(full);
        return Math.max(0, full - cached);
    }

    private static void bucket(ObjectNode o, UsageQueries.Bucket b) {
        o.put("requests", b.requests());
        o.put("prompt_tokens", b.promptTokens());
        o.put("completion_tokens", b.completionTokens());
        o.put("cost_micros", AgentHeaders.micros(b.costNanos()));
    }

    static ObjectNode event(UsageEvent e) {
        ObjectNode o = Json.object();
        o.put("object", "usage_event");
        o.put("response_id", e.responseId());
        o.put("trace_id", e.traceId());
        o.put("key_id", e.keyId());
        o.put("endpoint", e.endpoint());
        o.put("requested_model", e.requestedModel());
        o.put("provider", e.provider());
        o.put("model", e.model());
        o.put("execution_mode", e.executionMode());
        o.put("execution_profile", e.executionProfile());
        o.put("stream", e.stream());
        o.put("status", e.status());
        o.put("outcome", e.outcome());
        o.put("error_code", e.errorCode());
        o.put("charged", e.charged());
        o.put("cost_micros", e.costNanos() == null ? null : AgentHeaders.micros(e.costNanos()));
        o.put("price_revision", e.priceRevision());
        ObjectNode u = o.putObject("usage");
        u.put("prompt_tokens", e.promptTokens());
        u.put("cached_tokens", e.cachedTokens());
        u.put("cache_write_tokens", e.cacheWriteTokens());
        u.put("completion_tokens", e.completionTokens());
        u.put("reasoning_tokens", e.reasoningTokens());
        o.set("reuse", ReuseAccount.toJson(e.promptTokens(), e.reuse()));
        o.put("ttft_ms", e.ttftMs());
        o.put("latency_ms", e.latencyMs());
        o.put("created_at", Rfc3339.format(e.createdAtMs()));
        return o;
    }
}
