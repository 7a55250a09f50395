package ai.zumik.v1.responses;

import static ai.zumik.http.Params.invalidValue;
import static ai.zumik.http.Params.missing;
import static ai.zumik.http.Params.optionalArray;
import static ai.zumik.http.Params.optionalBoolean;
import static ai.zumik.http.Params.optionalInt;
import static ai.zumik.http.Params.optionalNumber;
import static ai.zumik.http.Params.optionalObject;
import static ai.zumik.http.Params.optionalString;
import static ai.zumik.http.Params.requiredString;
import static ai.zumik.http.Params.wrongType;

import ai.zumik.http.ApiError;
import ai.zumik.http.ApiException;
import ai.zumik.http.Params;
import ai.zumik.inference.RequestRejected;
import ai.zumik.inference.ResponsesWork;
import ai.zumik.json.Json;
import ai.zumik.v1.ChatRequestParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A validated {@code POST /v1/responses} body. Every rejection is a 400 naming the client's own
 * parameter. {@link #work} then builds what the broker sends: the native body for targets that
 * speak the Responses API, and the canonical chat request (through the chat parser, so both paths
 * share one validation of messages, tools and formats) for every other target.
 *
 * <p>Conversation state is Zumik's: a {@code previous_response_id} is expanded into the earlier
 * turns' input and output items, so a chain may start on one provider and continue on another, and
 * no upstream is asked to remember anything ({@code store} is sent as {@code false}).
 */
final class ResponsesRequest {
    static final Set<String> FIELDS = Set.of("model", "input", "instructions", "stream", "stream_options", "store",
            "previous_response_id", "tools", "tool_choice", "parallel_tool_calls", "text", "max_output_tokens", "reasoning",
            "temperature", "top_p", "metadata", "user", "service_tier", "truncation", "include", "background",
            "safety_identifier", "prompt_cache_key", "prompt_cache_retention", "max_tool_calls", "top_logprobs",
            "conversation", "prompt");
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final Set<String> ROLES = Set.of("user", "assistant", "system", "developer");
    private static final Set<String> EFFORTS = Set.of("none", "minimal", "low", "medium", "high", "xhigh");
    private static final Set<String> SUMMARIES = Set.of("auto", "concise", "detailed");
    private static final Set<String> TIERS = Set.of("auto", "default", "flex", "scale", "priority");
    private static final Set<String> VERBOSITY = Set.of("low", "medium", "high");
    private static final Set<String> DETAIL = Set.of("auto", "low", "high");
    /** Item types the chat translation carries; any other type only a native target can take. */
    private static final Set<String> TRANSLATED_ITEMS = Set.of("message", "function_call", "function_call_output", "reasoning");

    final ObjectNode body;
    final String model;
    final boolean stream;
    final boolean store;
    final boolean background;
    final String previousId;
    /** This turn's input as items, each with an id: what {@code input_items} lists and the next turn replays. */
    final ArrayNode items;
    /** Why only a native target can serve this turn, or null. */
    private RequestRejected untranslatable;

    private ResponsesRequest(ObjectNode body) {
        this.body = body;
        Params.rejectUnknown(body, FIELDS);
        this.model = requiredString(body, "model", "model");
        this.stream = Boolean.TRUE.equals(optionalBoolean(body, "stream", "stream"));
        if (body.hasNonNull("stream_options")) {
            optionalObject(body, "stream_options", "stream_options");
            if (!stream) throw invalidValue("stream_options", "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
        }
        Boolean storeFlag = optionalBoolean(body, "store", "store");
        this.store = storeFlag == null || storeFlag;
        this.background = Boolean.TRUE.equals(optionalBoolean(body, "background", "background"));
        if (background && !store) throw invalidValue("background", "Invalid 'background': background responses must be stored; 'store' cannot be false.");
        if (background && stream) {
            throw ApiError.invalid("background", "unsupported_parameter",
                    "'background' together with 'stream' is not supported by Zumik: stream the response, or run it in the "
                            + "background and poll GET /v1/responses/{id}.").exception();
        }
        this.previousId = optionalString(body, "previous_response_id", "previous_response_id");
        if (previousId != null && !previousId.startsWith("resp_")) {
            throw invalidValue("previous_response_id", "Invalid 'previous_response_id': '" + previousId
                    + "'. Expected an ID that begins with 'resp_'.");
        }
        for (String unsupported : List.of("conversation", "prompt")) {
            if (body.hasNonNull(unsupported)) {
                throw ApiError.invalid(unsupported, "unsupported_parameter", "'" + unsupported + "' is not supported by Zumik's "
                        + "/v1/responses: it refers to state kept by OpenAI. Pass the input itself, or chain with "
                        + "'previous_response_id'.").exception();
            }
        }
        if (body.hasNonNull("instructions") && !body.get("instructions").isTextual()) {
            throw wrongType("instructions", "a string", body.get("instructions"));
        }
        this.items = input(body.get("input"));
        tools();
        toolChoice();
        optionalBoolean(body, "parallel_tool_calls", "parallel_tool_calls");
        text();
        optionalInt(body, "max_output_tokens", "max_output_tokens", 16, Integer.MAX_VALUE);
        reasoning();
        optionalNumber(body, "temperature", "temperature", 0, 2);
        optionalNumber(body, "top_p", "top_p", 0, 1);
        metadata();
        optionalString(body, "user", "user");
        Params.oneOf(optionalString(body, "service_tier", "service_tier"), "service_tier", TIERS);
        Params.oneOf(optionalString(body, "truncation", "truncation"), "truncation", Set.of("auto", "disabled"));
        ArrayNode include = optionalArray(body, "include", "include");
        if (include != null) {
            for (int i = 0; i < include.size(); i++) {
                if (!include.get(i).isTextual()) throw wrongType("include[" + i + "]", "a string", include.get(i));
            }
        }
        String safety = optionalString(body, "safety_identifier", "safety_identifier");
        if (safety != null && safety.length() > 64) {
            throw invalidValue("safety_identifier", "Invalid 'safety_identifier': string too long. Expected a string with maximum length 64.");
        }
        optionalString(body, "prompt_cache_key", "prompt_cache_key");
        Params.oneOf(optionalString(body, "prompt_cache_retention", "prompt_cache_retention"), "prompt_cache_retention",
                Set.of("in-memory", "24h"));
        optionalInt(body, "max_tool_calls", "max_tool_calls", 1, Integer.MAX_VALUE);
        Integer topLogprobs = optionalInt(body, "top_logprobs", "top_logprobs", 0, 20);
        if (topLogprobs != null && topLogprobs > 0) nativeOnly("top_logprobs", "token log probabilities in Responses form");
    }

    static ResponsesRequest parse(ObjectNode body) {
        return new ResponsesRequest(body);
    }

    private void nativeOnly(String param, String what) {
        if (untranslatable == null) {
            untranslatable = new RequestRejected(param, "unsupported_parameter", "'" + param + "' (" + what
                    + ") is served only by OpenAI's Responses API, and no OpenAI target is available for this request.");
        }
    }

    // ---- input ------------------------------------------------------------------------------

    private ArrayNode input(JsonNode input) {
        if (input == null || input.isNull()) throw missing("input");
        ArrayNode out = Json.array();
        if (input.isTextual()) {
            if (input.textValue().isEmpty()) {
                throw ApiError.invalid("input", "empty_string", "Invalid 'input': empty string. Expected a non-empty string.").exception();
            }
            ObjectNode m = out.addObject();
            m.put("type", "message").put("role", "user");
            m.putArray("content").addObject().put("type", "input_text").put("text", input.textValue());
            return out;
        }
        if (!(input instanceof ArrayNode list)) throw wrongType("input", "a string or an array of input items", input);
        if (list.isEmpty()) {
            throw ApiError.invalid("input", "empty_array", "Invalid 'input': empty array. Expected an array with minimum length 1.").exception();
        }
        for (int i = 0; i < list.size(); i++) out.add(item(list.get(i), "input[" + i + "]"));
        return out;
    }

    /** One input item, validated and normalized (content as a parts list), its own fields kept. */
    private ObjectNode item(JsonNode node, String p) {
        if (!(node instanceof ObjectNode in)) throw wrongType(p, "an object", node);
        ObjectNode item = in.deepCopy();
        String type = optionalString(in, "type", p + ".type");
        if (type == null) type = "message";
        item.put("type", type);
        switch (type) {
            case "message" -> {
                String role = Params.oneOf(requiredString(in, "role", p + ".role"), p + ".role", ROLES);
                item.set("content", content(in.get("content"), p + ".content", role));
            }
            case "function_call" -> {
                requiredString(in, "call_id", p + ".call_id");
                name(requiredString(in, "name", p + ".name"), p + ".name");
                JsonNode args = in.get("arguments");
                if (args == null || args.isNull()) throw missing(p + ".arguments");
                if (!args.isTextual()) throw wrongType(p + ".arguments", "a string", args);
            }
            case "function_call_output" -> {
                requiredString(in, "call_id", p + ".call_id");
                JsonNode output = in.get("output");
                if (output == null || output.isNull()) throw missing(p + ".output");
                if (output instanceof ArrayNode parts) {
                    item.set("output", content(parts, p + ".output", "user"));
                } else if (!output.isTextual()) {
                    throw wrongType(p + ".output", "a string or an array of content parts", output);
                }
            }
            case "reasoning" -> optionalArray(in, "summary", p + ".summary");
            case "item_reference" -> throw ApiError.invalid(p + ".type", "unsupported_parameter", "Input items of type "
                    + "'item_reference' are not supported by Zumik: send the item itself, or chain with 'previous_response_id'.")
                    .exception();
            default -> nativeOnly(p, "an input item of type '" + type + "'");
        }
        return item;
    }

    private ArrayNode content(JsonNode content, String p, String role) {
        if (content == null || content.isNull()) throw missing(p);
        ArrayNode out = Json.array();
        boolean assistant = role.equals("assistant");
        if (content.isTextual()) {
            ObjectNode part = out.addObject().put("type", assistant ? "output_text" : "input_text").put("text", content.textValue());
            if (assistant) {
                part.putArray("annotations");
                part.putArray("logprobs");
            }
            return out;
        }
        if (!(content instanceof ArrayNode parts)) throw wrongType(p, "a string or an array of content parts", content);
        if (parts.isEmpty()) {
            throw ApiError.invalid(p, "empty_array", "Invalid '" + p + "': empty array. Expected an array with minimum length 1.").exception();
        }
        for (int j = 0; j < parts.size(); j++) {
            String pp = p + "[" + j + "]";
            if (!(parts.get(j) instanceof ObjectNode part)) throw wrongType(pp, "an object", parts.get(j));
            String type = requiredString(part, "type", pp + ".type");
            switch (type) {
                case "input_text", "output_text" -> {
                    JsonNode t = part.get("text");
                    if (t == null || t.isNull()) throw missing(pp + ".text");
                    if (!t.isTextual()) throw wrongType(pp + ".text", "a string", t);
                }
                case "refusal" -> requiredString(part, "refusal", pp + ".refusal");
                case "input_image" -> {
                    String url = optionalString(part, "image_url", pp + ".image_url");
                    String fileId = optionalString(part, "file_id", pp + ".file_id");
                    if (url == null && fileId == null) throw missing(pp + ".image_url");
                    Params.oneOf(optionalString(part, "detail", pp + ".detail"), pp + ".detail", DETAIL);
                    if (url == null) nativeOnly(pp + ".file_id", "an image stored in OpenAI's file store");
                }
                case "input_file" -> {
                    String data = optionalString(part, "file_data", pp + ".file_data");
                    if (data == null) {
                        if (part.hasNonNull("file_id")) nativeOnly(pp + ".file_id", "a file stored in OpenAI's file store");
                        else if (part.hasNonNull("file_url")) nativeOnly(pp + ".file_url", "a file fetched by URL");
                        else throw missing(pp + ".file_data");
                    }
                }
                case "input_audio" -> { }
                default -> throw invalidValue(pp + ".type", "Invalid value: '" + type + "'. Supported values are: "
                        + "'input_text', 'input_image', 'input_file', 'input_audio', 'output_text' and 'refusal'.");
            }
            boolean allowed = assistant ? type.equals("output_text") || type.equals("refusal") || type.equals("input_text")
                    : !type.equals("output_text") && !type.equals("refusal");
            if (!allowed) {
                throw invalidValue(pp + ".type", "Invalid value: '" + type + "'. Content parts of type '" + type
                        + "' are not allowed in '" + role + "' messages.");
            }
            out.add(part);
        }
        return out;
    }

    // ---- tools, formats, reasoning ------------------------------------------------------------

    private void tools() {
        ArrayNode tools = optionalArray(body, "tools", "tools");
        if (tools == null) return;
        for (int i = 0; i < tools.size(); i++) {
            String p = "tools[" + i + "]";
            if (!(tools.get(i) instanceof ObjectNode tool)) throw wrongType(p, "an object", tools.get(i));
            String type = requiredString(tool, "type", p + ".type");
            if (!type.equals("function")) {
                nativeOnly(p, "the hosted tool '" + type + "'");
                continue;
            }
            name(requiredString(tool, "name", p + ".name"), p + ".name");
            optionalString(tool, "description", p + ".description");
            optionalObject(tool, "parameters", p + ".parameters");
            optionalBoolean(tool, "strict", p + ".strict");
        }
    }

    private void toolChoice() {
        JsonNode tc = body.get("tool_choice");
        if (tc == null || tc.isNull()) return;
        if (tc.isTextual()) {
            Params.oneOf(tc.textValue(), "tool_choice", Set.of("none", "auto", "required"));
            return;
        }
        if (!(tc instanceof ObjectNode obj)) throw wrongType("tool_choice", "a string or an object", tc);
        String type = requiredString(obj, "type", "tool_choice.type");
        if (!type.equals("function")) {
            nativeOnly("tool_choice", "a tool choice of type '" + type + "'");
            return;
        }
        String name = requiredString(obj, "name", "tool_choice.name");
        boolean declared = false;
        for (JsonNode t : body.path("tools")) declared |= name.equals(t.path("name").asText(null));
        if (!declared) throw invalidValue("tool_choice.name", "Invalid value for 'tool_choice': no function named '" + name + "' is in 'tools'.");
    }

    private void text() {
        ObjectNode text = optionalObject(body, "text", "text");
        if (text == null) return;
        Params.oneOf(optionalString(text, "verbosity", "text.verbosity"), "text.verbosity", VERBOSITY);
        ObjectNode format = optionalObject(text, "format", "text.format");
        if (format == null) return;
        String type = Params.oneOf(requiredString(format, "type", "text.format.type"), "text.format.type",
                Set.of("text", "json_object", "json_schema"));
        if (type.equals("json_schema")) {
            name(requiredString(format, "name", "text.format.name"), "text.format.name");
            if (optionalObject(format, "schema", "text.format.schema") == null) throw missing("text.format.schema");
            optionalBoolean(format, "strict", "text.format.strict");
            optionalString(format, "description", "text.format.description");
        }
    }

    private void reasoning() {
        ObjectNode r = optionalObject(body, "reasoning", "reasoning");
        if (r == null) return;
        Params.oneOf(optionalString(r, "effort", "reasoning.effort"), "reasoning.effort", EFFORTS);
        Params.oneOf(optionalString(r, "summary", "reasoning.summary"), "reasoning.summary", SUMMARIES);
        Params.oneOf(optionalString(r, "generate_summary", "reasoning.generate_summary"), "reasoning.generate_summary", SUMMARIES);
    }

    private void metadata() {
        ObjectNode m = optionalObject(body, "metadata", "metadata");
        if (m == null) return;
        if (m.size() > 16) throw invalidValue("metadata", "Invalid 'metadata': too many properties. Expected at most 16.");
        for (var it = m.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().length() > 64) throw invalidValue("metadata", "Invalid 'metadata': keys may be at most 64 characters.");
            if (!e.getValue().isTextual()) throw wrongType("metadata." + e.getKey(), "a string", e.getValue());
            if (e.getValue().textValue().length() > 512) {
                throw invalidValue("metadata." + e.getKey(), "Invalid 'metadata." + e.getKey() + "': values may be at most 512 characters.");
            }
        }
    }

    private static void name(String name, String p) {
        if (!NAME.matcher(name).matches()) {
            throw invalidValue(p, "Invalid '" + p + "': string does not match pattern. Expected a string that matches the "
                    + "pattern '^[a-zA-Z0-9_-]+$' of at most 64 characters.");
        }
    }

    // ---- what the broker sends ----------------------------------------------------------------

    /**
     * Both forms of this turn after {@code history} (the earlier turns' input and output items, oldest
     * first, empty without {@code previous_response_id}).
     */
    ResponsesWork work(List<ArrayNode> history) {
        ArrayNode all = Json.array();
        List<String> origins = new ArrayList<>();
        for (ArrayNode turn : history) {
            for (JsonNode it : turn) {
                all.add(it);
                origins.add("previous_response_id");
            }
        }
        for (int i = 0; i < items.size(); i++) {
            all.add(items.get(i));
            origins.add("input[" + i + "]");
        }
        Translation t = new Translation(origins);
        ObjectNode chatBody = t.chatBody(all);
        var chat = t.parse(chatBody);
        return new ResponsesWork(nativeBody(history), chat, untranslatable, t::surfaceParam);
    }

    /**
     * The client's body with the earlier turns put before its input and Zumik's own state fields
     * removed. Earlier items lose their ids (an upstream that stores nothing cannot look them up),
     * except reasoning items that carry their encrypted content, which are only accepted whole; a
     * reasoning item without it cannot be sent back and is left out.
     */
    private ObjectNode nativeBody(List<ArrayNode> history) {
        ObjectNode b = body.deepCopy();
        b.remove("previous_response_id");
        b.remove("background");
        b.put("store", false);
        if (history.isEmpty()) return b;
        ArrayNode input = Json.array();
        for (ArrayNode turn : history) {
            for (JsonNode it : turn) {
                ObjectNode copy = ((ObjectNode) it).deepCopy();
                boolean reasoning = copy.path("type").asText().equals("reasoning");
                if (reasoning && !copy.hasNonNull("encrypted_content")) continue;
                if (!reasoning) copy.remove("id");
                copy.remove("status");
                input.add(copy);
            }
        }
        JsonNode own = body.get("input");
        if (own.isTextual()) {
            ObjectNode m = ((ObjectNode) items.get(0)).deepCopy();
            m.remove(List.of("id", "status"));
            input.add(m);
        }
        else input.addAll((ArrayNode) own.deepCopy());
        b.set("input", input);
        return b;
    }

    /** Gives this turn's items the ids and status that {@code input_items} lists ({@code base}: the response's). */
    void assignIds(String base) {
        for (int i = 0; i < items.size(); i++) {
            ObjectNode it = (ObjectNode) items.get(i);
            String type = it.path("type").asText();
            if (!it.hasNonNull("id")) {
                String prefix = switch (type) {
                    case "message" -> "msg_";
                    case "function_call" -> "fc_";
                    case "function_call_output" -> "fco_";
                    default -> "item_";
                };
                it.put("id", prefix + base + "_in" + i);
            }
            if (!it.has("status") && !type.equals("reasoning")) it.put("status", "completed");
        }
    }

    /** Items → chat messages, remembering which client parameter each message came from. */
    private final class Translation {
        private static final Pattern MESSAGE_PARAM = Pattern.compile("^messages\\[(\\d+)](.*)");
        private final List<String> itemOrigins;
        private final List<String> messageOrigins = new ArrayList<>();

        Translation(List<String> itemOrigins) {
            this.itemOrigins = itemOrigins;
        }

        ObjectNode chatBody(ArrayNode all) {
            ObjectNode chat = Json.object();
            chat.put("model", model);
            ArrayNode messages = chat.putArray("messages");
            if (body.hasNonNull("instructions")) {
                messages.addObject().put("role", "system").put("content", body.get("instructions").textValue());
                messageOrigins.add("instructions");
            }
            for (int i = 0; i < all.size(); i++) {
                ObjectNode it = (ObjectNode) all.get(i);
                String type = it.path("type").asText();
                if (!TRANSLATED_ITEMS.contains(type) || type.equals("reasoning")) continue;
                switch (type) {
                    case "message" -> messages.add(message(it));
                    case "function_call" -> {
                        ObjectNode last = messages.isEmpty() ? null : (ObjectNode) messages.get(messages.size() - 1);
                        if (last == null || !last.path("role").asText().equals("assistant")) {
                            last = messages.addObject().put("role", "assistant");
                            last.putNull("content");
                            messageOrigins.add(itemOrigins.get(i));
                        }
                        ArrayNode calls = last.has("tool_calls") ? (ArrayNode) last.get("tool_calls") : last.putArray("tool_calls");
                        ObjectNode call = calls.addObject().put("id", it.get("call_id").textValue()).put("type", "function");
                        call.putObject("function").put("name", it.get("name").textValue()).put("arguments", it.get("arguments").textValue());
                        continue;
                    }
                    case "function_call_output" -> {
                        JsonNode out = it.get("output");
                        messages.addObject().put("role", "tool").put("tool_call_id", it.get("call_id").textValue())
                                .put("content", out.isTextual() ? out.textValue() : joinedText(out));
                    }
                    default -> { }
                }
                messageOrigins.add(itemOrigins.get(i));
            }
            if (stream) {
                chat.put("stream", true);
                chat.putObject("stream_options").put("include_usage", true);
            }
            ArrayNode tools = Json.array();
            for (JsonNode tool : body.path("tools")) {
                if (!tool.path("type").asText().equals("function")) continue;
                ObjectNode fn = tools.addObject().put("type", "function").putObject("function");
                fn.put("name", tool.get("name").textValue());
                copy(tool, fn, "description", "description");
                copy(tool, fn, "parameters", "parameters");
                copy(tool, fn, "strict", "strict");
            }
            if (!tools.isEmpty()) {
                chat.set("tools", tools);
                JsonNode tc = body.get("tool_choice");
                if (tc != null && tc.isTextual()) chat.put("tool_choice", tc.textValue());
                else if (tc instanceof ObjectNode o && o.path("type").asText().equals("function")) {
                    chat.putObject("tool_choice").put("type", "function").putObject("function").put("name", o.get("name").textValue());
                }
                copy(body, chat, "parallel_tool_calls", "parallel_tool_calls");
            }
            JsonNode format = body.path("text").get("format");
            if (format instanceof ObjectNode f) {
                ObjectNode rf = chat.putObject("response_format").put("type", f.get("type").textValue());
                if (f.get("type").textValue().equals("json_schema")) {
                    ObjectNode js = rf.putObject("json_schema");
                    js.put("name", f.get("name").textValue());
                    copy(f, js, "description", "description");
                    copy(f, js, "schema", "schema");
                    copy(f, js, "strict", "strict");
                }
            }
            copy(body, chat, "max_output_tokens", "max_completion_tokens");
            copy(body.path("reasoning"), chat, "effort", "reasoning_effort");
            copy(body, chat, "temperature", "temperature");
            copy(body, chat, "top_p", "top_p");
            copy(body, chat, "user", "user");
            copy(body, chat, "service_tier", "service_tier");
            return chat;
        }

        private ObjectNode message(ObjectNode it) {
            String role = it.get("role").textValue();
            ObjectNode m = Json.object().put("role", role);
            ArrayNode parts = (ArrayNode) it.get("content");
            if (role.equals("assistant")) {
                StringBuilder text = new StringBuilder();
                for (JsonNode part : parts) {
                    if (part.path("type").asText().equals("refusal")) m.put("refusal", part.get("refusal").textValue());
                    else text.append(part.path("text").asText());
                }
                m.put("content", text.toString());
                return m;
            }
            ArrayNode content = m.putArray("content");
            for (JsonNode part : parts) {
                switch (part.get("type").textValue()) {
                    case "input_text" -> content.addObject().put("type", "text").put("text", part.get("text").textValue());
                    case "input_image" -> {
                        ObjectNode iu = content.addObject().put("type", "image_url").putObject("image_url");
                        // Parts with only a file id are native-only; the placeholder stands in for them.
                        iu.put("url", part.path("image_url").asText("data:image/png;base64,"));
                        copy(part, iu, "detail", "detail");
                    }
                    case "input_file" -> {
                        ObjectNode f = content.addObject().put("type", "file").putObject("file");
                        if (part.hasNonNull("file_data")) f.put("file_data", part.get("file_data").textValue());
                        copy(part, f, "filename", "filename");
                    }
                    case "input_audio" -> {
                        ObjectNode a = content.addObject().put("type", "input_audio").putObject("input_audio");
                        copy(part.path("input_audio"), a, "data", "data");
                        copy(part.path("input_audio"), a, "format", "format");
                    }
                    default -> { }
                }
            }
            return m;
        }

        private static String joinedText(JsonNode parts) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode p : parts) sb.append(p.path("text").asText(""));
            return sb.toString();
        }

        ai.zumik.inference.ChatRequest parse(ObjectNode chatBody) {
            try {
                return ChatRequestParser.parse(chatBody);
            } catch (ApiException e) {
                ApiError err = e.error();
                String param = surfaceParam(err.param());
                throw new ApiError(err.status(), err.type(), err.code(), param,
                        err.param() == null ? err.message() : err.message().replace(err.param(), param), err.retryAfterSeconds())
                        .exception();
            }
        }

        /** A chat parameter in the client's terms. */
        String surfaceParam(String chatParam) {
            if (chatParam == null) return null;
            Matcher m = MESSAGE_PARAM.matcher(chatParam);
            if (m.matches()) {
                int k = Integer.parseInt(m.group(1));
                String origin = k < messageOrigins.size() ? messageOrigins.get(k) : "input";
                return origin.startsWith("input[") ? origin + m.group(2) : origin;
            }
            return switch (chatParam) {
                case "reasoning_effort" -> "reasoning.effort";
                case "response_format" -> "text.format";
                case "max_completion_tokens" -> "max_output_tokens";
                case "logprobs" -> "top_logprobs";
                default -> chatParam.startsWith("tools[") || chatParam.startsWith("tool_choice")
                        ? chatParam.replace(".function.", ".") : chatParam;
            };
        }
    }

    private static void copy(JsonNode from, ObjectNode to, String name, String as) {
        if (from.hasNonNull(name)) to.set(as, from.get(name));
    }
}
