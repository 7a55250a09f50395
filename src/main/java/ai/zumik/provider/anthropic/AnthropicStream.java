package ai.zumik.provider.anthropic;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.UpstreamFailure;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import ai.zumik.provider.UsageTable;
import ai.zumik.provider.openai.ChunkWriter;
import ai.zumik.provider.openai.OpenAiShapes;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Anthropic's stream events to OpenAI chunks, one event at a time, as they arrive.
 *
 * <pre>
 * message_start                       remember id and usage; nothing is emitted yet
 * content_block_start text            the first chunk (role: assistant) if none was sent
 * content_block_start tool_use        a tool call's first chunk: index, id, type, name, arguments ""
 * content_block_delta text_delta      content
 * content_block_delta input_json_delta that call's arguments fragment (the JSON-mode tool: content)
 * content_block_delta thinking_delta / signature_delta   kept for the next tool turn, never rendered
 * content_block_stop                  a call that streamed no arguments gets "{}"
 * message_delta                       the finish chunk; usage merged (output_tokens is cumulative,
 *                                     and newer APIs repeat the input and cache counts there)
 * message_stop                        the usage-only chunk, then the end
 * ping, unknown event types           nothing (Anthropic may add event types)
 * error                               a failure; after content an interruption
 * </pre>
 *
 * Tool call {@code index} counts the calls the client sees (0, 1, 2...), not Anthropic's content
 * block index, so interleaved parallel calls keep their own index. The first chunk is sent with
 * the first content block, so an error event right after {@code message_start} (Anthropic's usual
 * overloaded case) is an ordinary failure another attempt may fix, not a broken stream.
 */
final class AnthropicStream {
    /** Where translated events go (the HTTP attempt, or a test). */
    interface Sink {
        void chunk(byte[] json, Usage usage, boolean usageOnly);

        void end(Usage usage);

        void failed(UpstreamFailure failure, Usage usage);
    }

    private enum Kind { TEXT, TOOL, JSON, THINKING, OTHER }

    private static final class Block {
        final Kind kind;
        final int toolIndex;
        final ObjectNode thinking;
        final StringBuilder thinkingText = new StringBuilder();
        boolean argumentsSent;

        Block(Kind kind, int toolIndex, ObjectNode thinking) {
            this.kind = kind;
            this.toolIndex = toolIndex;
            this.thinking = thinking;
        }
    }

    private final String model;
    private final AnthropicRequest.Translated request;
    private final ThinkingMemory memory;
    private final Sink sink;
    private final long created = System.currentTimeMillis() / 1000;
    private final Map<Integer, Block> blocks = new HashMap<>();
    /** The ids of the tool calls the client sees, in order: a call's position is its {@code index}. */
    private final List<String> toolIds = new ArrayList<>();
    private final List<ObjectNode> thinking = new ArrayList<>();
    private final ObjectNode usage = Json.object();
    private final ChunkWriter chunks;
    private String id = "chatcmpl-anthropic";
    private boolean roleSent;
    private boolean done;

    AnthropicStream(String model, AnthropicRequest.Translated request, ThinkingMemory memory, Sink sink) {
        this.model = model;
        this.request = request;
        this.memory = memory;
        this.sink = sink;
        this.chunks = new ChunkWriter(created, model);
    }

    /** The usage reported so far (for a failure's record). */
    Usage usage() {
        return UsageTable.anthropic(usage);
    }

    /** Handles one SSE event's data as it arrived; data that is not JSON fails the stream. */
    void on(String sseName, byte[] data, int length) {
        if (fastDelta(data, length)) return;
        JsonNode json;
        try {
            json = Json.parse(data, 0, length);
        } catch (IOException e) {
            sink.failed(UpstreamFailure.of(FailureClass.MALFORMED_RESPONSE, "Anthropic sent a stream event that is not JSON."),
                    usage());
            return;
        }
        on(sseName, json);
    }

    /** Handles one event; {@code sseName} is the SSE {@code event:} field, used when the data has no type. */
    void on(String sseName, JsonNode event) {
        if (done) return;
        String type = Json.string(event, "type");
        if (type == null) type = sseName == null ? "" : sseName;
        switch (type) {
            case "message_start" -> {
                JsonNode message = event.path("message");
                if (message.hasNonNull("id")) id = message.get("id").asText();
                mergeUsage(message.get("usage"));
            }
            case "content_block_start" -> blockStart(event.path("index").asInt(), event.path("content_block"));
            case "content_block_delta" -> blockDelta(blocks.get(event.path("index").asInt()), event.path("delta"));
            case "content_block_stop" -> blockStop(blocks.get(event.path("index").asInt()));
            case "message_delta" -> {
                mergeUsage(event.get("usage"));
                if (!roleSent) send(Json.object(), null);
                String stop = Json.string(event.path("delta"), "stop_reason");
                send(Json.object(), AnthropicCompletion.finishReason(stop, !toolIds.isEmpty()));
            }
            case "message_stop" -> {
                done = true;
                if (request.thinking()) memory.remember(toolIds, thinking);
                Usage u = usage();
                sink.chunk(Json.bytes(OpenAiShapes.usageChunk(id, created, model, u)), u, true);
                sink.end(u);
            }
            case "error" -> {
                done = true;
                UpstreamFailure f = AnthropicErrors.streamEvent(event);
                sink.failed(roleSent ? new UpstreamFailure(FailureClass.STREAM_INTERRUPTED, 0,
                        "Anthropic reported an error mid-stream: " + f.message(), null, f.providerCode(), null) : f, usage());
            }
            default -> { } // ping, and event types Anthropic may add later
        }
    }

