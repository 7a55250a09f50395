package ai.zumik.provider.anthropic;

import static ai.zumik.provider.anthropic.AnthropicRequest.invalid;

import ai.zumik.catalog.Capabilities.PromptCache;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Provider-native prompt caching. Anthropic caches only up to explicit {@code cache_control}
 * breakpoints (at most four per request; a top-level {@code cache_control}, Anthropic's automatic
 * caching, takes one of them). Client breakpoints are kept as sent. Zumik adds its own, in the
 * remaining slots, on the stable prefix in Anthropic's render order (tools, system, messages):
 * the last tool definition, the last system block, and the last block of the message before the
 * final user turn, each only when the prefix up to it is long enough to be cached at all.
 *
 * <p>Lengths are estimated, not tokenised: about four characters per token for text and JSON, and
 * a flat {@value #MEDIA_TOKENS} tokens per image or document. Being off by a little only moves the
 * threshold at which a breakpoint is worth a slot.
 */
final class CacheBreakpoints {
    static final int MAX_BREAKPOINTS = 4;
    static final int MEDIA_TOKENS = 1_500;
    private static final int CHARS_PER_TOKEN = 4;

    private CacheBreakpoints() {}

    /** A client's {@code cache_control}, checked against what Anthropic accepts. */
    static ObjectNode validated(JsonNode cc, String param) {
        if (!(cc instanceof ObjectNode o) || !"ephemeral".equals(Json.string(o, "type"))) {
            throw invalid(param, "Invalid '" + param + "': expected {\"type\": \"ephemeral\"} with an optional \"ttl\" of \"5m\" or \"1h\".");
        }
        ObjectNode out = Json.object();
        out.put("type", "ephemeral");
        JsonNode ttl = o.get("ttl");
        if (ttl != null && !ttl.isNull()) {
            if (!ttl.isTextual() || !(ttl.textValue().equals("5m") || ttl.textValue().equals("1h"))) {
                throw invalid(param + ".ttl", "Invalid '" + param + ".ttl': expected \"5m\" or \"1h\".");
            }
            out.put("ttl", ttl.textValue());
        }
        for (var it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("type") && !f.equals("ttl")) throw invalid(param + "." + f, "Unknown field in '" + param + "'.");
        }
        return out;
    }

    /**
     * Adds Zumik's breakpoints to {@code body} (tools, system and messages already translated).
     *
     * @param client the parameter paths of the client's own block breakpoints, in order
     * @param automatic whether the client sent a top-level {@code cache_control}
     */
    static void place(ObjectNode body, PromptCache cache, List<String> client, boolean automatic) {
        int used = client.size() + (automatic ? 1 : 0);
        ArrayNode tools = body.get("tools") instanceof ArrayNode a ? a : Json.array();
        for (int i = 0; i < tools.size(); i++) if (tools.get(i).has("cache_control")) used++;
        if (used > MAX_BREAKPOINTS) {
            throw invalid(client.isEmpty() ? "cache_control" : client.getLast(), "Anthropic allows at most "
                    + MAX_BREAKPOINTS + " cache_control breakpoints per request (a top-level cache_control counts as one); "
                    + "this request has " + used + ".");
        }
        if (cache == null || !"explicit".equals(cache.mode())) return;
        long min = cache.minPrefixTokens();
        long prefix = 0;

        for (JsonNode t : tools) prefix += tokens(t);
        if (!tools.isEmpty() && used < MAX_BREAKPOINTS && prefix >= min && mark((ObjectNode) tools.get(tools.size() - 1))) used++;

        ArrayNode system = body.get("system") instanceof ArrayNode a ? a : Json.array();
        for (JsonNode b : system) prefix += tokens(b);
        if (!system.isEmpty() && used < MAX_BREAKPOINTS && prefix >= min && mark((ObjectNode) system.get(system.size() - 1))) used++;

        ArrayNode messages = (ArrayNode) body.get("messages");
        int last = messages.size() - 1;
        if (last < 1 || !"user".equals(messages.get(last).path("role").asText()) || used >= MAX_BREAKPOINTS) return;
        for (int i = 0; i < last; i++) for (JsonNode b : messages.get(i).get("content")) prefix += tokens(b);
        ArrayNode stable = (ArrayNode) messages.get(last - 1).get("content");
        if (prefix >= min) mark((ObjectNode) stable.get(stable.size() - 1));
    }

    /** Puts a breakpoint on {@code block} unless it has one or cannot carry one. */
    private static boolean mark(ObjectNode block) {
        String type = Json.string(block, "type");
        if (block.has("cache_control") || "thinking".equals(type) || "redacted_thinking".equals(type)) return false;
        block.putObject("cache_control").put("type", "ephemeral");
        return true;
    }

    static long tokens(JsonNode block) {
        String type = Json.string(block, "type");
        if ("image".equals(type) || "document".equals(type)) return MEDIA_TOKENS;
        long chars = switch (type == null ? "" : type) {
            case "text" -> block.path("text").asText().length();
            case "thinking" -> block.path("thinking").asText().length();
            case "tool_result" -> {
                JsonNode c = block.get("content");
                if (c == null) yield 0;
                if (c.isTextual()) yield c.textValue().length();
                long sum = 0;
                for (JsonNode b : c) sum += tokens(b) * CHARS_PER_TOKEN;
                yield sum;
            }
            default -> Json.textLength(block);
        };
        return chars / CHARS_PER_TOKEN;
    }
}
