package ai.zumik.conformance;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/** OpenAI itself: the reference every other member of the family is compared with. */
final class OpenAiDialect extends OpenAiFamilyDialect {

    OpenAiDialect() {
        super(FakeProvider.start());
    }

    @Override
    public String name() {
        return "openai";
    }

    @Override
    public String model() {
        return "openai/gpt-4o-mini";
    }

    @Override
    public String rateLimitedModel() {
        return "openai/gpt-4o";
    }

    @Override
    public Map<String, String> env() {
        return Map.of("OPENAI_BASE_URL", fake().baseUrl(), "OPENAI_API_KEY", "sk-conformance-openai-123456");
    }

    @Override
    public boolean supportsChoices() {
        return true;
    }

    @Override
    String upstreamModel() {
        return "gpt-4o-mini-2024-07-18";
    }

    @Override
    String completionId() {
        return "chatcmpl-CfConformance0001";
    }

    @Override
    ObjectNode usageObject(Tokens t) {
        ObjectNode u = JSON.createObjectNode();
        u.put("prompt_tokens", t.prompt());
        u.put("completion_tokens", t.completion());
        u.put("total_tokens", t.prompt() + t.completion());
        u.putObject("prompt_tokens_details").put("cached_tokens", t.cached()).put("audio_tokens", 0);
        u.putObject("completion_tokens_details").put("reasoning_tokens", t.reasoning()).put("audio_tokens", 0)
                .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
        return u;
    }

    @Override
    String errorBody(String type, String code, String message) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", message);
        e.put("type", type);
        e.putNull("param");
        if (code == null) e.putNull("code");
        else e.put("code", code);
        return root.toString();
    }

    @Override
    public Script authFailure() {
        return error(401, errorBody("invalid_request_error", "invalid_api_key", "Incorrect API key provided: "
                + "sk-conf*****3456. You can find your API key at https://platform.openai.com/account/api-keys."));
    }
}
