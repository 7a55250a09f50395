package ai.zumik.broker;

import ai.zumik.catalog.Capabilities;
import ai.zumik.inference.ChatMessage;
import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.ContentPart;
import ai.zumik.inference.RequestRejected;
import ai.zumik.inference.ResponseFormat;

/**
 * Matches what a request needs against what a target's manifest says it can do. A meaningful
 * request field the target cannot honour is never dropped: the target is refused, with the
 * parameter named, so the broker can route elsewhere or the client gets a precise 400.
 */
final class CapabilityCheck {
    private CapabilityCheck() {}

    /** @throws RequestRejected naming the first parameter {@code caps} cannot honour */
    static void chat(ChatRequest r, Capabilities caps, String provider) {
        if (!r.tools().isEmpty() && !caps.tools()) throw RequestRejected.unsupported("tools", provider, "tool calling");
        if (Boolean.TRUE.equals(r.parallelToolCalls()) && !caps.parallelTools()) {
            throw RequestRejected.unsupported("parallel_tool_calls", provider, "parallel tool calls");
        }
        if (r.n() > caps.maxChoices()) {
            throw RequestRejected.unsupported("n", provider, "at most " + caps.maxChoices() + " choice"
                    + (caps.maxChoices() == 1 ? "" : "s") + " per request");
        }
        switch (r.responseFormat()) {
            case ResponseFormat.JsonSchema js when !caps.jsonSchema() ->
                    throw RequestRejected.unsupported("response_format", provider, "json_schema output");
            case ResponseFormat.JsonObject jo when !caps.jsonObject() ->
                    throw RequestRejected.unsupported("response_format", provider, "json_object output");
            case null, default -> { }
        }
        if (r.reasoningEffort() != null && !caps.reasoning()) {
            throw RequestRejected.unsupported("reasoning_effort", provider, "the model does not reason");
        }
        if (r.body().path("logprobs").asBoolean(false) && !caps.logprobs()) {
            throw RequestRejected.unsupported("logprobs", provider, "token log probabilities");
        }
        for (int i = 0; i < r.messages().size(); i++) {
            ChatMessage m = r.messages().get(i);
            if (m.content() == null) continue;
            for (int j = 0; j < m.content().size(); j++) {
                String param = "messages[" + i + "].content[" + j + "]";
                switch (m.content().get(j)) {
                    case ContentPart.Image im when !caps.vision() -> throw RequestRejected.unsupported(param, provider, "image input");
                    case ContentPart.Audio au when !caps.audioInput() -> throw RequestRejected.unsupported(param, provider, "audio input");
                    case ContentPart.File f when !caps.pdfInput() -> throw RequestRejected.unsupported(param, provider, "file input");
                    default -> { }
                }
            }
        }
    }
}
