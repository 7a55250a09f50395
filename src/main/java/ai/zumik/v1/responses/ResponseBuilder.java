package ai.zumik.v1.responses;

import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import ai.zumik.json.TopLevel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds OpenAI Response objects and the Responses API's typed stream events from the canonical
 * chat events, for targets that do not speak the Responses API. A stream is turned into the
 * sequence OpenAI sends: {@code response.created}, {@code response.in_progress}, then per output
 * item {@code output_item.added}, for text {@code content_part.added}, {@code output_text.delta}...
 * {@code output_text.done}, {@code content_part.done}, for a function call
 * {@code function_call_arguments.delta}... {@code .done}, then {@code output_item.done}, and last
 * {@code response.completed} (or {@code response.incomplete} when the output limit cut it, or
 * {@code response.failed}). Every event carries the next {@code sequence_number}.
 */
final class ResponseBuilder {
    /** The members {@link #adopt} sets in a native Response. */
    private static final String[] ADOPTED = {"id", "model", "previous_response_id", "store", "background"};
    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);

    private final ResponsesRequest request;
    private final String id;
    private final String itemBase;
    private final long createdAt;
    private final ArrayNode output = Json.array();
    private int sequence;

    // Streaming state: the open message item (text and refusal parts) and the function calls by chat index.
    private ObjectNode message;
    private int messageIndex = -1;
    private StringBuilder text;
    private int textIndex = -1;
    private StringBuilder refusal;
    private int refusalIndex = -1;
    private final Map<Integer, Call> calls = new TreeMap<>();
    private String finishReason;

    private static final class Call {
        final ObjectNode item;
        final int outputIndex;
        final StringBuilder arguments = new StringBuilder();
        boolean done;

        Call(ObjectNode item, int outputIndex) {
            this.item = item;
            this.outputIndex = outputIndex;
        }
    }

    /** @param id the client-facing id ({@code resp_…}); item ids derive from it */
    ResponseBuilder(ResponsesRequest request, String id, long createdAtSeconds) {
        this.request = request;
        this.id = id;
        this.itemBase = id.substring("resp_".length());
        this.createdAt = createdAtSeconds;
    }

    String id() {
        return id;
    }

    // ---- whole objects ------------------------------------------------------------------------

    /**
     * The Response object in OpenAI's shape and field order; the request's settings are echoed.
     *
     * @param incompleteReason {@code max_output_tokens} or {@code content_filter} when {@code status} is incomplete
     */
    ObjectNode response(String status, String model, ArrayNode items, Usage usage, ObjectNode error, String incompleteReason) {
        ObjectNode body = request.body;
        ObjectNode r = Json.object();
        r.put("id", id);
        r.put("object", "response");
        r.put("created_at", createdAt);
        r.put("status", status);
        r.put("background", request.background);
        if (status.equals("completed")) r.put("completed_at", System.currentTimeMillis() / 1000);
        else r.putNull("completed_at");
        r.set("error", error);
        if (incompleteReason != null) r.putObject("incomplete_details").put("reason", incompleteReason);
        else r.putNull("incomplete_details");
        echo(r, "instructions", null);
        echo(r, "max_output_tokens", null);
        echo(r, "max_tool_calls", null);
        r.put("model", model);
        r.set("output", items);
        r.put("parallel_tool_calls", !body.has("parallel_tool_calls") || body.get("parallel_tool_calls").asBoolean(true));
        r.put("previous_response_id", request.previousId);
        echo(r, "prompt_cache_key", null);
        ObjectNode reasoning = r.putObject("reasoning");
        reasoning.set("effort", body.path("reasoning").has("effort") ? body.path("reasoning").get("effort") : Json.NODES.nullNode());
        reasoning.set("summary", body.path("reasoning").has("summary") ? body.path("reasoning").get("summary") : Json.NODES.nullNode());
        echo(r, "safety_identifier", null);
        r.put("service_tier", body.path("service_tier").asText("default"));
        r.put("store", request.store);
        r.put("temperature", body.path("temperature").asDouble(1.0));
        ObjectNode text = body.get("text") instanceof ObjectNode t ? t.deepCopy() : Json.object();
        if (!text.has("format")) text.putObject("format").put("type", "text");
        if (!text.has("verbosity")) text.put("verbosity", "medium");
        r.set("text", text);
        r.set("tool_choice", body.hasNonNull("tool_choice") ? body.get("tool_choice") : Json.NODES.textNode("auto"));
        r.set("tools", body.get("tools") instanceof ArrayNode a ? a : Json.array());
        r.put("top_logprobs", body.path("top_logprobs").asInt(0));
        r.put("top_p", body.path("top_p").asDouble(1.0));
        r.put("truncation", body.path("truncation").asText("disabled"));
        if (usage != null) r.set("usage", usage(usage)); // absent, not null, until known (OpenAI's schema)
        if (body.hasNonNull("user")) r.put("user", body.get("user").textValue());
        r.set("metadata", body.get("metadata") instanceof ObjectNode m ? m : Json.object());
        return r;
    }

    private void echo(ObjectNode r, String name, JsonNode fallback) {
        JsonNode v = request.body.get(name);
        r.set(name, v != null ? v : fallback != null ? fallback : Json.NODES.nullNode());
    }

    /** The Responses API's usage object: input (cache reads included), output (reasoning included). */
    static ObjectNode usage(Usage u) {
        ObjectNode o = Json.object();
        long in = u.promptTokens() == null ? 0 : u.promptTokens();
        long out = u.completionTokens() == null ? 0 : u.completionTokens();
        o.put("input_tokens", in);
        o.putObject("input_tokens_details").put("cached_tokens", u.cachedTokens() == null ? 0 : u.cachedTokens())
                .put("cache_write_tokens", u.cacheWriteTokens() == null ? 0 : u.cacheWriteTokens());
        o.put("output_tokens", out);
        o.putObject("output_tokens_details").put("reasoning_tokens", u.reasoningTokens() == null ? 0 : u.reasoningTokens());
        o.put("total_tokens", in + out);
        return o;
    }

    /**
     * A Response object from a target that speaks the Responses API, in Zumik's terms: Zumik's id,
     * the served model, and the client's own {@code previous_response_id}, {@code store} and
     * {@code background} (the upstream was sent the expanded conversation, unstored).
     */
    ObjectNode adopt(ObjectNode upstream, String model) {
        upstream.put("id", id);
        upstream.put("model", model);
        upstream.put("previous_response_id", request.previousId);
        upstream.put("store", request.store);
        if (upstream.has("background") || request.background) upstream.put("background", request.background);
        return upstream;
    }

    /**
     * As {@link #adopt(ObjectNode, String)}, on the upstream's bytes: the same members set the same
     * way (in place when present, added at the end when absent), every other byte copied as it is,
     * without a tree parsed and written out again.
     *
     * @throws IOException when {@code upstream} is not one JSON object
     */
    byte[] adopt(byte[] upstream, String model) throws IOException {
        TopLevel doc = TopLevel.scan(upstream, ADOPTED);
        return doc.set(Json.quoted(id), Json.quoted(model),
                request.previousId == null ? NULL : Json.quoted(request.previousId),
                request.store ? TRUE : FALSE,
                doc.has("background") || request.background ? (request.background ? TRUE : FALSE) : null);
    }

    /** A whole {@code chat.completion} as a Response. */
    ObjectNode fromCompletion(JsonNode completion, String model, Usage usage) {
        JsonNode choice = completion.path("choices").path(0);
        JsonNode msg = choice.path("message");
        String finish = choice.path("finish_reason").asText("stop");
        String itemStatus = finish.equals("length") ? "incomplete" : "completed";
        ArrayNode items = Json.array();
        JsonNode content = msg.get("content");
        JsonNode refusalText = msg.get("refusal");
        boolean hasText = content != null && content.isTextual() && !content.textValue().isEmpty();
        boolean hasRefusal = refusalText != null && refusalText.isTextual();
        if (hasText || hasRefusal || !msg.has("tool_calls")) {
            ObjectNode m = messageItem(items.size(), itemStatus);
            ArrayNode parts = (ArrayNode) m.get("content");
            if (hasText || !hasRefusal) parts.add(textPart(content != null && content.isTextual() ? content.textValue() : ""));
            if (hasRefusal) parts.add(refusalPart(refusalText.textValue()));
            items.add(m);
        }
        for (JsonNode tc : msg.path("tool_calls")) {
            items.add(callItem(items.size(), tc.path("id").asText(), tc.path("function").path("name").asText(),
                    tc.path("function").path("arguments").asText(""), "completed"));
        }
        return response(status(finish), model, items, usage, null, incompleteReason(finish));
    }

    private static String status(String finish) {
        return finish != null && (finish.equals("length") || finish.equals("content_filter")) ? "incomplete" : "completed";
    }

    private static String incompleteReason(String finish) {
        if ("length".equals(finish)) return "max_output_tokens";
        if ("content_filter".equals(finish)) return "content_filter";
        return null;
    }

    private ObjectNode messageItem(int index, String status) {
        ObjectNode m = Json.object();
        m.put("id", "msg_" + itemBase + "_" + index);
        m.put("type", "message");
        m.put("status", status);
        m.putArray("content");
        m.put("role", "assistant");
        return m;
    }

    private ObjectNode callItem(int index, String callId, String name, String arguments, String status) {
        ObjectNode c = Json.object();
        c.put("id", "fc_" + itemBase + "_" + index);
        c.put("type", "function_call");
        c.put("status", status);
        c.put("arguments", arguments);
        c.put("call_id", callId);
        c.put("name", name);
        return c;
    }

    private static ObjectNode textPart(String text) {
        ObjectNode p = Json.object();
        p.put("type", "output_text");
        p.putArray("annotations");
        p.putArray("logprobs");
        p.put("text", text);
        return p;
    }

    private static ObjectNode refusalPart(String refusal) {
        return Json.object().put("type", "refusal").put("refusal", refusal);
    }

    // ---- stream events ------------------------------------------------------------------------

    private ObjectNode event(String type) {
        ObjectNode e = Json.object();
        e.put("type", type);
        e.put("sequence_number", sequence++);
        return e;
    }

    /** {@code response.created} and {@code response.in_progress}. */
    List<ObjectNode> start(String model) {
        ObjectNode created = event("response.created");
        created.set("response", response("in_progress", model, Json.array(), null, null, null));
        ObjectNode progress = event("response.in_progress");
        progress.set("response", response("in_progress", model, Json.array(), null, null, null));
        return List.of(created, progress);
    }

    /** The events one {@code chat.completion.chunk} makes. */
    List<ObjectNode> chunk(JsonNode chunk) {
        List<ObjectNode> out = new ArrayList<>(2);
        JsonNode choice = chunk.path("choices").path(0);
        if (choice.isMissingNode()) return out;
        JsonNode delta = choice.path("delta");
        JsonNode content = delta.get("content");
        if (content != null && content.isTextual() && !content.textValue().isEmpty()) {
            openText(out);
            text.append(content.textValue());
            ObjectNode d = event("response.output_text.delta");
            d.put("item_id", message.get("id").textValue()).put("output_index", messageIndex).put("content_index", textIndex)
                    .put("delta", content.textValue());
            d.putArray("logprobs");
            out.add(d);
        }
        JsonNode refusalDelta = delta.get("refusal");
        if (refusalDelta != null && refusalDelta.isTextual() && !refusalDelta.textValue().isEmpty()) {
            openMessage(out);
            if (refusal == null) {
                refusal = new StringBuilder();
                refusalIndex = message.get("content").size();
                ((ArrayNode) message.get("content")).add(refusalPart(""));
                out.add(partEvent("response.content_part.added", refusalIndex, refusalPart("")));
            }
            refusal.append(refusalDelta.textValue());
            ObjectNode d = event("response.refusal.delta");
            d.put("item_id", message.get("id").textValue()).put("output_index", messageIndex).put("content_index", refusalIndex)
                    .put("delta", refusalDelta.textValue());
            out.add(d);
        }
        for (JsonNode tc : delta.path("tool_calls")) {
            int index = tc.path("index").asInt(calls.size());
            Call call = calls.get(index);
            if (call == null) {
                closeMessage(out, "completed");
                int outputIndex = output.size();
                call = new Call(callItem(outputIndex, tc.path("id").asText(""), tc.path("function").path("name").asText(""), "",
                        "in_progress"), outputIndex);
                output.add(call.item);
                calls.put(index, call);
                ObjectNode added = event("response.output_item.added");
                added.put("output_index", outputIndex);
                added.set("item", call.item.deepCopy());
                out.add(added);
            }
            String args = tc.path("function").path("arguments").asText("");
            if (!args.isEmpty()) {
                call.arguments.append(args);
                ObjectNode d = event("response.function_call_arguments.delta");
                d.put("item_id", call.item.get("id").textValue()).put("output_index", call.outputIndex).put("delta", args);
                out.add(d);
            }
        }
        if (choice.hasNonNull("finish_reason")) finishReason = choice.get("finish_reason").asText();
        return out;
    }

    private void openMessage(List<ObjectNode> out) {
        if (message != null && message.get("status").textValue().equals("in_progress")) return;
        text = null;
        refusal = null;
        messageIndex = output.size();
        message = messageItem(messageIndex, "in_progress");
        output.add(message);
        ObjectNode added = event("response.output_item.added");
        added.put("output_index", messageIndex);
        added.set("item", message.deepCopy());
        out.add(added);
    }

    private void openText(List<ObjectNode> out) {
        openMessage(out);
        if (text != null) return;
        text = new StringBuilder();
        textIndex = message.get("content").size();
        ((ArrayNode) message.get("content")).add(textPart(""));
        out.add(partEvent("response.content_part.added", textIndex, textPart("")));
    }

    private ObjectNode partEvent(String type, int contentIndex, ObjectNode part) {
        ObjectNode e = event(type);
        e.put("item_id", message.get("id").textValue()).put("output_index", messageIndex).put("content_index", contentIndex);
        e.set("part", part);
        return e;
    }

    private void closeMessage(List<ObjectNode> out, String status) {
        if (message == null || !message.get("status").textValue().equals("in_progress")) return;
        ArrayNode parts = (ArrayNode) message.get("content");
        if (text != null) {
            ObjectNode done = event("response.output_text.done");
            done.put("item_id", message.get("id").textValue()).put("output_index", messageIndex).put("content_index", textIndex)
                    .put("text", text.toString());
            done.putArray("logprobs");
            out.add(done);
            parts.set(textIndex, textPart(text.toString()));
            out.add(partEvent("response.content_part.done", textIndex, textPart(text.toString())));
        }
        if (refusal != null) {
            ObjectNode done = event("response.refusal.done");
            done.put("item_id", message.get("id").textValue()).put("output_index", messageIndex).put("content_index", refusalIndex)
                    .put("refusal", refusal.toString());
            out.add(done);
            parts.set(refusalIndex, refusalPart(refusal.toString()));
            out.add(partEvent("response.content_part.done", refusalIndex, refusalPart(refusal.toString())));
        }
        message.put("status", status);
        ObjectNode itemDone = event("response.output_item.done");
        itemDone.put("output_index", messageIndex);
        itemDone.set("item", message.deepCopy());
        out.add(itemDone);
    }

    private void closeCalls(List<ObjectNode> out, String status) {
        for (Call call : calls.values()) {
            if (call.done) continue;
            call.done = true;
            String args = call.arguments.toString();
            ObjectNode done = event("response.function_call_arguments.done");
            done.put("item_id", call.item.get("id").textValue()).put("name", call.item.get("name").textValue())
                    .put("output_index", call.outputIndex).put("arguments", args);
            out.add(done);
            call.item.put("arguments", args).put("status", status);
            ObjectNode itemDone = event("response.output_item.done");
            itemDone.put("output_index", call.outputIndex);
            itemDone.set("item", call.item.deepCopy());
            out.add(itemDone);
        }
    }

    /** The stream ended as the protocol says: close every open item, then the terminal event. */
    List<ObjectNode> finish(String model, Usage usage) {
        List<ObjectNode> out = new ArrayList<>();
        String itemStatus = "length".equals(finishReason) ? "incomplete" : "completed";
        if (message == null && calls.isEmpty()) openText(out); // an empty answer is still one message
        closeMessage(out, itemStatus);
        closeCalls(out, itemStatus);
        String status = status(finishReason);
        ObjectNode done = event(status.equals("completed") ? "response.completed" : "response.incomplete");
        done.set("response", response(status, model, output.deepCopy(), usage, null, incompleteReason(finishReason)));
        out.add(done);
        return out;
    }

    /** {@code response.failed}: the items so far stay as they were (in progress), the error says why. */
    ObjectNode failed(String model, Usage usage, String code, String message) {
        ObjectNode e = event("response.failed");
        e.set("response", failedResponse(model, usage, code, message, output.deepCopy()));
        return e;
    }

    /** A Response that failed, with {@code items} (those produced before it failed). */
    ObjectNode failedResponse(String model, Usage usage, String code, String message, ArrayNode items) {
        ObjectNode error = Json.object().put("code", code).put("message", message);
        return response("failed", model, items, usage, error, null);
    }

    /** The {@code response.failed} event for a Response object an upstream started (native streams). */
    ObjectNode failedEvent(ObjectNode response) {
        ObjectNode e = event("response.failed");
        e.set("response", response);
        return e;
    }

    /** Continues numbering after events the upstream numbered itself (native streams). */
    void sequenceAfter(int upstreamSequence) {
        sequence = Math.max(sequence, upstreamSequence + 1);
    }
}
