package ai.zumik.provider.gemini;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.UpstreamFailure;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import ai.zumik.provider.UsageTable;
import ai.zumik.provider.openai.ChunkWriter;
import ai.zumik.provider.openai.OpenAiShapes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Gemini's {@code streamGenerateContent?alt=sse} → OpenAI chunks, one Gemini event at a time.
 * Each SSE event is a whole {@code GenerateContentResponse} holding the next parts of each
 * candidate; the stream has no terminator and simply ends. Per candidate (an OpenAI choice, by
 * {@code index}): a role chunk when it first appears, a content chunk per text part, two chunks
 * per function call (Gemini sends calls whole: first {@code index}/{@code id}/{@code type}/name
 * with empty arguments, then the arguments), and a finish chunk when {@code finishReason}
 * arrives. The stream is complete when the connection ends cleanly after every candidate
 * finished; then the usage-only chunk is built from the last {@code usageMetadata} (each event's
 * counts are running totals). A connection that ends before that is an interruption.
 */
final class GeminiStream {
    private final String model;
    private final long created = System.currentTimeMillis() / 1000;
    private final Map<Integer, Choice> choices = new HashMap<>();
    private final String apiKey;
    private final ChunkWriter chunks;
    private String id;
    private Usage usage = Usage.UNREPORTED;

    private static final class Choice {
        int toolCalls;
        String finish;
    }

    GeminiStream(String model, String apiKey) {
        this.model = model;
        this.apiKey = apiKey;
        this.chunks = new ChunkWriter(created, model);
    }

    Usage usage() {
        return usage;
    }

    /** Translates one SSE event's data as it arrived; returns the failure that ends the stream, or null. */
    UpstreamFailure accept(byte[] data, int length, Consumer<StreamEvent> out) {
        JsonNode json;
        try {
            json = Json.parse(data, 0, length);
        } catch (IOException e) {
            json = null;
        }
        if (!(json instanceof ObjectNode)) {
            return UpstreamFailure.of(FailureClass.MALFORMED_RESPONSE, "Gemini sent a stream event that is not a JSON object.");
        }
        return accept(json, out);
    }

    /** Translates one event into chunks; returns the failure that ends the stream, or null. */
    UpstreamFailure accept(JsonNode event, Consumer<StreamEvent> out) {
        if (event.get("error") instanceof ObjectNode) return GeminiErrors.inStream(event, !choices.isEmpty(), apiKey);
        if (id == null) id = GeminiResponse.completionId(event);
        if (event.get("usageMetadata") instanceof ObjectNode meta) usage = UsageTable.gemini(meta);
        JsonNode candidates = event.get("candidates");
        if (candidates == null || candidates.isEmpty()) {
            String block = Json.string(event.get("promptFeedback"), "blockReason");
            return block == null ? null : GeminiFinish.promptBlocked(block);
        }
        for (JsonNode candidate : candidates) {
            UpstreamFailure f = candidate(candidate, out);
            if (f != null) return f;
        }
        return null;
    }

    /** The connection ended cleanly: emits the usage chunk when the answer is whole, else returns the interruption. */
    UpstreamFailure close(Consumer<StreamEvent> out) {
        boolean whole = !choices.isEmpty() && choices.values().stream().allMatch(c -> c.finish != null);
        if (!whole) {
            return UpstreamFailure.of(FailureClass.STREAM_INTERRUPTED,
                    "Gemini closed the stream before the answer finished.");
        }
        out.accept(new StreamEvent.Chunk(Json.bytes(OpenAiShapes.usageChunk(id, created, model, usage)), usage, true));
        return null;
    }

    private UpstreamFailure candidate(JsonNode candidate, Consumer<StreamEvent> out) {
        int index = candidate.path("index").asInt(0);
        Choice choice = choices.get(index);
        JsonNode parts = candidate.path("content").path("parts");
        if (choice == null) {
            choice = new Choice();
            choices.put(index, choice);
            ObjectNode delta = Json.object();
            delta.put("role", "assistant");
            if (startsWithCall(parts)) delta.putNull("content");
            else delta.put("content", "");
            out.accept(chunk(index, delta, null));
        } else if (choice.finish != null) {
            return UpstreamFailure.of(FailureClass.MALFORMED_RESPONSE, "Gemini continued a candidate after it finished.");
        }
        for (JsonNode p : parts) {
            switch (GeminiParts.read(p)) {
                case GeminiParts.Text t when !t.text().isEmpty() ->
                        out.accept(new StreamEvent.Chunk(chunks.content(id, index, t.text()), null, false));
                case GeminiParts.Call c -> call(index, choice.toolCalls++, c, out);
                default -> { }
            }
        }
        String reason = Json.string(candidate, "finishReason");
        if (reason == null) return null;
        Optional<String> finish = GeminiFinish.openAi(reason, choice.toolCalls > 0);
        if (finish.isEmpty()) return GeminiFinish.unusable(reason);
        choice.finish = finish.get();
        out.accept(chunk(index, Json.object(), choice.finish));
        return null;
    }

    private void call(int choice, int index, GeminiParts.Call c, Consumer<StreamEvent> out) {
        ObjectNode head = Json.object();
        head.putArray("tool_calls").add(OpenAiShapes.toolCallDelta(index, ToolCallIds.mint(c.signature()), c.name(), ""));
        out.accept(chunk(choice, head, null));
        out.accept(new StreamEvent.Chunk(chunks.arguments(id, choice, index, c.arguments()), null, false));
    }

    private static boolean startsWithCall(JsonNode parts) {
        for (JsonNode p : parts) {
            switch (GeminiParts.read(p)) {
                case GeminiParts.Call c -> {
                    return true;
                }
                case GeminiParts.Text t when !t.text().isEmpty() -> {
                    return false;
                }
                default -> { }
            }
        }
        return false;
    }

    private StreamEvent.Chunk chunk(int index, ObjectNode delta, String finish) {
        return new StreamEvent.Chunk(Json.bytes(OpenAiShapes.chunk(id, created, model, index, delta, finish)), null, false);
    }
}
