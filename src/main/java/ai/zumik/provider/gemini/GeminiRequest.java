package ai.zumik.provider.gemini;

import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.RequestRejected;
import ai.zumik.inference.ResponseFormat;
import ai.zumik.inference.ToolChoice;
import ai.zumik.inference.ToolSpec;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * An OpenAI chat request → a Gemini {@code GenerateContentRequest}: contents (see
 * {@link GeminiContents}), function declarations and the function calling mode, and
 * {@code generationConfig}. Every top-level field is accounted for: translated, known not to change
 * generation ({@link #INERT}), or refused naming the field, since Gemini would otherwise never
 * see it.
 *
 * <p>{@code reasoning_effort} becomes {@code thinkingConfig}: Gemini 1.x/2.x models take a token
 * budget (none → 0, minimal and low → 1024, medium → 8192, high → 24576, the values Google's own
 * OpenAI compatibility layer uses); later models take {@code thinkingLevel} with the same names,
 * and cannot turn thinking off. Thought summaries are never requested.
 */
final class GeminiRequest {
    /** Fields that do not change what is generated (billing, storage, routing hints). */
    private static final Set<String> INERT = Set.of("user", "store", "metadata", "service_tier", "stream_options",
            "safety_identifier", "prompt_cache_key");
    private static final Set<String> TRANSLATED = Set.of("model", "messages", "stream", "max_tokens",
            "max_completion_tokens", "n", "temperature", "top_p", "top_k", "stop", "tools", "tool_choice",
            "parallel_tool_calls", "response_format", "seed", "presence_penalty", "frequency_penalty",
            "reasoning_effort");
    private static final Map<String, Integer> BUDGETS = Map.of("none", 0, "minimal", 1024, "low", 1024,
            "medium", 8192, "high", 24576);
    private static final Set<String> LEVELS = Set.of("minimal", "low", "medium", "high");

    private GeminiRequest() {}

    /** The request body as sent; @throws RequestRejected naming the first field Gemini cannot honour */
    static byte[] bytes(ChatRequest r, String model) {
        return Json.bytes(build(r, model));
    }

    /** @throws RequestRejected naming the first field Gemini cannot honour */
    static ObjectNode build(ChatRequest r, String model) {
        ObjectNode body = r.body();
        checkFields(body);
        GeminiContents.Result conversation = GeminiContents.translate(r.messages(), (ArrayNode) body.get("messages"));
        ObjectNode out = Json.object();
        out.set("contents", conversation.contents());
        if (conversation.systemInstruction() != null) out.set("systemInstruction", conversation.systemInstruction());
        tools(r, body, out);
        ObjectNode config = generationConfig(r, body, model, conversation.detail());
        if (!config.isEmpty()) out.set("generationConfig", config);
        return out;
    }

    private static void checkFields(ObjectNode body) {
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String k = f.getKey();
            JsonNode v = f.getValue();
            if (v.isNull() || TRANSLATED.contains(k) || INERT.contains(k)) continue;
            switch (k) {
                case "logprobs" -> {
                    if (v.asBoolean()) throw reject(k, "token log probabilities");
                }
                case "logit_bias" -> {
                    if (!v.isEmpty()) throw reject(k, "token biases");
                }
                case "modalities" -> {
                    if (!v.isArray()) throw reject(k, "output modalities other than text");
                    for (JsonNode m : v) if (!"text".equals(m.asText())) throw reject(k, "output modality '" + m.asText() + "'");
                }
                default -> throw reject(k, switch (k) {
                    case "top_logprobs" -> "token log probabilities";
                    case "audio" -> "audio output";
                    case "prediction" -> "predicted outputs";
                    case "functions", "function_call" -> "the legacy functions API; send tools instead";
                    default -> "Gemini has no equivalent";
                });
            }
        }
    }

    private static void tools(ChatRequest r, ObjectNode body, ObjectNode out) {
        JsonNode rawTools = body.get("tools");
        if (rawTools != null) {
            for (int i = 0; i < rawTools.size(); i++) {
                String type = Json.string(rawTools.get(i), "type");
                if (!"function".equals(type)) throw reject("tools[" + i + "].type", "tools of type '" + type + "'");
            }
        }
        boolean strict = false;
        if (!r.tools().isEmpty()) {
            ArrayNode declarations = out.putArray("tools").addObject().putArray("functionDeclarations");
            for (int i = 0; i < r.tools().size(); i++) {
                ToolSpec t = r.tools().get(i);
                strict |= Boolean.TRUE.equals(t.strict());
                ObjectNode d = declarations.addObject();
                d.put("name", t.name());
                if (t.description() != null) d.put("description", t.description());
                if (t.parameters() != null) {
                    ObjectNode params = GeminiSchema.convert(t.parameters(), "tools[" + i + "].function.parameters", false);
                    if (!takesNoArguments(params)) d.set("parameters", params);
                }
            }
        }
        if (body.get("tool_choice") instanceof ObjectNode tc && !"function".equals(Json.string(tc, "type"))) {
            throw reject("tool_choice.type", "tool choices of type '" + Json.string(tc, "type") + "'");
        }
        ToolChoice choice = r.toolChoice();
        if (Boolean.FALSE.equals(r.parallelToolCalls()) && !r.tools().isEmpty() && !(choice instanceof ToolChoice.None)) {
            throw reject("parallel_tool_calls", "Gemini may always call several functions at once");
        }
        // With strict tools the schema must hold: ANY already constrains calls to the declared
        // schema, AUTO does not, VALIDATED is AUTO with that constraint.
        String mode = switch (choice) {
            case null -> strict ? "VALIDATED" : null;
            case ToolChoice.Auto a -> strict ? "VALIDATED" : "AUTO";
            case ToolChoice.None n -> "NONE";
            case ToolChoice.Required q -> "ANY";
            case ToolChoice.Named n -> "ANY";
        };
        if (mode == null || r.tools().isEmpty()) return;
        ObjectNode fcc = out.putObject("toolConfig").putObject("functionCallingConfig");
        fcc.put("mode", mode);
        if (choice instanceof ToolChoice.Named n) fcc.putArray("allowedFunctionNames").add(n.name());
    }

    /**
     * {@code {"type":"object","properties":{}}} is how OpenAI clients declare a function without
     * arguments; Gemini rejects an OBJECT without properties, and a declaration without
     * parameters means the same thing.
     */
    private static boolean takesNoArguments(ObjectNode params) {
        for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            boolean empty = switch (f.getKey()) {
                case "type" -> "OBJECT".equals(f.getValue().textValue());
                case "properties", "required", "propertyOrdering" -> f.getValue().isEmpty();
                default -> false;
            };
            if (!empty) return false;
        }
        return true;
    }

    private static ObjectNode generationConfig(ChatRequest r, ObjectNode body, String model, String detail) {
        ObjectNode g = Json.object();
        if (r.maxTokens() != null) g.put("maxOutputTokens", r.maxTokens());
        copyNumber(body, "temperature", g, "temperature");
        copyNumber(body, "top_p", g, "topP");
        JsonNode topK = body.get("top_k");
        if (topK != null && !topK.isNull()) {
            if (!topK.isIntegralNumber() || topK.asLong() < 1 || topK.asLong() > Integer.MAX_VALUE) {
                throw new RequestRejected("top_k", "invalid_value", "Invalid 'top_k': expected a positive integer.");
            }
            g.put("topK", topK.asInt());
        }
        if (!r.stop().isEmpty()) {
            ArrayNode stops = g.putArray("stopSequences");
            r.stop().forEach(stops::add);
        }
        if (r.n() > 1) g.put("candidateCount", r.n());
        JsonNode seed = body.get("seed");
        if (seed != null && !seed.isNull()) {
            if (!seed.canConvertToInt()) throw reject("seed", "Gemini seeds are 32-bit integers");
            g.put("seed", seed.asInt());
        }
        copyNumber(body, "presence_penalty", g, "presencePenalty");
        copyNumber(body, "frequency_penalty", g, "frequencyPenalty");
        switch (r.responseFormat()) {
            case ResponseFormat.JsonObject j -> g.put("responseMimeType", "application/json");
            case ResponseFormat.JsonSchema s -> {
                g.put("responseMimeType", "application/json");
                if (s.schema() != null) {
                    g.set("responseSchema", GeminiSchema.convert(s.schema(), "response_format.json_schema.schema", true));
                }
            }
            case null, default -> { }
        }
        if (r.reasoningEffort() != null) g.set("thinkingConfig", thinking(r.reasoningEffort(), model));
        if (detail != null) g.put("mediaResolution", detail.equals("low") ? "MEDIA_RESOLUTION_LOW" : "MEDIA_RESOLUTION_HIGH");
        return g;
    }

    private static ObjectNode thinking(String effort, String model) {
        ObjectNode t = Json.object();
        if (model.startsWith("gemini-1") || model.startsWith("gemini-2")) {
            Integer budget = BUDGETS.get(effort);
            if (budget == null) throw reject("reasoning_effort", "the effort '" + effort + "' (none, minimal, low, medium or high)");
            t.put("thinkingBudget", budget);
        } else {
            if (!LEVELS.contains(effort)) {
                throw reject("reasoning_effort", "the effort '" + effort + "' on " + model
                        + " (minimal, low, medium or high; thinking cannot be turned off)");
            }
            t.put("thinkingLevel", effort);
        }
        return t;
    }

    /** Copies a number as the client wrote it (0.70 stays 0.70). */
    private static void copyNumber(ObjectNode body, String from, ObjectNode g, String to) {
        JsonNode v = body.get(from);
        if (v != null && v.isNumber()) g.set(to, v);
    }

    static RequestRejected reject(String param, String detail) {
        return RequestRejected.unsupported(param, "gemini", detail);
    }
}
