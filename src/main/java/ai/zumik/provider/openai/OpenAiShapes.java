package ai.zumik.provider.openai;

import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Builders for OpenAI's response shapes, for producers that do not receive them ready-made:
 * native translators (Anthropic, Gemini) and placeholder mode. {@code id} and {@code model} are
 * rewritten by the surface anyway; builders still fill them so every object is complete.
 */
public final class OpenAiShapes {
    private OpenAiShapes() {}

    /** {@code {"id","object","created","model","system_fingerprint"?}} with an empty choices array to fill. */
    public static ObjectNode envelope(String object, String id, long created, String model) {
        ObjectNode root = Json.object();
        root.put("id", id);
        root.put("object", object);
        root.put("created", created);
        root.put("model", model);
        root.putArray("choices");
        return root;
    }

    /**
     * One {@code chat.completion} choice: an assistant message with {@code content} (null when it is
     * null), {@code tool_calls} when there are any, and OpenAI's always-present {@code refusal},
     * {@code annotations} and {@code logprobs}.
     */
    public static ObjectNode choice(int index, String content, ArrayNode toolCalls, String finishReason) {
        ObjectNode choice = Json.object();
        choice.put("index", index);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", content);
        message.putNull("refusal");
        if (toolCalls != null && !toolCalls.isEmpty()) message.set("tool_calls", toolCalls);
        message.putArray("annotations");
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        return choice;
    }

    /** A whole function call as a message carries it: {@code {"id","type":"function","function":{"name","arguments"}}}. */
    public static ObjectNode toolCall(String id, String name, String arguments) {
        return toolCall(Json.object(), id, name, arguments);
    }

    /** A function call in a stream delta: the same, led by the call's {@code index}. */
    public static ObjectNode toolCallDelta(int index, String id, String name, String arguments) {
        return toolCall(Json.object().put("index", index), id, name, arguments);
    }

    private static ObjectNode toolCall(ObjectNode call, String id, String name, String arguments) {
        call.put("id", id);
        call.put("type", "function");
        ObjectNode fn = call.putObject("function");
        fn.put("name", name);
        fn.put("arguments", arguments);
        return call;
    }

    /** A {@code chat.completion.chunk} with one choice carrying {@code delta}. */
    public static ObjectNode chunk(String id, long created, String model, int index, ObjectNode delta, String finishReason) {
        ObjectNode root = envelope("chat.completion.chunk", id, created, model);
        ObjectNode choice = root.withArray("choices").addObject();
        choice.put("index", index);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        return root;
    }

    /** The final {@code include_usage} chunk: no choices, only usage. */
    public static ObjectNode usageChunk(String id, long created, String model, Usage usage) {
        ObjectNode root = envelope("chat.completion.chunk", id, created, model);
        root.set("usage", usage(usage));
        return root;
    }

    /**
     * OpenAI's {@code usage} object. OpenAI requires the three totals to be integers, so a count the
     * provider did not report is rendered 0 there (the internal record keeps it null); detail
     * objects appear only when their counts were reported.
     */
    public static ObjectNode usage(Usage u) {
        ObjectNode o = Json.object();
        long prompt = u.promptTokens() == null ? 0 : u.promptTokens();
        long completion = u.completionTokens() == null ? 0 : u.completionTokens();
        o.put("prompt_tokens", prompt);
        o.put("completion_tokens", completion);
        o.put("total_tokens", prompt + completion);
        if (u.cachedTokens() != null) o.putObject("prompt_tokens_details").put("cached_tokens", u.cachedTokens());
        if (u.reasoningTokens() != null) o.putObject("completion_tokens_details").put("reasoning_tokens", u.reasoningTokens());
        return o;
    }
}