    private void blockStart(int index, JsonNode block) {
        String type = block.path("type").asText();
        switch (type) {
            case "text" -> {
                blocks.put(index, new Block(Kind.TEXT, -1, null));
                content(block.path("text").asText(), true);
            }
            case "tool_use" -> {
                String name = block.path("name").asText();
                if (name.equals(request.jsonTool())) {
                    blocks.put(index, new Block(Kind.JSON, -1, null));
                    content("", true);
                    return;
                }
                int toolIndex = toolIds.size();
                String callId = block.path("id").asText();
                toolIds.add(callId);
                blocks.put(index, new Block(Kind.TOOL, toolIndex, null));
                ObjectNode delta = Json.object();
                if (!roleSent) delta.putNull("content");
                delta.putArray("tool_calls").add(OpenAiShapes.toolCallDelta(toolIndex, callId, name, ""));
                send(delta, null);
            }
            case "thinking", "redacted_thinking" -> {
                ObjectNode kept = ((ObjectNode) block).deepCopy();
                blocks.put(index, new Block(Kind.THINKING, -1, kept));
                thinking.add(kept);
                content("", true);
            }
            default -> blocks.put(index, new Block(Kind.OTHER, -1, null));
        }
    }

    /**
     * Most events of a stream are {@code content_block_delta}s carrying a text or arguments
     * fragment. This reads such an event with the streaming parser, without building a tree, and
     * handles it exactly as {@link #on(String, JsonNode)} would; anything else, including data
     * that is not JSON, returns false and takes the general path (which reports the failure).
     */
    private boolean fastDelta(byte[] data, int length) {
        if (done) return false;
        String type = null;
        String deltaType = null;
        String text = null;
        String partialJson = null;
        int index = -1;
        try (JsonParser p = Json.MAPPER.createParser(data, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                switch (field) {
                    case "type" -> {
                        if (v != JsonToken.VALUE_STRING) return false;
                        type = p.getText();
                    }
                    case "index" -> {
                        if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) return false;
                        index = p.getIntValue();
                    }
                    case "delta" -> {
                        if (v != JsonToken.START_OBJECT) return false;
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String inner = p.currentName();
                            if (p.nextToken() != JsonToken.VALUE_STRING) return false;
                            switch (inner) {
                                case "type" -> deltaType = p.getText();
                                case "text" -> text = p.getText();
                                case "partial_json" -> partialJson = p.getText();
                                default -> {
                                    return false;
                                }
                            }
                        }
                    }
                    default -> {
                        return false;
                    }
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) return false;
        } catch (IOException e) {
            return false;
        }
        if (!"content_block_delta".equals(type) || index < 0 || deltaType == null) return false;
        Block b = blocks.get(index);
        if (deltaType.equals("text_delta") && text != null) {
            if (b != null) content(text, false);
            return true;
        }
        if (deltaType.equals("input_json_delta") && partialJson != null) {
            jsonDelta(b, partialJson);
            return true;
        }
        return false;
    }

    private void blockDelta(Block b, JsonNode delta) {
        if (b == null) return;
        String type = delta.path("type").asText();
        switch (type) {
            case "text_delta" -> content(delta.path("text").asText(), false);
            case "input_json_delta" -> jsonDelta(b, delta.path("partial_json").asText());
            case "thinking_delta" -> b.thinkingText.append(delta.path("thinking").asText());
            case "signature_delta" -> {
                if (b.thinking != null) b.thinking.put("signature", delta.path("signature").asText());
            }
            default -> { } // citations and deltas Anthropic may add later
        }
    }

    private void jsonDelta(Block b, String part) {
        if (b == null || part.isEmpty()) return;
        b.argumentsSent = true;
        if (b.kind == Kind.JSON) content(part, false);
        else if (b.kind == Kind.TOOL) arguments(b.toolIndex, part);
    }

    private void blockStop(Block b) {
        if (b != null && b.kind == Kind.THINKING && b.thinking.has("thinking")) {
            b.thinking.put("thinking", b.thinking.path("thinking").asText() + b.thinkingText);
        }
        if (b == null || b.argumentsSent) return;
        if (b.kind == Kind.TOOL) arguments(b.toolIndex, "{}");
        else if (b.kind == Kind.JSON) content("{}", false);
    }

    /** A content fragment; an empty one is sent only when it is the first chunk (it carries the role). */
    private void content(String text, boolean start) {
        if (text.isEmpty() && (roleSent || !start)) return;
        if (roleSent) {
            sink.chunk(chunks.content(id, 0, text), null, false);
            return;
        }
        ObjectNode delta = Json.object();
        delta.put("content", text);
        send(delta, null);
    }

    /** An arguments fragment of a tool block; its start chunk (sent by {@code send}) carried the role. */
    private void arguments(int toolIndex, String fragment) {
        sink.chunk(chunks.arguments(id, 0, toolIndex, fragment), null, false);
    }

    private void send(ObjectNode delta, String finishReason) {
        if (!roleSent) {
            ObjectNode first = Json.object();
            first.put("role", "assistant");
            if (!delta.has("content") && !delta.has("tool_calls")) first.put("content", "");
            first.setAll(delta);
            delta = first;
            roleSent = true;
        }
        sink.chunk(Json.bytes(OpenAiShapes.chunk(id, created, model, 0, delta, finishReason)), null, false);
    }

    private void mergeUsage(JsonNode u) {
        if (!(u instanceof ObjectNode o)) return;
        o.fields().forEachRemaining(f -> {
            if (f.getValue().isIntegralNumber()) usage.set(f.getKey(), f.getValue());
        });
    }
}
