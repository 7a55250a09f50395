package ai.zumik.provider.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.UpstreamFailure;
import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GeminiErrorsTest {
    private static final String KEY = "AIzaSyD3-k3yThatMustNeverLeak_0123456789";

    private static UpstreamFailure error(int status, String body) {
        return error(status, body, MultiMap.caseInsensitiveMultiMap(), false);
    }

    private static UpstreamFailure error(int status, String body, MultiMap headers, boolean stream) {
        return GeminiErrors.http(status, headers, body.replace('\'', '"').getBytes(StandardCharsets.UTF_8), stream, KEY);
    }

    private static String envelope(int code, String status, String message, String details) {
        return "{'error':{'code':" + code + ",'message':'" + message + "','status':'" + status + "'"
                + (details == null ? "" : ",'details':" + details) + "}}";
    }

    @Test
    void invalidArgumentIsTheClientsBadRequestWithGeminisMessageScrubbed() {
        UpstreamFailure f = error(400, envelope(400, "INVALID_ARGUMENT",
                "Invalid value at generation_config.temperature; see https://generativelanguage.googleapis.com/v1beta/models/x?key="
                        + KEY + " (key " + KEY + ")", null));
        assertThat(f.failureClass()).isEqualTo(FailureClass.BAD_REQUEST);
        assertThat(f.message()).startsWith("Invalid value at generation_config.temperature").doesNotContain(KEY)
                .doesNotContain("AIza").doesNotContain("googleapis");
        assertThat(f.providerCode()).isEqualTo("invalid_argument");
        assertThat(f.upstreamStatus()).isEqualTo(400);
        assertThat(error(400, envelope(400, "FAILED_PRECONDITION", "User location is not supported for the API use.", null))
                .failureClass()).isEqualTo(FailureClass.BAD_REQUEST);
    }

    @Test
    void aBadKeyIsAnAuthFailureEvenThoughGeminiSays400() {
        UpstreamFailure f = error(400, envelope(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
                "[{'@type':'type.googleapis.com/google.rpc.ErrorInfo','reason':'API_KEY_INVALID','domain':'googleapis.com'}]"));
        assertThat(f.failureClass()).isEqualTo(FailureClass.AUTH);
        assertThat(f.message()).doesNotContain("API key not valid");
        assertThat(error(403, envelope(403, "PERMISSION_DENIED", "denied", null)).failureClass()).isEqualTo(FailureClass.AUTH);
        assertThat(error(401, envelope(401, "UNAUTHENTICATED", "no", null)).failureClass()).isEqualTo(FailureClass.AUTH);
    }

    @Test
    void statusesMapToTheirClasses() {
        assertThat(error(404, envelope(404, "NOT_FOUND", "models/nope is not found for API version v1beta", null)).failureClass())
                .isEqualTo(FailureClass.NOT_FOUND);
        assertThat(error(500, envelope(500, "INTERNAL", "An internal error has occurred.", null)).failureClass())
                .isEqualTo(FailureClass.SERVER_ERROR);
        assertThat(error(503, envelope(503, "UNAVAILABLE", "The model is overloaded. Please try again later.", null)).failureClass())
                .isEqualTo(FailureClass.OVERLOADED);
        assertThat(error(400, envelope(400, "INVALID_ARGUMENT",
                "The input token count (1048577) exceeds the maximum number of tokens allowed (1048576).", null)).failureClass())
                .isEqualTo(FailureClass.CONTEXT_LENGTH);
    }

    @Test
    void aDeadlineIsAFirstByteTimeoutForAStreamAndATotalTimeoutOtherwise() {
        String body = envelope(504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete.", null);
        assertThat(error(504, body, MultiMap.caseInsensitiveMultiMap(), true).failureClass()).isEqualTo(FailureClass.FIRST_BYTE_TIMEOUT);
        assertThat(error(504, body, MultiMap.caseInsensitiveMultiMap(), false).failureClass()).isEqualTo(FailureClass.TOTAL_TIMEOUT);
        assertThat(error(504, "upstream request timeout", MultiMap.caseInsensitiveMultiMap(), true).failureClass())
                .isEqualTo(FailureClass.FIRST_BYTE_TIMEOUT);
    }

    @Test
    void rateLimitsCarryRetryAfterFromTheHeaderOrGeminisRetryInfo() {
        String body = envelope(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota.",
                "[{'@type':'type.googleapis.com/google.rpc.RetryInfo','retryDelay':'36.2s'}]");
        UpstreamFailure fromDetails = error(429, body);
        assertThat(fromDetails.failureClass()).isEqualTo(FailureClass.RATE_LIMITED);
        assertThat(fromDetails.retryAfterSeconds()).isEqualTo(37L);
        UpstreamFailure fromHeader = error(429, body, MultiMap.caseInsensitiveMultiMap().add("Retry-After", "5"), false);
        assertThat(fromHeader.retryAfterSeconds()).isEqualTo(5L);
    }

    @Test
    void anArrayWrappedOrNonJsonBodyIsStillClassified() {
        assertThat(error(400, "[" + envelope(400, "INVALID_ARGUMENT", "bad", null) + "]").message()).isEqualTo("bad");
        UpstreamFailure html = error(502, "<html>Bad Gateway</html>");
        assertThat(html.failureClass()).isEqualTo(FailureClass.SERVER_ERROR);
        assertThat(html.message()).isEqualTo("gemini failed with HTTP 502.");
    }
}
