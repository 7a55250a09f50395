package ai.zumik.provider.anthropic;

import static ai.zumik.provider.anthropic.AnthropicRequest.invalid;
import static ai.zumik.provider.anthropic.AnthropicRequest.unsupported;

import ai.zumik.inference.ChatMessage;
import ai.zumik.inference.ChatMessage.Role;
import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.ContentPart;
import ai.zumik.inference.RequestRejected;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * OpenAI messages to Anthropic's {@code system} blocks and alternating user/assistant turns.
 * System and developer messages become system text blocks in order; tool results go into a user
 * turn as {@code tool_result} blocks; consecutive turns of one role are merged, so several tool
 * results after one assistant turn become one user message. Client {@code cache_control} markers,
 * which OpenAI's typed parts do not carry, are read from the raw JSON of each part or message.
 */
final class AnthropicMessages {
    private static final Set<String> IMAGE_TYPES = Set.of("image/jpeg", "image/png", "image/gif", "image/webp");
    /** {@code %PDF-} in base64: how a bare base64 {@code file_data} shows it is a PDF. */
    private static final String PDF_MAGIC_BASE64 = "JVBER";

    /** @param clientBreakpoints where the client placed {@code cache_control}, as parameter paths, in order */
    record Built(ArrayNode system, ArrayNode messages, List<String> clientBreakpoints) {}

    private final ChatRequest request;
    private final ThinkingMemory memory;
    private final boolean thinking;
    private final ArrayNode system = Json.array();
    private final ArrayNode messages = Json.array();
    private final List<String> breakpoints = new ArrayList<>();

    private AnthropicMessages(ChatRequest request, ThinkingMemory memory, boolean thinking) {
        this.request = request;
        this.memory = memory;
        this.thinking = thinking;
    }

    static Built build(ChatRequest request, ThinkingMemory memory, boolean thinking) {
        AnthropicMessages m = new AnthropicMessages(request, memory, thinking);
        m.translate();
        return new Built(m.system, m.messages, m.breakpoints);
    }

    private void translate() {
        List<ChatMessage> in = request.messages();
        JsonNode raw = request.body().get("messages");
        int lastAssistant = -1;
        for (int i = 0; i < in.size(); i++) if (in.get(i).role() == Role.ASSISTANT) lastAssistant = i;
        for (int i = 0; i < in.size(); i++) {
            ChatMessage m = in.get(i);
            String p = "messages[" + i + "]";
            JsonNode rawMessage = raw.get(i);
            if (m.name() != null && m.role() != Role.TOOL && m.role() != Role.FUNCTION) {
                throw unsupported(p + ".name", "Anthropic messages have no participant names");
            }
            ArrayNode blocks = Json.array();
            switch (m.role()) {
                case SYSTEM, DEVELOPER -> textParts(m, rawMessage, p, blocks);
                case USER -> userParts(m, rawMessage, p, blocks);
                case ASSISTANT -> assistant(m, rawMessage, p, blocks, i == lastAssistant);
                case TOOL -> blocks.add(toolResult(m, rawMessage, p));
                case FUNCTION -> throw unsupported(p + ".role", "the deprecated 'function' role has no tool call id; use 'tool'");
            }
            messageCacheControl(rawMessage, p, blocks);
            if (blocks.isEmpty()) {
                throw invalid(p + ".content", "Anthropic requires every message to have non-empty content.");
            }
            if (m.role() == Role.SYSTEM || m.role() == Role.DEVELOPER) {
                system.addAll(blocks);
            } else {
                append(m.role() == Role.ASSISTANT ? "assistant" : "user", blocks);
            }
        }
        if (messages.isEmpty()) {
            throw invalid("messages", "Anthropic needs at least one user or assistant message besides system messages.");
        }
    }

    private void append(String role, ArrayNode blocks) {
        if (!messages.isEmpty() && role.equals(messages.get(messages.size() - 1).get("role").asText())) {
            ((ArrayNode) messages.get(messages.size() - 1).get("content")).addAll(blocks);
            return;
        }
        ObjectNode msg = messages.addObject();
        msg.put("role", role);
        msg.set("content", blocks);
    }

    // ---- content -----------------------------------------------------------------------------

    private void textParts(ChatMessage m, JsonNode rawMessage, String p, ArrayNode out) {
        for (int j = 0; j < m.content().size(); j++) {
            ContentPart part = m.content().get(j);
            String pp = p + ".content[" + j + "]";
            if (!(part instanceof ContentPart.Text t)) throw unsupported(pp, "only text parts are allowed here");
            text(t.text(), rawPart(rawMessage, j), pp, out);
        }
    }

