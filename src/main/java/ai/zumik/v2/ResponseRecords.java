package ai.zumik.v2;

import ai.zumik.json.Json;
import ai.zumik.metering.UsageEvent;
import ai.zumik.reuse.ReuseAccount;
import ai.zumik.surface.AgentHeaders;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import java.nio.charset.StandardCharsets;

/** Renders a stored response record as the native {@code response} object (both surfaces' responses). */
final class ResponseRecords {
    private ResponseRecords() {}

    /** A record read back from the database: its JSON texts are parsed (a damaged one renders as null). */
    static ObjectNode json(UsageEvent e) {
        return json(e, false);
    }

    /**
     * @param made true for the record this process just made (it rides on the response's terminal
     *     event): its QoS outcome, routing decision and attempts are compact JSON that Zumik itself
     *     wrote ({@code JsonText}, character for character Jackson's form), so they go into the
     *     rendered object as they are instead of being parsed into trees only to be written back
     */
    static ObjectNode json(UsageEvent e, boolean made) {
        ObjectNode o = Json.object();
        o.put("id", e.responseId());
        o.put("object", "response");
        o.put("created_at", Rfc3339.format(e.createdAtMs()));
        o.put("surface", e.surface());
        o.put("endpoint", e.endpoint());
        o.put("model", e.requestedModel());
        o.put("status", e.outcome());
        o.put("output_text", e.output());
        o.put("execution_mode", e.executionMode());
        o.put("execution_profile", e.executionProfile());
        o.put("resolved_provider", e.provider());
        o.put("resolved_model", e.model());
        o.put("alias_release", e.aliasReleaseId());
        o.set("qos_outcome", made ? raw(e.qos()) : parse(e.qos()));
        o.set("routing_decision", made ? raw(e.routingDecision()) : parse(e.routingDecision()));
        o.set("attempts", made ? raw(e.attempts()) : parse(e.attempts()));
        ObjectNode u = o.putObject("usage");
        u.put("input_tokens", e.promptTokens());
        u.put("cached_tokens", e.cachedTokens());
        u.put("cache_write_tokens", e.cacheWriteTokens());
        u.put("output_tokens", e.completionTokens());
        u.put("reasoning_tokens", e.reasoningTokens());
        u.put("total_tokens", e.promptTokens() == null && e.completionTokens() == null ? null
                : (e.promptTokens() == null ? 0 : e.promptTokens()) + (e.completionTokens() == null ? 0 : e.completionTokens()));
        o.set("reuse", ReuseAccount.toJson(e.promptTokens(), e.reuse()));
        o.put("charged", e.charged());
        o.put("cost_micros", e.costNanos() == null ? null : AgentHeaders.micros(e.costNanos()));
        o.put("price_revision", e.priceRevision());
        if (e.errorCode() != null) o.putObject("error").put("code", e.errorCode());
        else o.putNull("error");
        return o;
    }

    private static JsonNode raw(String json) {
        return json == null ? Json.NODES.nullNode() : Json.NODES.rawValueNode(new RawValue(json));
    }

    private static JsonNode parse(String json) {
        if (json == null) return Json.NODES.nullNode();
        try {
            return Json.parse(json.getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            return Json.NODES.nullNode();
        }
    }
}
