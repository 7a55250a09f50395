package ai.zumik.provider.anthropic;

import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.RequestRejected;
import ai.zumik.inference.ResponseFormat;
import ai.zumik.inference.ToolChoice;
import ai.zumik.inference.ToolSpec;
import ai.zumik.json.Json;
import ai.zumik.provider.ChatCall;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Translates the canonical request into an Anthropic Messages request body: top-level
 * parameters, tools, tool choice, JSON mode and extended thinking here; messages in
 * {@link AnthropicMessages}; cache breakpoints in {@link CacheBreakpoints}. Everything Anthropic
 * cannot honour is a {@link RequestRejected} naming the parameter, thrown before anything is sent.
 */
final class AnthropicRequest {
    static final String PROVIDER = "anthropic";

    /**
     * The request body plus what the response translators must know about it.
     *
     * @param jsonTool the name of the forced tool that carries a {@code response_format} answer, or null
     * @param thinking whether extended thinking was requested
     */
    record Translated(ObjectNode body, String jsonTool, boolean thinking) {
        /** The body as sent. */
        byte[] bytes() {
            return Json.bytes(body);
        }
    }

    /** Fields that are translated below. */
    private static final Set<String> TRANSLATED = Set.of("model", "messages", "stream", "stream_options", "n",
            "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "stop", "tools", "tool_choice",
            "parallel_tool_calls", "response_format", "user", "safety_identifier", "reasoning_effort", "cache_control");
    /** Fields that do not change what the model generates, so there is nothing to translate. */
    private static final Set<String> NO_EFFECT = Set.of("store", "metadata", "service_tier", "prompt_cache_key");

    /**
     * Thinking budget per {@code reasoning_effort}. Anthropic's minimum budget is 1,024 tokens; each
     * step up roughly quadruples the room to think. {@code none} turns thinking off.
     */
    static final Map<String, Integer> THINKING_BUDGET = Map.of(
            "minimal", 1_024, "low", 4_096, "medium", 10_000, "high", 24_000);

    private AnthropicRequest() {}

    static Translated translate(ChatCall call, ThinkingMemory memory) {
        ChatRequest r = call.request();
        ObjectNode in = r.body();
        rejectUntranslatable(in);
        Integer budget = thinkingBudget(r);
        boolean thinking = budget != null;

        ObjectNode out = Json.object();
        out.put("model", call.upstreamModel());
        out.put("max_tokens", maxTokens(call, budget));
        AnthropicMessages.Built built = AnthropicMessages.build(r, memory, thinking);
        if (!built.system().isEmpty()) out.set("system", built.system());
        out.set("messages", built.messages());

        String jsonTool = jsonToolName(r);
        ArrayNode tools = tools(r, jsonTool);
        if (!tools.isEmpty()) out.set("tools", tools);
        ObjectNode choice = toolChoice(r, jsonTool);
        if (choice != null) out.set("tool_choice", choice);

        sampling(r, in, out, thinking);
        if (!r.stop().isEmpty()) out.set("stop_sequences", stopSequences(r.stop()));
        String user = r.user() != null ? r.user() : Json.string(in, "safety_identifier");
        if (user != null) {
            String param = r.user() != null ? "user" : "safety_identifier";
            if (user.length() > 256) throw invalid(param, "Anthropic accepts a user id of at most 256 characters.");
            out.putObject("metadata").put("user_id", user);
        }
        if (thinking) {
            ObjectNode t = out.putObject("thinking");
            t.put("type", "enabled");
            t.put("budget_tokens", budget);
        }
        JsonNode topCache = in.get("cache_control");
        if (topCache != null && !topCache.isNull()) {
            out.set("cache_control", CacheBreakpoints.validated(topCache, "cache_control"));
        }
        if (r.stream()) out.put("stream", true);
        CacheBreakpoints.place(out, call.model().capabilities().promptCache(), built.clientBreakpoints(),
                topCache != null && !topCache.isNull());
        return new Translated(out, jsonTool, thinking);
    }

    /** Parameters Anthropic has no equivalent for, and parameters Zumik does not know at all. */
    private static void rejectUntranslatable(ObjectNode in) {
        for (Iterator<Map.Entry<String, JsonNode>> it = in.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (TRANSLATED.contains(name) || NO_EFFECT.contains(name) || v.isNull()) continue;
            String detail = switch (name) {
                case "logprobs" -> v.asBoolean(false) ? "Anthropic does not return token log probabilities" : null;
                case "top_logprobs" -> "Anthropic does not return token log probabilities";
                case "logit_bias" -> v.isObject() && v.isEmpty() ? null : "Anthropic has no logit bias";
                case "seed" -> "Anthropic has no sampling seed";
                case "presence_penalty", "frequency_penalty" ->
                        v.isNumber() && v.doubleValue() == 0 ? null : "Anthropic has no repetition penalties";
                case "audio" -> "Anthropic has no audio output";
                case "modalities" -> textOnly(v) ? null : "Anthropic produces text only";
                case "prediction" -> "Anthropic has no predicted outputs";
                case "web_search_options" -> "Zumik does not translate web search to Anthropic's server tools";
                case "verbosity" -> "Anthropic has no verbosity control";
                case "functions", "function_call" -> "use 'tools' and 'tool_choice' instead of the deprecated functions API";
                default -> "unknown parameter; a native provider cannot receive fields Zumik does not translate, "
                        + "and Zumik will not drop them silently";
            };
            if (detail != null) throw RequestRejected.unsupported(name, PROVIDER, detail);
        }
    }

