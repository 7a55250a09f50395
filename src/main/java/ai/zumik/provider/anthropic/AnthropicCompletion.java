package ai.zumik.provider.anthropic;

import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import ai.zumik.provider.UsageTable;
import ai.zumik.provider.openai.OpenAiShapes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A whole Anthropic {@code message} to an OpenAI {@code chat.completion}: text blocks joined into
 * {@code message.content} (null when the turn only calls tools), {@code tool_use} blocks to
 * {@code tool_calls} with the input as compact JSON arguments, the JSON-mode tool's input as the
 * content itself, thinking blocks remembered for the next tool turn but never rendered.
 */
final class AnthropicCompletion {
    private AnthropicCompletion() {}

    /**
     * OpenAI's {@code finish_reason} for Anthropic's {@code stop_reason}. {@code pause_turn} comes
     * only from Anthropic's server tools, which Zumik never sends, and
     * {@code model_context_window_exceeded} cuts the answer short like {@code max_tokens}; any
     * value Anthropic adds later is reported as {@code stop}.
     *
     * @param clientToolCalls whether the turn made tool calls the client sees (not only the JSON tool)
     */
    static String finishReason(String stopReason, boolean clientToolCalls) {
        if (stopReason == null) return "stop";
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> clientToolCalls ? "tool_calls" : "stop";
            case "refusal" -> "content_filter";
            default -> "stop";
        };
    }

    static StreamEvent translate(byte[] bytes, String model, AnthropicRequest.Translated req, ThinkingMemory memory) {
        JsonNode root;
        try {
            root = Json.parse(bytes);
        } catch (Exception e) {
            return StreamEvent.Failed.malformed("Anthropic returned a body that is not JSON.");
        }
        if ("error".equals(Json.string(root, "type"))) {
            return new StreamEvent.Failed(AnthropicErrors.of(502, root, null), Usage.UNREPORTED);
        }
        if (!"message".equals(Json.string(root, "type")) || !(root.get("content") instanceof ArrayNode content)) {
            return StreamEvent.Failed.malformed("Anthropic returned a body that is not a message.");
        }
        StringBuilder text = new StringBuilder();
        boolean hasText = false;
        ArrayNode toolCalls = Json.array();
        List<String> toolIds = new ArrayList<>();
        List<ObjectNode> thinking = new ArrayList<>();
        for (JsonNode block : content) {
            switch (Json.string(block, "type") == null ? "" : Json.string(block, "type")) {
                case "text" -> {
                    text.append(block.path("text").asText());
                    hasText = true;
                }
                case "tool_use" -> {
                    String input = Json.text(block.has("input") ? block.get("input") : Json.object());
                    if (block.path("name").asText().equals(req.jsonTool())) {
                        text.append(input);
                        hasText = true;
                    } else {
                        toolCalls.add(OpenAiShapes.toolCall(block.path("id").asText(), block.path("name").asText(), input));
                        toolIds.add(block.path("id").asText());
                    }
                }
                case "thinking", "redacted_thinking" -> thinking.add((ObjectNode) block);
                default -> { } // server-tool blocks never appear: Zumik sends no server tools
            }
        }
        if (req.thinking()) memory.remember(toolIds, thinking);

        Usage usage = UsageTable.anthropic(root.get("usage"));
        String id = Json.string(root, "id");
        ObjectNode out = OpenAiShapes.envelope("chat.completion", id == null ? "chatcmpl-anthropic" : id,
                System.currentTimeMillis() / 1000, model);
        out.withArray("choices").add(OpenAiShapes.choice(0, hasText ? text.toString() : null, toolCalls,
                finishReason(Json.string(root, "stop_reason"), !toolCalls.isEmpty())));
        out.set("usage", OpenAiShapes.usage(usage));
        return new StreamEvent.Completion(Json.bytes(out), usage);
    }
}
