package ai.zumik.conformance;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * xAI: OpenAI's format at {@code https://api.x.ai/v1} with three departures.
 * <ul>
 * <li>Errors are {@code {"code":"<gRPC status text>","error":"<message>"}} (shape from third-party
 *     reports of real responses).</li>
 * <li>A wrong API key is answered with 400, not 401: docs.x.ai "Debugging Errors" lists "an
 *     incorrect API key was supplied" under 400 Bad Request; the message "Incorrect API key
 *     provided: xa***23. You can obtain an API key from https://console.x.ai." is as third-party
 *     reports quote it.</li>
 * <li>Reasoning tokens are reported in {@code completion_tokens_details.reasoning_tokens} and
 *     {@code total_tokens} but not in {@code completion_tokens} (Google's Vertex documentation for
 *     Grok: "separated from the completion_tokens"; third-party clients correct for it).</li>
 * </ul>
 * {@code n > 1} is refused by the capability manifest ({@code max_choices: 1}).
 */
final class XaiDialect extends OpenAiFamilyDialect {

    XaiDialect() {
        super(FakeProvider.start());
    }

    @Override
    public String name() {
        return "xai";
    }

    @Override
    public String model() {
        return "xai/grok-3-mini";
    }

    @Override
    public String rateLimitedModel() {
        return "xai/grok-3";
    }

    @Override
    public Map<String, String> env() {
        return Map.of("XAI_BASE_URL", fake().baseUrl(), "XAI_API_KEY", "xai-conformance-key-0123456789");
    }

    @Override
    public boolean supportsChoices() {
        return false;
    }

    @Override
    String upstreamModel() {
        return "grok-3-mini";
    }

    @Override
    String completionId() {
        return "5d3c9a7e-1f2b-4c6d-8e9f-0a1b2c3d4e5f";
    }

    @Override
    ObjectNode usageObject(Tokens t) {
        ObjectNode u = JSON.createObjectNode();
        u.put("prompt_tokens", t.prompt());
        u.put("completion_tokens", t.completion() - t.reasoning());
        u.put("total_tokens", t.prompt() + t.completion());
        u.putObject("prompt_tokens_details").put("text_tokens", t.prompt()).put("audio_tokens", 0)
                .put("image_tokens", 0).put("cached_tokens", t.cached());
        u.putObject("completion_tokens_details").put("reasoning_tokens", t.reasoning()).put("audio_tokens", 0)
                .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
        u.put("num_sources_used", 0);
        return u;
    }

    @Override
    String errorBody(String type, String code, String message) {
        String status = switch (type) {
            case "invalid_request_error" -> "Client specified an invalid argument";
            case "requests" -> "Some resource has been exhausted";
            default -> "Internal error";
        };
        return JSON.createObjectNode().put("code", status).put("error", message).toString();
    }

    @Override
    public Script authFailure() {
        return error(400, errorBody("invalid_request_error", null,
                "Incorrect API key provided: xa***89. You can obtain an API key from https://console.x.ai."));
    }
}