    private void userParts(ChatMessage m, JsonNode rawMessage, String p, ArrayNode out) {
        for (int j = 0; j < m.content().size(); j++) {
            String pp = p + ".content[" + j + "]";
            JsonNode rawPart = rawPart(rawMessage, j);
            switch (m.content().get(j)) {
                case ContentPart.Text t -> text(t.text(), rawPart, pp, out);
                case ContentPart.Image im -> out.add(withCache(image(im, pp), rawPart, pp));
                case ContentPart.File f -> out.add(withCache(document(f, pp), rawPart, pp));
                case ContentPart.Audio a -> throw unsupported(pp, "Anthropic has no audio input");
                case ContentPart.Refusal r -> throw unsupported(pp, "a refusal part belongs to assistant messages");
                case ContentPart.Other o -> throw unsupported(pp + ".type", "content parts of type '" + o.type()
                        + "' are not translated to Anthropic");
            }
        }
    }

    private void assistant(ChatMessage m, JsonNode rawMessage, String p, ArrayNode out, boolean last) {
        if (rawMessage.hasNonNull("function_call")) {
            throw unsupported(p + ".function_call", "the deprecated function_call; use 'tool_calls'");
        }
        if (rawMessage.hasNonNull("audio")) throw unsupported(p + ".audio", "Anthropic has no audio output");
        if (!m.toolCalls().isEmpty()) thinkingBlocks(m, p, out, last);
        if (m.content() != null) {
            for (int j = 0; j < m.content().size(); j++) {
                String pp = p + ".content[" + j + "]";
                JsonNode rawPart = rawPart(rawMessage, j);
                switch (m.content().get(j)) {
                    case ContentPart.Text t -> text(t.text(), rawPart, pp, out);
                    case ContentPart.Refusal r -> text(r.refusal(), rawPart, pp, out);
                    default -> throw unsupported(pp, "only text and refusal parts are allowed in assistant messages");
                }
            }
        }
        for (int k = 0; k < m.toolCalls().size(); k++) {
            ChatMessage.ToolCall tc = m.toolCalls().get(k);
            String cp = p + ".tool_calls[" + k + "]";
            if (tc.name() == null) throw unsupported(cp + ".type", "only function tool calls are translated");
            ObjectNode use = out.addObject();
            use.put("type", "tool_use");
            use.put("id", tc.id());
            use.put("name", tc.name());
            use.set("input", arguments(tc.arguments(), cp + ".function.arguments"));
        }
    }

    /**
     * With thinking on, Anthropic needs the thinking blocks (with signatures) of the assistant turn
     * whose tool calls are being answered. OpenAI's format cannot carry them, so they come from
     * {@link ThinkingMemory}; only the last assistant turn must have them.
     */
    private void thinkingBlocks(ChatMessage m, String p, ArrayNode out, boolean last) {
        if (!thinking) return;
        List<ObjectNode> remembered = memory.blocksFor(m.toolCalls().getFirst().id());
        if (remembered != null) {
            for (ObjectNode b : remembered) out.add(b.deepCopy());
        } else if (last) {
            throw new RequestRejected(p + ".tool_calls", "thinking_blocks_unavailable",
                    "With reasoning_effort set, Anthropic requires the thinking blocks of the assistant turn whose tool "
                            + "calls are being answered. Zumik keeps them in memory for an hour after it relays that turn "
                            + "(on the node that relayed it), but has none for tool call '" + m.toolCalls().getFirst().id()
                            + "'. Resend without reasoning_effort, or start the tool turn again.");
        }
    }

    private ObjectNode toolResult(ChatMessage m, JsonNode rawMessage, String p) {
        ObjectNode result = Json.object();
        result.put("type", "tool_result");
        result.put("tool_use_id", m.toolCallId());
        if (m.stringContent()) {
            String text = m.text();
            if (!text.isEmpty()) result.put("content", text);
        } else {
            ArrayNode blocks = Json.array();
            textParts(m, rawMessage, p, blocks);
            if (!blocks.isEmpty()) result.set("content", blocks);
        }
        return result;
    }

    /** Empty text blocks are refused by Anthropic and say nothing, so they are left out. */
    private void text(String text, JsonNode rawPart, String pp, ArrayNode out) {
        if (text.isEmpty()) {
            if (rawPart != null && rawPart.hasNonNull("cache_control")) {
                throw invalid(pp + ".cache_control", "Anthropic cannot place a cache breakpoint on empty text.");
            }
            return;
        }
        ObjectNode b = Json.object();
        b.put("type", "text");
        b.put("text", text);
        out.add(withCache(b, rawPart, pp));
    }

