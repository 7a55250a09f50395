package ai.zumik.provider.gemini;

import ai.zumik.inference.ChatMessage;
import ai.zumik.inference.ChatMessage.Role;
import ai.zumik.inference.ContentPart;
import ai.zumik.inference.RequestRejected;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI messages → Gemini's {@code systemInstruction} and {@code contents}.
 *
 * <ul>
 *   <li>system and developer messages, wherever they appear, become {@code systemInstruction}
 *       parts in order (Gemini has no system turn);
 *   <li>assistant turns have role {@code model}: text (a refusal is what the assistant said, so
 *       it is text too), then one {@code functionCall} per tool call with its arguments parsed and
 *       the thought signature restored from the call id ({@link ToolCallIds});
 *   <li>tool messages become {@code functionResponse} parts in a {@code user} turn, named after
 *       the call they answer (Gemini matches responses by name and order); the response object
 *       is the content when it is a JSON object, else {@code {"content": text}};
 *   <li>consecutive turns of one role are merged, since Gemini expects alternation;
 *   <li>images, audio and files travel inline ({@code inlineData}) from base64; an {@code https}
 *       image URL is refused rather than fetched (Zumik does not fetch URLs on a client's behalf).
 * </ul>
 */
final class GeminiContents {
    private static final Set<String> MESSAGE_FIELDS = Set.of("role", "content", "name", "tool_calls", "tool_call_id");
    /** Echoed back by SDKs that append a response message to the history; harmless when null or empty. */
    private static final Set<String> ECHOED_FIELDS = Set.of("refusal", "audio", "function_call", "annotations");
    private static final Set<String> AUDIO_FORMATS = Set.of("wav", "mp3", "aiff", "aac", "ogg", "flac");

    /** The translated conversation; {@code detail} is the images' common {@code detail}, or null. */
    record Result(ObjectNode systemInstruction, ArrayNode contents, String detail) {}

    private final ArrayNode contents = Json.array();
    private final ArrayNode system = Json.array();
    private final Map<String, String> callNames = new HashMap<>();
    private String detail;
    private String detailParam;

    private GeminiContents() {}

    static Result translate(List<ChatMessage> messages, ArrayNode raw) {
        GeminiContents c = new GeminiContents();
        for (int i = 0; i < messages.size(); i++) c.message(messages.get(i), (ObjectNode) raw.get(i), "messages[" + i + "]");
        ObjectNode sys = null;
        if (!c.system.isEmpty()) {
            sys = Json.object();
            sys.set("parts", c.system);
        }
        return new Result(sys, c.contents, c.detail);
    }

    private void message(ChatMessage m, ObjectNode raw, String p) {
        if (m.role() == Role.FUNCTION) throw reject(p + ".role", "the legacy 'function' role; send tool messages instead");
        checkFields(raw, m.role(), p);
        switch (m.role()) {
            case SYSTEM, DEVELOPER -> {
                for (ObjectNode part : texts(m, p)) system.add(part);
            }
            case USER -> turn("user").addAll(userParts(m, p));
            case ASSISTANT -> turn("model").addAll(assistantParts(m, raw, p));
            case TOOL -> turn("user").add(functionResponse(m, p));
            case FUNCTION -> throw new IllegalStateException("refused above");
        }
    }

    private static void checkFields(ObjectNode raw, Role role, String p) {
        for (Iterator<Map.Entry<String, JsonNode>> it = raw.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String k = f.getKey();
            JsonNode v = f.getValue();
            if (v.isNull() || MESSAGE_FIELDS.contains(k) || k.equals("annotations") || ECHOED_FIELDS.contains(k) && v.isContainerNode() && v.isEmpty()) {
                continue;
            }
            if (k.equals("refusal") && role == Role.ASSISTANT && v.isTextual()) continue;
            throw reject(p + "." + k, "Gemini has no equivalent");
        }
        if (raw.hasNonNull("name") && role != Role.TOOL) {
            throw reject(p + ".name", "Gemini has no participant names");
        }
    }

    /** The open turn of {@code role}: the last one if it has that role, else a new one. */
    private ArrayNode turn(String role) {
        if (!contents.isEmpty()) {
            ObjectNode last = (ObjectNode) contents.get(contents.size() - 1);
            if (role.equals(last.get("role").textValue())) return (ArrayNode) last.get("parts");
        }
        ObjectNode t = contents.addObject();
        t.put("role", role);
        return t.putArray("parts");
    }

    private static List<ObjectNode> texts(ChatMessage m, String p) {
        if (m.content() == null) return List.of();
        List<ObjectNode> out = new ArrayList<>();
        for (int j = 0; j < m.content().size(); j++) {
            switch (m.content().get(j)) {
                case ContentPart.Text t -> text(out, t.text());
                case ContentPart.Refusal r -> text(out, r.refusal());
                default -> throw reject(partParam(m, p, j) + ".type", "this content part type");
            }
        }
        return out;
    }

    private static void text(List<ObjectNode> out, String text) {
        if (text.isEmpty()) return; // Gemini refuses empty text parts; an empty string says nothing
        ObjectNode part = Json.object();
        part.put("text", text);
        out.add(part);
    }

    private List<ObjectNode> userParts(ChatMessage m, String p) {
        List<ObjectNode> out = new ArrayList<>();
        for (int j = 0; j < m.content().size(); j++) {
            String pp = partParam(m, p, j);
            switch (m.content().get(j)) {
                case ContentPart.Text t -> text(out, t.text());
                case ContentPart.Image im -> out.add(image(im, pp));
                case ContentPart.Audio a -> {
                    String format = a.format().toLowerCase(Locale.ROOT);
                    if (!AUDIO_FORMATS.contains(format)) throw reject(pp + ".input_audio.format", "audio format '" + a.format() + "'");
                    out.add(inline("audio/" + format, a.data()));
                }
                case ContentPart.File f -> out.add(file(f.file(), pp + ".file"));
                default -> throw reject(pp + ".type", "this content part type");
            }
        }
        return out;
    }

    private ObjectNode image(ContentPart.Image im, String pp) {
        String url = im.url();
        if (!url.regionMatches(true, 0, "data:", 0, 5)) {
            throw reject(pp + ".image_url.url", "image URLs; send the image inline as a base64 data URL "
                    + "(data:image/<type>;base64,...), Zumik does not fetch URLs");
        }
        if (im.detail() != null && !im.detail().equals("auto")) {
            if (detail != null && !detail.equals(im.detail())) {
                throw reject(pp + ".image_url.detail", "different 'detail' values in one request (Gemini sets one "
                        + "media resolution per request; " + detailParam + " asked for '" + detail + "')");
            }
            detail = im.detail();
            detailParam = pp + ".image_url.detail";
        }
        return dataUrl(url, pp + ".image_url.url");
    }

    private static ObjectNode file(ObjectNode file, String pp) {
        for (Iterator<String> it = file.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals("file_data") && !k.equals("filename") && !file.get(k).isNull()) {
                throw reject(pp + "." + k, k.equals("file_id") ? "OpenAI file ids; send the file inline as file_data" : "this file field");
            }
        }
        JsonNode data = file.get("file_data");
        if (data == null || !data.isTextual()) throw reject(pp + ".file_data", "a file without inline data");
        if (!data.textValue().regionMatches(true, 0, "data:", 0, 5)) {
            throw reject(pp + ".file_data", "file data without its MIME type; send a data URL (data:<type>;base64,...)");
        }
        return dataUrl(data.textValue(), pp + ".file_data");
    }

    /** {@code data:<mime>;base64,<data>} → {@code inlineData}. */
    private static ObjectNode dataUrl(String url, String param) {
        int semi = url.indexOf(';');
        int comma = url.indexOf(',');
        if (semi < 5 || comma < semi || !url.regionMatches(true, semi, ";base64,", 0, 8)) {
            throw reject(param, "data URLs that are not base64 (data:<type>;base64,...)");
        }
        return inline(url.substring(5, semi).toLowerCase(Locale.ROOT), url.substring(comma + 1));
    }

    private static ObjectNode inline(String mime, String data) {
        ObjectNode part = Json.object();
        ObjectNode d = part.putObject("inlineData");
        d.put("mimeType", mime);
        d.put("data", data);
        return part;
    }

    private List<ObjectNode> assistantParts(ChatMessage m, ObjectNode raw, String p) {
        List<ObjectNode> out = new ArrayList<>(texts(m, p));
        // The message's own refusal field is what the assistant said, like a refusal content part.
        if (raw.get("refusal") instanceof JsonNode r && r.isTextual()) text(out, r.textValue());
        for (int k = 0; k < m.toolCalls().size(); k++) {
            ChatMessage.ToolCall tc = m.toolCalls().get(k);
            String cp = p + ".tool_calls[" + k + "]";
            if (tc.name() == null) throw reject(cp + ".type", "tool calls other than functions");
            ObjectNode part = Json.object();
            ObjectNode call = part.putObject("functionCall");
            call.put("name", tc.name());
            call.set("args", arguments(tc.arguments(), cp + ".function.arguments"));
            String signature = ToolCallIds.signature(tc.id());
            if (signature != null) part.put("thoughtSignature", signature);
            callNames.put(tc.id(), tc.name());
            out.add(part);
        }
        return out;
    }

    private static ObjectNode arguments(String json, String param) {
        JsonNode args;
        try {
            args = Json.parse(json.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new RequestRejected(param, "invalid_value", "Invalid '" + param + "': not valid JSON; Gemini needs "
                    + "the arguments of earlier tool calls as a JSON object.");
        }
        if (!(args instanceof ObjectNode o)) {
            throw new RequestRejected(param, "invalid_value", "Invalid '" + param + "': Gemini needs the arguments "
                    + "of earlier tool calls as a JSON object.");
        }
        return o;
    }

    private ObjectNode functionResponse(ChatMessage m, String p) {
        String name = callNames.get(m.toolCallId());
        if (name == null) {
            throw new RequestRejected(p + ".tool_call_id", "invalid_value", "Invalid '" + p + ".tool_call_id': "
                    + "no earlier assistant tool call has id '" + m.toolCallId() + "'.");
        }
        if (m.name() != null && !m.name().equals(name)) {
            throw reject(p + ".name", "a tool result named differently from the call it answers ('" + name + "')");
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < m.content().size(); j++) {
            if (!(m.content().get(j) instanceof ContentPart.Text t)) throw reject(partParam(m, p, j) + ".type", "this content part type");
            text.append(t.text());
        }
        ObjectNode part = Json.object();
        ObjectNode fr = part.putObject("functionResponse");
        fr.put("name", name);
        fr.set("response", response(text.toString()));
        return part;
    }

    /** Gemini's response is a JSON object (a Struct): an object result as is, anything else wrapped. */
    private static ObjectNode response(String text) {
        try {
            if (mayBeObject(text) && Json.parse(text.getBytes(StandardCharsets.UTF_8)) instanceof ObjectNode o) return o;
        } catch (IOException notJson) {
            // wrapped below
        }
        ObjectNode wrapped = Json.object();
        wrapped.put("content", text);
        return wrapped;
    }

    /**
     * False when {@code text} cannot be a JSON object: its first character after a byte order mark
     * and JSON whitespace is not {@code '{'}. Most tool results are plain text, and a failed parse
     * (an exception with its location) costs more than the rest of the translation of that part.
     */
    private static boolean mayBeObject(String text) {
        int i = text.startsWith("\uFEFF") ? 1 : 0;
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t' || text.charAt(i) == '\n'
                || text.charAt(i) == '\r')) {
            i++;
        }
        return i < text.length() && text.charAt(i) == '{';
    }

    private static String partParam(ChatMessage m, String p, int j) {
        return m.stringContent() ? p + ".content" : p + ".content[" + j + "]";
    }

    private static RequestRejected reject(String param, String detail) {
        return RequestRejected.unsupported(param, "gemini", detail);
    }
}
