package ai.zumik.conformance;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * Fireworks: OpenAI's format under {@code https://api.fireworks.ai/inference/v1} with these departures.
 * <ul>
 * <li>Cached prompt tokens are reported only in the {@code fireworks-cached-prompt-tokens}
 *     response header, next to {@code fireworks-prompt-tokens} (docs.fireworks.ai "Prompt
 *     caching"); the body's usage has just the three totals.</li>
 * <li>A stream carries usage on the chunk with {@code finish_reason}, not on a separate
 *     {@code choices: []} chunk (third-party reports and recordings; not in Fireworks' docs).</li>
 * <li>Errors are {@code {"error":{"object":"error","type","code","message"}}} (third-party reports).</li>
 * </ul>
 */
final class FireworksDialect extends OpenAiFamilyDialect {

    FireworksDialect() {
        super(FakeProvider.startAt("/inference/v1"));
    }

    @Override
    public String name() {
        return "fireworks";
    }

    @Override
    public String model() {
        return "fireworks_ai/accounts/fireworks/models/llama-v3p1-8b-instruct";
    }

    @Override
    public String rateLimitedModel() {
        return "fireworks_ai/accounts/fireworks/models/llama-v3p3-70b-instruct";
    }

    @Override
    public Map<String, String> env() {
        return Map.of("FIREWORKS_BASE_URL", fake().baseUrl(), "FIREWORKS_API_KEY", "fw_conformance0123456789");
    }

    @Override
    public boolean supportsChoices() {
        return true;
    }

    @Override
    String upstreamModel() {
        return "accounts/fireworks/models/llama-v3p1-8b-instruct";
    }

    @Override
    String completionId() {
        return "8f0e4a52-7c1d-4b3e-9a6f-2d5c8b1e0f47";
    }

    @Override
    ObjectNode usageObject(Tokens t) {
        ObjectNode u = JSON.createObjectNode();
        u.put("prompt_tokens", t.prompt());
        u.put("total_tokens", t.prompt() + t.completion());
        u.put("completion_tokens", t.completion());
        return u;
    }

    @Override
    Map<String, String> usageHeaders(Tokens t) {
        return Map.of("fireworks-prompt-tokens", Integer.toString(t.prompt()),
                "fireworks-cached-prompt-tokens", Integer.toString(t.cached()));
    }

    @Override
    boolean usageOnFinishChunk() {
        return true;
    }

    @Override
    String errorBody(String type, String code, String message) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("error").put("object", "error").put("type", type).put("code", code == null ? type : code)
                .put("message", message);
        return root.toString();
    }

    @Override
    public Script authFailure() {
        return error(401, errorBody("unauthorized", "unauthorized", "The API key you provided is invalid."));
    }
}
