package ai.zumik.v1;

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
import ai.zumik.inference.ChatMessage;
import ai.zumik.inference.ChatMessage.Role;
import ai.zumik.inference.ChatMessage.ToolCall;
import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.ContentPart;
import ai.zumik.inference.ResponseFormat;
import ai.zumik.inference.ToolChoice;
import ai.zumik.inference.ToolSpec;
import ai.zumik.json.TopLevel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates an OpenAI chat-completions body and builds the canonical {@link ChatRequest}. Every
 * rejection is a 400 naming the parameter. Fields Zumik does not interpret are left in the body,
 * untouched, for OpenAI-compatible upstreams.
 */
public final class ChatRequestParser {
    private static final Pattern FUNCTION_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
    private static final Set<String> DETAIL = Set.of("auto", "low", "high");
    private static final Set<String> RESPONSE_FORMATS = Set.of("text", "json_object", "json_schema");

    private ChatRequestParser() {}

    public static ChatRequest parse(ObjectNode body) {
        return parse(body, null);
    }

    /** As {@link #parse(ObjectNode)}, for a body that is the parse of {@code raw}, the client's bytes. */
    public static ChatRequest parse(ObjectNode body, TopLevel raw) {
        String model = requiredString(body, "model", "model");
        List<ChatMessage> messages = messages(body);
        Boolean streamFlag = optionalBoolean(body, "stream", "stream");
        boolean stream = Boolean.TRUE.equals(streamFlag);
        ObjectNode streamOptions = optionalObject(body, "stream_options", "stream_options");
        boolean includeUsage = false;
        if (streamOptions != null) {
            if (!stream) {
                throw invalidValue("stream_options", "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
            }
            includeUsage = Boolean.TRUE.equals(optionalBoolean(streamOptions, "include_usage", "stream_options.include_usage"));
        }
        Integer maxTokens = optionalInt(body, "max_tokens", "max_tokens", 1, Integer.MAX_VALUE);
        Integer maxCompletion = optionalInt(body, "max_completion_tokens", "max_completion_tokens", 1, Integer.MAX_VALUE);
        Integer n = optionalInt(body, "n", "n", 1, 128);
        Double temperature = optionalNumber(body, "temperature", "temperature", 0, 2);
        Double topP = optionalNumber(body, "top_p", "top_p", 0, 1);
        optionalNumber(body, "presence_penalty", "presence_penalty", -2, 2);
        optionalNumber(body, "frequency_penalty", "frequency_penalty", -2, 2);
        optionalInt(body, "seed", "seed", Long.MIN_VALUE, Long.MAX_VALUE);
        optionalBoolean(body, "logprobs", "logprobs");
        optionalInt(body, "top_logprobs", "top_logprobs", 0, 20);
        optionalObject(body, "logit_bias", "logit_bias");
        optionalObject(body, "metadata", "metadata");
        List<String> stop = stop(body);
        List<ToolSpec> tools = tools(body);
        ToolChoice toolChoice = toolChoice(body, tools);
        Boolean parallel = optionalBoolean(body, "parallel_tool_calls", "parallel_tool_calls");
        ResponseFormat format = responseFormat(body);
        String user = optionalString(body, "user", "user");
        String effort = optionalString(body, "reasoning_effort", "reasoning_effort");
        return new ChatRequest(body, model, messages, stream, includeUsage,
                maxCompletion != null ? maxCompletion : maxTokens, n == null ? 1 : n, temperature, topP, stop,
                tools, toolChoice, parallel, format, user, effort, raw);
    }

    private static List<ChatMessage> messages(ObjectNode body) {
        JsonNode node = body.get("messages");
        if (node == null || node.isNull()) throw missing("messages");
        if (!(node instanceof ArrayNode array)) throw wrongType("messages", "an array", node);
        if (array.isEmpty()) {
            throw ApiError.invalid("messages", "empty_array",
                    "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.")
                    .exception();
        }
        List<ChatMessage> out = new ArrayList<>(array.size());
        Set<String> toolCallIds = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            String p = "messages[" + i + "]";
            JsonNode m = array.get(i);
            if (!(m instanceof ObjectNode msg)) throw wrongType(p, "an object", m);
            String roleText = requiredString(msg, "role", p + ".role");
            Role role = Role.parse(roleText);
            if (role == null) {
                throw invalidValue(p + ".role", "Invalid value: '" + roleText + "'. Supported values are: "
                        + "'system', 'developer', 'user', 'assistant', 'tool' and 'function'.");
            }
            String name = optionalString(msg, "name", p + ".name");
            List<ToolCall> toolCalls = role == Role.ASSISTANT ? toolCalls(msg, p) : List.of();
            for (ToolCall tc : toolCalls) toolCallIds.add(tc.id());
            JsonNode content = msg.get("content");
            boolean contentOptional = role == Role.ASSISTANT && (!toolCalls.isEmpty() || msg.hasNonNull("function_call"))
                    || role == Role.FUNCTION;
            List<ContentPart> parts = content(content, p + ".content", role, contentOptional);
            String toolCallId = null;
            if (role == Role.TOOL) {
                toolCallId = requiredString(msg, "tool_call_id", p + ".tool_call_id");
                if (!toolCallIds.contains(toolCallId)) {
                    throw invalidValue(p + ".tool_call_id", "Invalid parameter: messages with role 'tool' must be a "
                            + "response to a preceding message with 'tool_calls'; no earlier tool call has id '"
                            + toolCallId + "'.");
                }
            }
            if (role == Role.FUNCTION && name == null) throw missing(p + ".name");
            out.add(new ChatMessage(role, parts, content != null && content.isTextual(), name, toolCalls, toolCallId));
        }
        return out;
    }

