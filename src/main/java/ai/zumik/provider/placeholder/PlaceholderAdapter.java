package ai.zumik.provider.placeholder;

import ai.zumik.ids.Sha256;
import ai.zumik.inference.ChatMessage;
import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.EmbeddingRequest;
import ai.zumik.inference.ResponseFormat;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.ToolChoice;
import ai.zumik.inference.ToolSpec;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import ai.zumik.provider.ChatCall;
import ai.zumik.provider.EmbeddingCall;
import ai.zumik.provider.ProviderAdapter;
import ai.zumik.provider.UpstreamCall;
import ai.zumik.provider.openai.OpenAiShapes;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Deterministic answers for targets with no upstream configured: the same input always gives the
 * same text, tool call, JSON or vector, so tests and demos can assert on them. Used only when no
 * upstream exists for the path, never in place of a configured provider that is failing. Token
 * counts are estimates (about four bytes per token) and say so by being placeholder-mode usage.
 */
public final class PlaceholderAdapter implements ProviderAdapter {
    /** Real embedding models stay well below this; it bounds a placeholder answer's size. */
    static final int MAX_PLACEHOLDER_DIMENSIONS = 4096;
    private static final String ID = "chatcmpl-placeholder";
    private static final String FINGERPRINT = "zumik_placeholder";
    private final Vertx vertx;
    private final String label;

    /** {@code label} names the target in the text, e.g. {@code openai/gpt-4o-mini}. */
    public PlaceholderAdapter(Vertx vertx, String label) {
        this.vertx = vertx;
        this.label = label;
    }

    @Override
    public UpstreamCall chat(ChatCall call, Consumer<StreamEvent> events) {
        Answer answer = answer(call.request());
        Cancellable handle = new Cancellable();
        long created = System.currentTimeMillis() / 1000;
        vertx.getOrCreateContext().runOnContext(v -> {
            if (handle.cancelled) return;
            if (!call.request().stream()) {
                events.accept(new StreamEvent.Completion(Json.bytes(completion(call, answer, created)), answer.usage));
                return;
            }
            for (ObjectNode chunk : chunks(call, answer, created)) {
                if (handle.cancelled) return;
                boolean usageChunk = chunk.get("choices").isEmpty();
                events.accept(new StreamEvent.Chunk(Json.bytes(chunk), usageChunk ? answer.usage : null, usageChunk));
            }
            if (!handle.cancelled) events.accept(new StreamEvent.End(answer.usage));
        });
        return handle;
    }