    private static boolean textOnly(JsonNode modalities) {
        if (!modalities.isArray()) return false;
        for (JsonNode m : modalities) if (!"text".equals(m.asText())) return false;
        return true;
    }

    /** The budget for {@code reasoning_effort}, or null when thinking stays off. */
    private static Integer thinkingBudget(ChatRequest r) {
        String effort = r.reasoningEffort();
        if (effort == null || effort.equals("none")) return null;
        Integer budget = THINKING_BUDGET.get(effort);
        if (budget == null) {
            throw invalid("reasoning_effort", "Invalid value: '" + effort
                    + "'. Supported values for Anthropic are 'none', 'minimal', 'low', 'medium' and 'high'.");
        }
        return budget;
    }

    /**
     * Anthropic requires {@code max_tokens}. Without the client's, the model's default output limit
     * is used; with thinking, that default is given on top of the budget so the visible answer keeps
     * its usual room (capped at the model's output limit when the catalogue knows it).
     */
    private static long maxTokens(ChatCall call, Integer budget) {
        ChatRequest r = call.request();
        if (r.maxTokens() != null) {
            if (budget != null && r.maxTokens() <= budget) {
                String param = r.body().hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
                throw invalid(param, "With reasoning_effort '" + r.reasoningEffort() + "' Anthropic thinks with a budget of "
                        + budget + " tokens, and '" + param + "' must be larger than that budget (got " + r.maxTokens() + ").");
            }
            return r.maxTokens();
        }
        Long def = call.model().capabilities().defaultMaxTokens();
        long base = def == null ? 4096 : def;
        if (budget == null) return base;
        long wanted = budget + base;
        Long cap = call.model().entry() == null ? null : call.model().entry().maxOutputTokens();
        return cap != null && cap > budget ? Math.min(wanted, cap) : wanted;
    }

    private static void sampling(ChatRequest r, ObjectNode in, ObjectNode out, boolean thinking) {
        if (r.temperature() != null) {
            if (r.temperature() > 1) {
                throw invalid("temperature", "Anthropic accepts a temperature between 0 and 1; got " + r.temperature() + ".");
            }
            if (thinking && r.temperature() != 1) {
                throw invalid("temperature", "Anthropic's extended thinking (reasoning_effort) works only at temperature 1; "
                        + "omit 'temperature' or set it to 1.");
            }
            out.set("temperature", in.get("temperature"));
        }
        if (r.topP() != null) {
            if (thinking && r.topP() < 0.95) {
                throw invalid("top_p", "With extended thinking (reasoning_effort) Anthropic accepts top_p between 0.95 and 1.");
            }
            out.set("top_p", in.get("top_p"));
        }
        JsonNode topK = in.get("top_k");
        if (topK != null && !topK.isNull()) {
            if (!topK.canConvertToLong() || !topK.isIntegralNumber() || topK.longValue() < 0) {
                throw invalid("top_k", "Invalid 'top_k': expected a non-negative integer.");
            }
            if (thinking) throw invalid("top_k", "Anthropic's extended thinking (reasoning_effort) cannot be combined with top_k.");
            out.put("top_k", topK.longValue());
        }
    }

    private static ArrayNode stopSequences(List<String> stop) {
        ArrayNode a = Json.array();
        for (int i = 0; i < stop.size(); i++) {
            if (stop.get(i).isBlank()) {
                throw invalid(stop.size() == 1 ? "stop" : "stop[" + i + "]",
                        "Anthropic requires every stop sequence to contain a non-whitespace character.");
            }
            a.add(stop.get(i));
        }
        return a;
    }

    // ---- tools -------------------------------------------------------------------------------

    private static ArrayNode tools(ChatRequest r, String jsonTool) {
        ArrayNode out = Json.array();
        JsonNode raw = r.body().get("tools");
        if (raw != null && raw.isArray()) {
            for (int i = 0; i < raw.size(); i++) {
                String type = Json.string(raw.get(i), "type");
                if (!"function".equals(type)) {
                    throw RequestRejected.unsupported("tools[" + i + "].type", PROVIDER, "only function tools are translated");
                }
            }
        }
        List<ToolSpec> specs = r.tools();
        for (int i = 0; i < specs.size(); i++) {
            ToolSpec t = specs.get(i);
            ObjectNode tool = out.addObject();
            tool.put("name", t.name());
            if (t.description() != null) tool.put("description", t.description());
            tool.set("input_schema", inputSchema(t.parameters(), "tools[" + i + "].function.parameters"));
            if (Boolean.TRUE.equals(t.strict())) tool.put("strict", true);
            JsonNode cc = raw.get(i).get("cache_control");
            if (cc != null && !cc.isNull()) tool.set("cache_control", CacheBreakpoints.validated(cc, "tools[" + i + "].cache_control"));
        }
        if (jsonTool != null) out.add(jsonToolSpec(r, jsonTool));
        return out;
    }