    private static List<ContentPart> content(JsonNode content, String p, Role role, boolean optional) {
        if (content == null || content.isNull()) {
            if (optional) return null;
            throw missing(p);
        }
        if (content.isTextual()) return List.of(new ContentPart.Text(content.textValue()));
        if (!(content instanceof ArrayNode parts)) throw wrongType(p, "one of a string or array of objects", content);
        if (parts.isEmpty() && !optional) {
            throw ApiError.invalid(p, "empty_array", "Invalid '" + p + "': empty array. Expected an array with minimum length 1.")
                    .exception();
        }
        List<ContentPart> out = new ArrayList<>(parts.size());
        for (int j = 0; j < parts.size(); j++) {
            String pp = p + "[" + j + "]";
            JsonNode part = parts.get(j);
            if (!(part instanceof ObjectNode obj)) throw wrongType(pp, "an object", part);
            String type = requiredString(obj, "type", pp + ".type");
            ContentPart cp = switch (type) {
                case "text" -> {
                    JsonNode t = obj.get("text");
                    if (t == null || t.isNull()) throw missing(pp + ".text");
                    if (!t.isTextual()) throw wrongType(pp + ".text", "a string", t);
                    yield new ContentPart.Text(t.textValue());
                }
                case "image_url" -> image(obj, pp);
                case "input_audio" -> {
                    ObjectNode a = optionalObject(obj, "input_audio", pp + ".input_audio");
                    if (a == null) throw missing(pp + ".input_audio");
                    yield new ContentPart.Audio(requiredString(a, "data", pp + ".input_audio.data"),
                            requiredString(a, "format", pp + ".input_audio.format"));
                }
                case "file" -> {
                    ObjectNode f = optionalObject(obj, "file", pp + ".file");
                    if (f == null) throw missing(pp + ".file");
                    yield new ContentPart.File(f);
                }
                case "refusal" -> new ContentPart.Refusal(requiredString(obj, "refusal", pp + ".refusal"));
                default -> new ContentPart.Other(type, obj);
            };
            boolean allowed = switch (role) {
                case SYSTEM, DEVELOPER, TOOL -> cp instanceof ContentPart.Text || cp instanceof ContentPart.Other;
                case ASSISTANT -> cp instanceof ContentPart.Text || cp instanceof ContentPart.Refusal
                        || cp instanceof ContentPart.Other;
                case USER -> !(cp instanceof ContentPart.Refusal);
                case FUNCTION -> cp instanceof ContentPart.Text;
            };
            if (!allowed) {
                throw invalidValue(pp + ".type", "Invalid value: '" + type + "'. Content parts of type '" + type
                        + "' are not allowed in '" + role.name().toLowerCase(java.util.Locale.ROOT) + "' messages.");
            }
            out.add(cp);
        }
        return out;
    }