    private static ObjectNode image(ContentPart.Image im, String pp) {
        String url = im.url();
        String param = pp + ".image_url.url";
        ObjectNode b = Json.object();
        b.put("type", "image");
        ObjectNode source = b.putObject("source");
        if (url.regionMatches(true, 0, "data:", 0, 5)) {
            int semi = url.indexOf(';');
            String mediaType = url.substring(5, semi).toLowerCase(Locale.ROOT);
            if (!IMAGE_TYPES.contains(mediaType)) {
                throw unsupported(param, "Anthropic accepts image/jpeg, image/png, image/gif and image/webp, not " + mediaType);
            }
            source.put("type", "base64");
            source.put("media_type", mediaType);
            source.put("data", url.substring(url.indexOf(',') + 1));
        } else if (url.regionMatches(true, 0, "https://", 0, 8)) {
            source.put("type", "url");
            source.put("url", url);
        } else {
            throw unsupported(param, "Anthropic fetches image URLs over https only");
        }
        return b;
    }

    private static ObjectNode document(ContentPart.File f, String pp) {
        String data = Json.string(f.file(), "file_data");
        if (data == null) {
            throw unsupported(pp + ".file", f.file().hasNonNull("file_id")
                    ? "OpenAI file ids do not exist at Anthropic; send the PDF as base64 'file_data'"
                    : "a file part needs base64 'file_data'");
        }
        String base64;
        if (data.regionMatches(true, 0, "data:", 0, 5)) {
            int comma = data.indexOf(',');
            String head = comma < 0 ? data : data.substring(5, comma).toLowerCase(Locale.ROOT);
            if (!head.startsWith("application/pdf") || !head.endsWith(";base64")) {
                throw unsupported(pp + ".file.file_data", "Anthropic reads PDF documents only (data:application/pdf;base64,...)");
            }
            base64 = data.substring(comma + 1);
        } else if (data.startsWith(PDF_MAGIC_BASE64)) {
            base64 = data;
        } else {
            throw unsupported(pp + ".file.file_data", "Anthropic reads PDF documents only");
        }
        ObjectNode b = Json.object();
        b.put("type", "document");
        ObjectNode source = b.putObject("source");
        source.put("type", "base64");
        source.put("media_type", "application/pdf");
        source.put("data", base64);
        String filename = Json.string(f.file(), "filename");
        if (filename != null && !filename.isBlank()) b.put("title", filename);
        return b;
    }

    /** A tool call's arguments JSON text as Anthropic's {@code input} object; blank means no arguments. */
    private static ObjectNode arguments(String text, String param) {
        if (text.isBlank()) return Json.object();
        JsonNode parsed;
        try {
            parsed = Json.parse(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw invalid(param, "Anthropic needs tool call arguments as a JSON object, and these are not valid JSON.");
        }
        if (!(parsed instanceof ObjectNode o)) {
            throw invalid(param, "Anthropic needs tool call arguments as a JSON object.");
        }
        return o;
    }

    // ---- cache_control -----------------------------------------------------------------------

    private ObjectNode withCache(ObjectNode block, JsonNode rawPart, String pp) {
        JsonNode cc = rawPart == null ? null : rawPart.get("cache_control");
        if (cc != null && !cc.isNull()) {
            block.set("cache_control", CacheBreakpoints.validated(cc, pp + ".cache_control"));
            breakpoints.add(pp + ".cache_control");
        }
        return block;
    }

    /** A {@code cache_control} on the message itself marks the last block the message produced. */
    private void messageCacheControl(JsonNode rawMessage, String p, ArrayNode blocks) {
        JsonNode cc = rawMessage.get("cache_control");
        if (cc == null || cc.isNull()) return;
        String param = p + ".cache_control";
        if (blocks.isEmpty() || !(blocks.get(blocks.size() - 1) instanceof ObjectNode last)
                || "thinking".equals(Json.string(last, "type"))) {
            throw invalid(param, "This message has no content block Anthropic can place a cache breakpoint on.");
        }
        if (!last.has("cache_control")) {
            last.set("cache_control", CacheBreakpoints.validated(cc, param));
            breakpoints.add(param);
        }
    }

    private static JsonNode rawPart(JsonNode rawMessage, int j) {
        JsonNode content = rawMessage.get("content");
        return content != null && content.isArray() ? content.get(j) : null;
    }
}
