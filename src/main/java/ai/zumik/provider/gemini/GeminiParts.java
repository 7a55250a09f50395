package ai.zumik.provider.gemini;

import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Reading a candidate's {@code content.parts}. Thought parts ({@code thought: true}) are the
 * model's reasoning summary, never answer text. Only text and function calls are answer content;
 * the other part kinds (inline images, executable code and its results) come only from features
 * this adapter never requests. A {@code thoughtSignature} on a text part has nowhere to go in
 * OpenAI's format and is not kept; Gemini requires signatures back on function calls only.
 */
final class GeminiParts {
    private GeminiParts() {}

    /** What one part is, in OpenAI's terms. */
    sealed interface Part {}

    record Text(String text) implements Part {}

    /** {@code arguments} is the JSON text of Gemini's {@code args} object ({@code {}} when absent). */
    record Call(String name, String arguments, String signature) implements Part {}

    record Ignored() implements Part {}

    private static final Ignored IGNORED = new Ignored();

    static Part read(JsonNode part) {
        if (part.path("thought").asBoolean(false)) return IGNORED;
        if (part.get("functionCall") instanceof ObjectNode call) {
            JsonNode args = call.get("args");
            return new Call(Json.string(call, "name"), Json.text(args instanceof ObjectNode ? args : Json.object()),
                    Json.string(part, "thoughtSignature"));
        }
        String text = Json.string(part, "text");
        return text == null ? IGNORED : new Text(text);
    }
}