    @Override
    public UpstreamCall embeddings(EmbeddingCall call, Consumer<StreamEvent> events) {
        EmbeddingRequest req = call.request();
        int dims = req.dimensions() != null ? req.dimensions()
                : call.nativeDimensions() != null ? call.nativeDimensions() : 1536;
        if (dims > MAX_PLACEHOLDER_DIMENSIONS) {
            Cancellable refused = new Cancellable();
            vertx.getOrCreateContext().runOnContext(v -> {
                if (!refused.cancelled) events.accept(new StreamEvent.Failed(new ai.zumik.inference.UpstreamFailure(
                        ai.zumik.inference.FailureClass.BAD_REQUEST, 0, "Placeholder embeddings have at most "
                        + MAX_PLACEHOLDER_DIMENSIONS + " dimensions; " + dims + " were requested.", "dimensions",
                        "invalid_value", null), Usage.UNREPORTED));
            });
            return refused;
        }
        ObjectNode root = Json.object();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        long tokens = 0;
        for (int i = 0; i < req.inputs().size(); i++) {
            String input = req.inputs().get(i);
            tokens += estimateTokens(input);
            float[] v = vector(call.upstreamModel(), input, dims);
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            if (req.base64()) {
                ByteBuffer bb = ByteBuffer.allocate(dims * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (float f : v) bb.putFloat(f);
                item.put("embedding", Base64.getEncoder().encodeToString(bb.array()));
            } else {
                ArrayNode arr = item.putArray("embedding");
                for (float f : v) arr.add(f);
            }
        }
        root.put("model", call.upstreamModel());
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", tokens);
        usage.put("total_tokens", tokens);
        Usage u = new Usage(tokens, 0L, null, null, null);
        Cancellable handle = new Cancellable();
        vertx.getOrCreateContext().runOnContext(v -> {
            if (!handle.cancelled) events.accept(new StreamEvent.Completion(Json.bytes(root), u));
        });
        return handle;
    }

    /** What the placeholder "model" says: text, or one tool call. */
    private record Answer(String content, ToolSpec tool, String toolArguments, String finishReason, Usage usage,
                          String digest) {}

    private Answer answer(ChatRequest req) {
        String digest = Sha256.hex(Json.bytes(req.body().get("messages"))).substring(0, 8);
        long prompt = 0;
        for (ChatMessage m : req.messages()) prompt += 3 + estimateTokens(m.text());
        ToolSpec tool = chosenTool(req);
        if (tool != null) {
            // Arguments are always a JSON object, "{}" for a function declared without parameters,
            // as OpenAI sends them; clients parse them as an object.
            var sample = SchemaSample.minimal(tool.parameters());
            String args = Json.text(sample.isObject() ? sample : Json.object());
            return new Answer(null, tool, args, "tool_calls",
                    new Usage(prompt, (estimateTokens(args) + 4) * req.n(), 0L, null, 0L), digest);
        }
        String content = switch (req.responseFormat()) {
            case ResponseFormat.JsonSchema js -> Json.text(SchemaSample.minimal(js.schema()));
            case ResponseFormat.JsonObject jo -> {
                ObjectNode o = Json.object();
                o.put("placeholder", true);
                o.put("target", label);
                o.put("input_digest", digest);
                yield Json.text(o);
            }
            case null, default -> "Placeholder reply from Zumik (no upstream configured for " + label
                    + "). Input digest " + digest + ". You said: \"" + truncate(req.lastUserText(), 200) + "\"";
        };
        String finish = "stop";
        long completion = estimateTokens(content);
        if (req.maxTokens() != null && completion > req.maxTokens()) {
            content = truncate(content, req.maxTokens() * 4);
            completion = req.maxTokens();
            finish = "length";
        }
        return new Answer(content, null, null, finish, new Usage(prompt, completion * req.n(), 0L, null, 0L), digest);
    }

    private static ToolSpec chosenTool(ChatRequest req) {
        if (req.tools().isEmpty()) return null;
        return switch (req.toolChoice()) {
            case ToolChoice.Required r -> req.tools().getFirst();
            case ToolChoice.Named n -> req.tools().stream().filter(t -> t.name().equals(n.name())).findFirst()
                    .orElse(req.tools().getFirst());
            case null, default -> null;
        };
    }

    private ObjectNode completion(ChatCall call, Answer a, long created) {
        ObjectNode root = envelope(call, "chat.completion", created);
        ArrayNode choices = root.withArray("choices");
        for (int i = 0; i < call.request().n(); i++) {
            ArrayNode calls = a.tool == null ? null : Json.array().add(OpenAiShapes.toolCall(toolCallId(a), a.tool.name(),
                    a.toolArguments));
            choices.add(OpenAiShapes.choice(i, a.content, calls, a.finishReason));
        }
        root.set("usage", OpenAiShapes.usage(a.usage));
        return root;
    }

    private List<ObjectNode> chunks(ChatCall call, Answer a, long created) {
        List<ObjectNode> out = new ArrayList<>();
        int n = call.request().n();
        for (int i = 0; i < n; i++) {
            ObjectNode delta = Json.object();
            delta.put("role", "assistant");
            if (a.tool == null) delta.put("content", "");
            else delta.putNull("content");
            delta.putNull("refusal");
            out.add(chunk(call, created, i, delta, null));
        }
        if (a.tool != null) {
            for (int i = 0; i < n; i++) {
                ObjectNode delta = Json.object();
                delta.putArray("tool_calls").add(OpenAiShapes.toolCallDelta(0, toolCallId(a), a.tool.name(), a.toolArguments));
                out.add(chunk(call, created, i, delta, null));
            }
        } else {
            for (String piece : pieces(a.content)) {
                for (int i = 0; i < n; i++) {
                    ObjectNode delta = Json.object();
                    delta.put("content", piece);
                    out.add(chunk(call, created, i, delta, null));
                }
            }
        }
        for (int i = 0; i < n; i++) out.add(chunk(call, created, i, Json.object(), a.finishReason));
        ObjectNode usage = OpenAiShapes.usageChunk(ID, created, call.upstreamModel(), a.usage);
        usage.put("system_fingerprint", FINGERPRINT);
        out.add(usage);
        return out;
    }

    private static String toolCallId(Answer a) {
        return "call_" + a.digest + "placeholder0";
    }

    private ObjectNode chunk(ChatCall call, long created, int index, ObjectNode delta, String finish) {
        ObjectNode root = OpenAiShapes.chunk(ID, created, call.upstreamModel(), index, delta, finish);
        root.put("system_fingerprint", FINGERPRINT);
        return root;
    }

    private static ObjectNode envelope(ChatCall call, String object, long created) {
        ObjectNode root = OpenAiShapes.envelope(object, ID, created, call.upstreamModel());
        root.put("system_fingerprint", FINGERPRINT);
        return root;
    }

    /** Splits text into word-sized pieces that concatenate back to it exactly. */
    static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 1; i < text.length(); i++) {
            if (text.charAt(i) == ' ') {
                out.add(text.substring(start, i));
                start = i;
            }
        }
        if (start < text.length()) out.add(text.substring(start));
        return out;
    }

    static long estimateTokens(String s) {
        return s.isEmpty() ? 0 : (s.getBytes(StandardCharsets.UTF_8).length + 3) / 4;
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    private static float[] vector(String model, String input, int dims) {
        byte[] seed = Sha256.of((model + "\u0000" + input).getBytes(StandardCharsets.UTF_8));
        SplittableRandom random = new SplittableRandom(ByteBuffer.wrap(seed).getLong());
        float[] v = new float[dims];
        double norm = 0;
        for (int i = 0; i < dims; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
            norm += v[i] * v[i];
        }
        float scale = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < dims; i++) v[i] *= scale;
        return v;
    }

    private static final class Cancellable implements UpstreamCall {
        boolean cancelled;

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public void pause() {}

        @Override
        public void resume() {}
    }
}
