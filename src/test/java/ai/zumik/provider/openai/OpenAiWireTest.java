package ai.zumik.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.inference.FailureClass;
import ai.zumik.provider.UsageTable;
import ai.zumik.inference.UpstreamFailure;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OpenAiWireTest {

    @Test
    void usageMapsOpenAiFieldsAndKeepsNotReportedDistinctFromZero() throws Exception {
        Usage u = UsageTable.openAi(Json.parse(("{\"prompt_tokens\":1200,\"completion_tokens\":40,\"total_tokens\":1240,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":1024},\"completion_tokens_details\":{\"reasoning_tokens\":12}}")
                .getBytes(StandardCharsets.UTF_8)), null);
        assertThat(u).isEqualTo(new Usage(1200L, 40L, 1024L, null, 12L));
        Usage bare = UsageTable.openAi(Json.parse("{\"prompt_tokens\":5,\"completion_tokens\":1}".getBytes()), null);
        assertThat(bare.cachedTokens()).as("not reported").isNull();
        assertThat(UsageTable.openAi(null, null)).isEqualTo(Usage.UNREPORTED);
        assertThat(UsageTable.openAi(Json.parse("{\"prompt_tokens\":5}".getBytes()), 3L).cachedTokens())
                .as("Fireworks' header fills in").isEqualTo(3L);
    }

    @Test
    void xaiReasoningLeftOutOfCompletionTokensIsAddedBackForMeteringAndTheClient() throws Exception {
        // xAI: total = prompt + completion + reasoning; OpenAI: total = prompt + completion (reasoning inside).
        String xai = "{\"prompt_tokens\":30,\"completion_tokens\":5,\"total_tokens\":235,"
                + "\"prompt_tokens_details\":{\"text_tokens\":30,\"audio_tokens\":0,\"image_tokens\":0,\"cached_tokens\":6},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":200,\"audio_tokens\":0,"
                + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0},\"num_sources_used\":0}";
        Usage metered = UsageTable.openAi(Json.parse(xai.getBytes(StandardCharsets.UTF_8)), null);
        assertThat(metered).isEqualTo(new Usage(30L, 205L, 6L, null, 200L));
        assertThat(metered.totalTokens()).isEqualTo(235L);
        var shown = UsageTable.openAiForClient(Json.parse(xai.getBytes(StandardCharsets.UTF_8)), null);
        assertThat(shown.get("completion_tokens").asLong()).isEqualTo(205);
        assertThat(shown.get("total_tokens").asLong()).isEqualTo(235);
        assertThat(shown.at("/completion_tokens_details/reasoning_tokens").asLong()).isEqualTo(200);
        assertThat(shown.get("num_sources_used")).as("everything else kept").isNotNull();

        String openai = "{\"prompt_tokens\":30,\"completion_tokens\":205,\"total_tokens\":235,"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":200}}";
        assertThat(UsageTable.openAi(Json.parse(openai.getBytes(StandardCharsets.UTF_8)), null).completionTokens())
                .isEqualTo(205L);
        assertThat(UsageTable.openAiForClient(Json.parse(openai.getBytes(StandardCharsets.UTF_8)), null))
                .as("already right: left as sent").isNull();
    }

    @Test
    void fireworksCachedTokensFromItsHeaderAppearInTheUsageTheClientSees() throws Exception {
        // docs.fireworks.ai "Prompt caching": the fireworks-cached-prompt-tokens response header
        // says how many of the prompt tokens were cached; the body's usage does not.
        String body = "{\"prompt_tokens\":1500,\"total_tokens\":1520,\"completion_tokens\":20}";
        var shown = UsageTable.openAiForClient(Json.parse(body.getBytes(StandardCharsets.UTF_8)), 1024L);
        assertThat(shown.at("/prompt_tokens_details/cached_tokens").asLong()).isEqualTo(1024);
        assertThat(shown.get("prompt_tokens").asLong()).as("prompt_tokens already includes cached").isEqualTo(1500);
        assertThat(UsageTable.openAiForClient(Json.parse(body.getBytes(StandardCharsets.UTF_8)), null)).isNull();
        String withDetails = "{\"prompt_tokens\":1500,\"completion_tokens\":20,\"prompt_tokens_details\":{\"audio_tokens\":0}}";
        var merged = UsageTable.openAiForClient(Json.parse(withDetails.getBytes(StandardCharsets.UTF_8)), 1024L);
        assertThat(merged.get("prompt_tokens_details").toString())
                .as("the cached count joins the details the body sent").isEqualTo("{\"audio_tokens\":0,\"cached_tokens\":1024}");
        String reported = "{\"prompt_tokens\":1500,\"completion_tokens\":20,\"prompt_tokens_details\":{\"cached_tokens\":512}}";
        assertThat(UsageTable.openAiForClient(Json.parse(reported.getBytes(StandardCharsets.UTF_8)), 1024L))
                .as("a body that reports cached tokens wins").isNull();
    }

    @Test
    void errorsAreClassifiedByStatusAndRefinedByCode() {
        assertThat(cls(429, "{\"error\":{\"message\":\"slow down\",\"code\":\"rate_limit_exceeded\"}}")).isEqualTo(FailureClass.RATE_LIMITED);
        assertThat(cls(503, "")).isEqualTo(FailureClass.OVERLOADED);
        assertThat(cls(529, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"))
                .isEqualTo(FailureClass.OVERLOADED);
        assertThat(cls(500, "<html>oops</html>")).isEqualTo(FailureClass.SERVER_ERROR);
        assertThat(cls(401, "{\"error\":{\"message\":\"bad key\"}}")).isEqualTo(FailureClass.AUTH);
        assertThat(cls(404, "{\"error\":{\"message\":\"The model `x` does not exist\",\"code\":\"model_not_found\"}}"))
                .isEqualTo(FailureClass.NOT_FOUND);
        assertThat(cls(400, "{\"error\":{\"message\":\"This model's maximum context length is 8192 tokens\",\"code\":null}}"))
                .isEqualTo(FailureClass.CONTEXT_LENGTH);
        assertThat(cls(400, "{\"error\":{\"message\":\"flagged\",\"code\":\"content_policy_violation\"}}"))
                .isEqualTo(FailureClass.CONTENT_REFUSAL);
        assertThat(cls(422, "{\"error\":\"Unprocessable\"}")).isEqualTo(FailureClass.BAD_REQUEST);
    }

    @Test
    void retryAfterIsReadFromSecondsOrMilliseconds() {
        MultiMap h = MultiMap.caseInsensitiveMultiMap().add("retry-after", "12");
        assertThat(OpenAiWire.error("openai", 429, h, new byte[0]).retryAfterSeconds()).isEqualTo(12L);
        h = MultiMap.caseInsensitiveMultiMap().add("retry-after-ms", "1500");
        assertThat(OpenAiWire.error("openai", 429, h, new byte[0]).retryAfterSeconds()).isEqualTo(2L);
    }

    @Test
    void clientErrorsKeepTheProviderMessageScrubbedOfSecretsAndUrls() {
        UpstreamFailure f = OpenAiWire.error("xai", 400, MultiMap.caseInsensitiveMultiMap(),
                "{\"code\":\"Client specified an invalid argument\",\"error\":\"Invalid key xai-AbCdEf123456789 see https://console.x.ai\"}"
                        .getBytes(StandardCharsets.UTF_8));
        assertThat(f.failureClass()).isEqualTo(FailureClass.BAD_REQUEST);
        assertThat(f.message()).contains("Invalid key").doesNotContain("xai-AbCd").doesNotContain("console.x.ai");
        assertThat(f.providerCode()).as("free text is not a stable code").isNull();
    }

    @Test
    void xaiAnsweringAWrongKeyWith400IsAnAuthFailureNotTheClientsBadRequest() {
        // docs.x.ai "Debugging Errors": 400 Bad Request also covers "An incorrect API key was supplied".
        // Body shape as third-party reports quote it (error is a string, code free text).
        UpstreamFailure f = OpenAiWire.error("xai", 400, MultiMap.caseInsensitiveMultiMap(),
                ("{\"code\":\"Client specified an invalid argument\",\"error\":\"Incorrect API key provided: xa***23. "
                        + "You can obtain an API key from https://console.x.ai.\"}").getBytes(StandardCharsets.UTF_8));
        assertThat(f.failureClass()).isEqualTo(FailureClass.AUTH);
        assertThat(f.message()).isEqualTo("xai rejected Zumik's credential (HTTP 400).");
        assertThat(f.param()).isNull();
    }

    private static FailureClass cls(int status, String body) {
        return OpenAiWire.error("p", status, MultiMap.caseInsensitiveMultiMap(), body.getBytes(StandardCharsets.UTF_8))
                .failureClass();
    }
}