    private static ContentPart.Image image(ObjectNode obj, String pp) {
        JsonNode iu = obj.get("image_url");
        if (iu == null || iu.isNull()) throw missing(pp + ".image_url");
        if (!iu.isObject()) throw wrongType(pp + ".image_url", "an object", iu);
        String url = requiredString(iu, "url", pp + ".image_url.url");
        String lower = url.regionMatches(true, 0, "data:", 0, 5) ? "data:"
                : url.regionMatches(true, 0, "https://", 0, 8) ? "https://"
                : url.regionMatches(true, 0, "http://", 0, 7) ? "http://" : null;
        if (lower == null) {
            throw invalidValue(pp + ".image_url.url",
                    "Invalid image URL: expected an http(s) URL or a base64 data URL (data:image/...;base64,...).");
        }
        if (lower.equals("data:") && (!url.contains(";base64,") || !url.regionMatches(true, 5, "image/", 0, 6))) {
            throw invalidValue(pp + ".image_url.url",
                    "Invalid image data URL: expected data:image/<type>;base64,<data>.");
        }
        String detail = ai.zumik.http.Params.oneOf(optionalString(iu, "detail", pp + ".image_url.detail"),
                pp + ".image_url.detail", DETAIL);
        return new ContentPart.Image(url, detail);
    }

    private static List<ToolCall> toolCalls(ObjectNode msg, String p) {
        ArrayNode calls = optionalArray(msg, "tool_calls", p + ".tool_calls");
        if (calls == null) return List.of();
        List<ToolCall> out = new ArrayList<>(calls.size());
        for (int k = 0; k < calls.size(); k++) {
            String cp = p + ".tool_calls[" + k + "]";
            JsonNode c = calls.get(k);
            if (!(c instanceof ObjectNode call)) throw wrongType(cp, "an object", c);
            String id = requiredString(call, "id", cp + ".id");
            String type = optionalString(call, "type", cp + ".type");
            if (type != null && !type.equals("function")) {
                out.add(new ToolCall(id, null, null));
                continue;
            }
            ObjectNode fn = optionalObject(call, "function", cp + ".function");
            if (fn == null) throw missing(cp + ".function");
            String name = requiredString(fn, "name", cp + ".function.name");
            JsonNode args = fn.get("arguments");
            if (args == null || args.isNull()) throw missing(cp + ".function.arguments");
            if (!args.isTextual()) throw wrongType(cp + ".function.arguments", "a string", args);
            out.add(new ToolCall(id, name, args.textValue()));
        }
        return out;
    }

    private static List<String> stop(ObjectNode body) {
        JsonNode s = body.get("stop");
        if (s == null || s.isNull()) return List.of();
        if (s.isTextual()) return List.of(s.textValue());
        if (!(s instanceof ArrayNode arr)) throw wrongType("stop", "a string or an array of strings", s);
        if (arr.size() > 4) {
            throw ApiError.invalid("stop", "array_above_max_length",
                    "Invalid 'stop': array too long. Expected an array with maximum length 4, but got " + arr.size() + ".")
                    .exception();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            if (!arr.get(i).isTextual()) throw wrongType("stop[" + i + "]", "a string", arr.get(i));
            out.add(arr.get(i).textValue());
        }
        return out;
    }

