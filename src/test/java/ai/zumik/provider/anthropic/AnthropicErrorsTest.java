package ai.zumik.provider.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.UpstreamFailure;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Anthropic's error envelope and statuses → FailureClass. */
class AnthropicErrorsTest {
    private static UpstreamFailure read(int status, String type, String message, MultiMap headers) {
        String body = "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message + "\"},"
                + "\"request_id\":\"req_011CSHoEeqs5C35K2UUqR7Fy\"}";
        return AnthropicErrors.response(status, headers, body.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
            "400, invalid_request_error, BAD_REQUEST",
            "401, authentication_error, AUTH",
            "403, permission_error, AUTH",
            "402, billing_error, AUTH",
            "404, not_found_error, NOT_FOUND",
            "413, request_too_large, BAD_REQUEST",
            "429, rate_limit_error, RATE_LIMITED",
            "500, api_error, SERVER_ERROR",
            "529, overloaded_error, OVERLOADED",
            "503, some_new_error, OVERLOADED",
            "418, some_new_error, BAD_REQUEST"})
    void statusesAndTypesMapToFailureClasses(int status, String type, FailureClass expected) {
        assertThat(read(status, type, "m", MultiMap.caseInsensitiveMultiMap()).failureClass()).isEqualTo(expected);
    }

    @Test
    void clientErrorsKeepAScrubbedMessageAndContextLengthIsRecognised() {
        UpstreamFailure f = read(400, "invalid_request_error",
                "messages.1.content.0: see https://docs.example.com/x for key sk-ant-api03-abcdefghijkl", MultiMap.caseInsensitiveMultiMap());
        assertThat(f.failureClass()).isEqualTo(FailureClass.BAD_REQUEST);
        assertThat(f.message()).startsWith("messages.1.content.0: see [url]").doesNotContain("abcdefghijkl");
        assertThat(read(400, "invalid_request_error", "prompt is too long: 208310 tokens > 200000 maximum",
                MultiMap.caseInsensitiveMultiMap()).failureClass()).isEqualTo(FailureClass.CONTEXT_LENGTH);
    }

    @Test
    void rateLimitsKeepRetryAfterAndOverloadIsA503ToTheClient() {
        UpstreamFailure f = read(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit",
                MultiMap.caseInsensitiveMultiMap().add("retry-after", "17"));
        assertThat(f.retryAfterSeconds()).isEqualTo(17);
        UpstreamFailure o = read(529, "overloaded_error", "Overloaded", MultiMap.caseInsensitiveMultiMap());
        assertThat(o.failureClass().httpStatus()).isEqualTo(503);
        assertThat(o.failureClass().code()).isEqualTo("provider_overloaded");
        assertThat(o.failureClass().retryable()).isTrue();
    }

    @Test
    void aBodyThatIsNotJsonIsClassifiedByStatus() {
        assertThat(AnthropicErrors.response(502, MultiMap.caseInsensitiveMultiMap(), "<html>bad gateway</html>".getBytes())
                .failureClass()).isEqualTo(FailureClass.SERVER_ERROR);
    }
}
