package ai.zumik.provider.gemini;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.UpstreamFailure;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import ai.zumik.provider.UsageTable;
import ai.zumik.provider.openai.OpenAiShapes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A non-stream {@code GenerateContentResponse} → an OpenAI {@code chat.completion}: one choice per
 * candidate (its {@code index} kept), answer text concatenated, each function call a tool call
 * whose id carries its thought signature ({@link ToolCallIds}), finish reasons per
 * {@link GeminiFinish}, usage per {@link UsageTable#gemini}.
 */
final class GeminiResponse {
    private GeminiResponse() {}

    static StreamEvent completion(JsonNode root, String model) {
        Usage usage = UsageTable.gemini(root.get("usageMetadata"));
        JsonNode candidates = root.get("candidates");
        if (candidates == null || candidates.isEmpty()) {
            String block = Json.string(root.get("promptFeedback"), "blockReason");
            return new StreamEvent.Failed(block != null ? GeminiFinish.promptBlocked(block)
                    : UpstreamFailure.of(FailureClass.MALFORMED_RESPONSE, "Gemini returned no candidates."), usage);
        }
        List<JsonNode> ordered = new ArrayList<>();
        candidates.forEach(ordered::add);
        ordered.sort(Comparator.comparingInt(c -> c.path("index").asInt(0)));
        ObjectNode out = OpenAiShapes.envelope("chat.completion", completionId(root), System.currentTimeMillis() / 1000, model);
        ArrayNode choices = out.withArray("choices");
        for (JsonNode candidate : ordered) {
            UpstreamFailure unusable = choice(candidate, choices);
            if (unusable != null) return new StreamEvent.Failed(unusable, usage);
        }
        out.set("usage", OpenAiShapes.usage(usage));
        return new StreamEvent.Completion(Json.bytes(out), usage);
    }

    /** Adds the candidate's choice; returns the failure when its finish reason makes it unusable. */
    private static UpstreamFailure choice(JsonNode candidate, ArrayNode choices) {
        StringBuilder text = null;
        ArrayNode calls = Json.array();
        for (JsonNode p : candidate.path("content").path("parts")) {
            switch (GeminiParts.read(p)) {
                case GeminiParts.Text t -> {
                    if (text == null) text = new StringBuilder();
                    text.append(t.text());
                }
                case GeminiParts.Call c -> calls.add(OpenAiShapes.toolCall(ToolCallIds.mint(c.signature()), c.name(), c.arguments()));
                case GeminiParts.Ignored i -> { }
            }
        }
        // A complete non-stream body whose candidate names no reason ended normally.
        String reason = Json.string(candidate, "finishReason");
        Optional<String> finish = GeminiFinish.openAi(reason == null ? "STOP" : reason, !calls.isEmpty());
        if (finish.isEmpty()) return GeminiFinish.unusable(reason);
        String content = text != null ? text.toString() : calls.isEmpty() ? "" : null;
        choices.add(OpenAiShapes.choice(candidate.path("index").asInt(0), content, calls, finish.get()));
        return null;
    }

    static String completionId(JsonNode root) {
        String responseId = Json.string(root, "responseId");
        return "chatcmpl-" + (responseId != null ? responseId : "gemini");
    }
}