    /** Anthropic requires an object schema; a function without parameters takes an empty object. */
    private static ObjectNode inputSchema(ObjectNode parameters, String param) {
        if (parameters == null) {
            ObjectNode empty = Json.object();
            empty.put("type", "object");
            empty.putObject("properties");
            return empty;
        }
        JsonNode type = parameters.get("type");
        if (type != null && !"object".equals(type.asText())) {
            throw RequestRejected.unsupported(param, PROVIDER, "Anthropic tool input schemas must have type 'object'");
        }
        if (type == null) {
            ObjectNode copy = parameters.deepCopy();
            copy.put("type", "object");
            return copy;
        }
        return parameters;
    }

    private static ObjectNode toolChoice(ChatRequest r, String jsonTool) {
        ObjectNode c = Json.object();
        ToolChoice tc = r.toolChoice();
        boolean ownTools = !r.tools().isEmpty();
        if (jsonTool != null) {
            // JSON mode: the answer is the forced tool's input. With the client's own tools the model
            // must call some tool: one of the client's (a normal tool turn) or the JSON tool (the answer).
            switch (tc) {
                case ToolChoice.Required req -> throw RequestRejected.unsupported("tool_choice", PROVIDER,
                        "with response_format, Zumik answers through a forced tool, so 'required' cannot be told apart "
                                + "from the JSON answer; use 'auto' or name a function");
                case ToolChoice.Named n -> {
                    c.put("type", "tool");
                    c.put("name", n.name());
                }
                case ToolChoice.None none -> {
                    c.put("type", "tool");
                    c.put("name", jsonTool);
                }
                case null, default -> {
                    c.put("type", ownTools ? "any" : "tool");
                    if (!ownTools) c.put("name", jsonTool);
                }
            }
        } else if (!ownTools) {
            return null;
        } else {
            switch (tc) {
                case ToolChoice.None none -> c.put("type", "none");
                case ToolChoice.Required req -> c.put("type", "any");
                case ToolChoice.Named n -> {
                    c.put("type", "tool");
                    c.put("name", n.name());
                }
                case null, default -> c.put("type", "auto");
            }
        }
        if (Boolean.FALSE.equals(r.parallelToolCalls()) && !"none".equals(Json.string(c, "type"))) {
            c.put("disable_parallel_tool_use", true);
        }
        if (r.reasoningEffort() != null && !"none".equals(r.reasoningEffort())) {
            String type = Json.string(c, "type");
            if ("any".equals(type) || "tool".equals(type)) {
                String param = jsonTool != null && !(tc instanceof ToolChoice.Named) ? "response_format" : "tool_choice";
                throw RequestRejected.unsupported(param, PROVIDER, "Anthropic's extended thinking (reasoning_effort) "
                        + "cannot be combined with a forced tool choice"
                        + (param.equals("response_format") ? ", which is how Zumik produces JSON output on Anthropic" : ""));
            }
        }
        return c;
    }

    // ---- JSON mode ---------------------------------------------------------------------------

    private static final String JSON_OBJECT_TOOL = "json_object";

    private static String jsonToolName(ChatRequest r) {
        String name = switch (r.responseFormat()) {
            case ResponseFormat.JsonSchema js -> js.name();
            case ResponseFormat.JsonObject jo -> JSON_OBJECT_TOOL;
            case null, default -> null;
        };
        if (name != null && r.tools().stream().anyMatch(t -> t.name().equals(name))) {
            String param = r.responseFormat() instanceof ResponseFormat.JsonSchema
                    ? "response_format.json_schema.name" : "response_format";
            throw RequestRejected.unsupported(param, PROVIDER, "Zumik answers JSON through a tool named '" + name
                    + "', and one of 'tools' already has that name");
        }
        return name;
    }

    private static ObjectNode jsonToolSpec(ChatRequest r, String name) {
        ObjectNode tool = Json.object();
        tool.put("name", name);
        if (r.responseFormat() instanceof ResponseFormat.JsonSchema js) {
            String description = Json.string(r.body().path("response_format").path("json_schema"), "description");
            tool.put("description", "Give your final answer by calling this tool; its input is the answer."
                    + (description == null ? "" : " " + description));
            ObjectNode schema = js.schema();
            tool.set("input_schema", inputSchema(schema, "response_format.json_schema.schema"));
            if (js.strict()) tool.put("strict", true);
        } else {
            tool.put("description", "Give your final answer by calling this tool; its input is the answer as a JSON object.");
            ObjectNode schema = tool.putObject("input_schema");
            schema.put("type", "object");
            schema.put("additionalProperties", true);
        }
        return tool;
    }

    // ---- rejections --------------------------------------------------------------------------

    static RequestRejected invalid(String param, String message) {
        return new RequestRejected(param, "invalid_value", message);
    }

    static RequestRejected unsupported(String param, String detail) {
        return RequestRejected.unsupported(param, PROVIDER, detail);
    }
}