    private static List<ToolSpec> tools(ObjectNode body) {
        ArrayNode tools = optionalArray(body, "tools", "tools");
        if (tools == null) return List.of();
        List<ToolSpec> out = new ArrayList<>(tools.size());
        for (int i = 0; i < tools.size(); i++) {
            String p = "tools[" + i + "]";
            JsonNode t = tools.get(i);
            if (!(t instanceof ObjectNode tool)) throw wrongType(p, "an object", t);
            String type = requiredString(tool, "type", p + ".type");
            if (!type.equals("function")) continue; // other tool kinds pass through to upstreams that know them
            ObjectNode fn = optionalObject(tool, "function", p + ".function");
            if (fn == null) throw missing(p + ".function");
            String name = requiredString(fn, "name", p + ".function.name");
            if (!FUNCTION_NAME.matcher(name).matches()) {
                throw invalidValue(p + ".function.name", "Invalid '" + p + ".function.name': string does not match "
                        + "pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$' of at most 64 characters.");
            }
            out.add(new ToolSpec(name, optionalString(fn, "description", p + ".function.description"),
                    optionalObject(fn, "parameters", p + ".function.parameters"),
                    optionalBoolean(fn, "strict", p + ".function.strict")));
        }
        return out;
    }

    private static ToolChoice toolChoice(ObjectNode body, List<ToolSpec> tools) {
        JsonNode tc = body.get("tool_choice");
        if (tc == null || tc.isNull()) return null;
        if (!body.hasNonNull("tools")) {
            throw invalidValue("tool_choice", "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.");
        }
        if (tc.isTextual()) {
            return switch (tc.textValue()) {
                case "auto" -> new ToolChoice.Auto();
                case "none" -> new ToolChoice.None();
                case "required" -> new ToolChoice.Required();
                default -> throw invalidValue("tool_choice", "Invalid value for 'tool_choice': '" + tc.textValue()
                        + "'. Supported values are: 'none', 'auto' and 'required'.");
            };
        }
        if (!(tc instanceof ObjectNode obj)) throw wrongType("tool_choice", "a string or an object", tc);
        String type = requiredString(obj, "type", "tool_choice.type");
        if (!type.equals("function")) return new ToolChoice.Auto(); // newer choice kinds pass through untouched
        ObjectNode fn = optionalObject(obj, "function", "tool_choice.function");
        if (fn == null) throw missing("tool_choice.function");
        String name = requiredString(fn, "name", "tool_choice.function.name");
        if (tools.stream().noneMatch(t -> t.name().equals(name))) {
            throw invalidValue("tool_choice.function.name", "Invalid value for 'tool_choice': no function named '"
                    + name + "' is in 'tools'.");
        }
        return new ToolChoice.Named(name);
    }

    private static ResponseFormat responseFormat(ObjectNode body) {
        ObjectNode rf = optionalObject(body, "response_format", "response_format");
        if (rf == null) return null;
        String type = ai.zumik.http.Params.oneOf(requiredString(rf, "type", "response_format.type"),
                "response_format.type", RESPONSE_FORMATS);
        return switch (type) {
            case "json_object" -> new ResponseFormat.JsonObject();
            case "json_schema" -> {
                ObjectNode js = optionalObject(rf, "json_schema", "response_format.json_schema");
                if (js == null) throw missing("response_format.json_schema");
                String name = requiredString(js, "name", "response_format.json_schema.name");
                if (!FUNCTION_NAME.matcher(name).matches()) {
                    throw invalidValue("response_format.json_schema.name",
                            "Invalid 'response_format.json_schema.name': expected a string matching '^[a-zA-Z0-9_-]+$' of at most 64 characters.");
                }
                ObjectNode schema = optionalObject(js, "schema", "response_format.json_schema.schema");
                Boolean strict = optionalBoolean(js, "strict", "response_format.json_schema.strict");
                yield new ResponseFormat.JsonSchema(name, schema, Boolean.TRUE.equals(strict));
            }
            default -> new ResponseFormat.Text();
        };
    }
}
