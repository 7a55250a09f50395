package ai.zumik.broker;

import static ai.zumik.broker.Faults.attempt;
import static ai.zumik.broker.Faults.attemptTargets;
import static ai.zumik.broker.Faults.failureClasses;
import static ai.zumik.broker.Faults.header;
import static ai.zumik.broker.Faults.parse;
import static ai.zumik.broker.Faults.post;
import static ai.zumik.broker.Faults.record;
import static ai.zumik.broker.Faults.sseData;
import static ai.zumik.broker.Faults.verdicts;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.provider.anthropic.AnthropicFake;
import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Faults that need Anthropic's native wire in front of an OpenAI stand-in: a rejected assistant
 * prefill is the client's problem and is returned as it is; an overload after
 * {@code message_start} already reported usage, which is billed as partial work next to the
 * stand-in's usage.
 */
class AnthropicFaultMatrixTest {
    static FakeProvider anthropic;
    static FakeProvider openai;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        anthropic = AnthropicFake.start();
        openai = FakeProvider.start();
        gw = TestGateway.start("ANTHROPIC_BASE_URL", anthropic.baseUrl(), "ANTHROPIC_API_KEY", "sk-ant-api03-test-123456",
                "OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-openai-123456");
    }

    @AfterAll
    static void stop() {
        Faults.close(gw, openai, anthropic);
    }

    @BeforeEach
    void clean() {
        Faults.reset(anthropic, openai);
    }

    @Test
    void aProviderRejectingAPrefillIsA400ReturnedWithoutRetry() {
        anthropic.enqueue(AnthropicFake.error(400, "invalid_request_error",
                "This model does not support assistant message prefill. The conversation must end with a user message."));
        HttpResponse<String> r = post(gw, "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"List three colours as JSON.\"},{\"role\":\"assistant\",\"content\":\"{\\\"colours\\\": [\"}]}");
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode err = parse(r.body()).get("error");
        assertThat(err.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(err.get("code").asText()).isEqualTo("upstream_rejected_request");
        assertThat(err.get("message").asText()).contains("prefill");
        assertThat(header(r, "agent-attempts")).isEqualTo("1");
        assertThat(header(r, "agent-reason-code")).isEqualTo("upstream_rejected_request");
        assertThat(header(r, "agent-fallback-used")).isEqualTo("false");
        assertThat(anthropic.requests()).hasSize(1);
        JsonNode sent = anthropic.lastRequest().json().get("messages");
        assertThat(sent.get(sent.size() - 1).get("role").asText()).as("the prefill was sent as such").isEqualTo("assistant");
        assertThat(openai.requests()).as("a compatible stand-in is not asked to fix a bad request").isEmpty();

        JsonNode rec = record(gw, r);
        assertThat(failureClasses(rec)).containsExactly("bad_request");
        assertThat(attempt(rec, 0).get("http_status").asInt()).isEqualTo(400);
        assertThat(verdicts(rec)).containsEntry("openai/gpt-5-mini", "kept");
        assertThat(rec.at("/usage/total_tokens").isNull()).isTrue();
    }

    @Test
    void failoverBillsTheServedAttemptPlusUsageTheFailedOneReported() {
        // message_start reports 25 input and 1 output tokens, then Anthropic is overloaded before any content.
        anthropic.enqueue(AnthropicFake.transcript("overloaded-before-content.sse"));
        HttpResponse<String> r = post(gw, Faults.stream("claude-haiku-4-5"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(sseData(r.body()).getLast()).isEqualTo("[DONE]");
        assertThat(header(r, "agent-resolved-model")).isEqualTo("gpt-5-nano");
        assertThat(header(r, "agent-attempts")).isEqualTo("2");
        assertThat(header(r, "agent-fallback-used")).isEqualTo("true");

        JsonNode rec = record(gw, r);
        assertThat(attemptTargets(rec)).containsExactly("anthropic/claude-haiku-4-5", "openai/gpt-5-nano");
        assertThat(failureClasses(rec)).containsExactly("overloaded", "-");
        assertThat(attempt(rec, 0).at("/usage/prompt_tokens").asLong()).isEqualTo(25);
        assertThat(attempt(rec, 0).at("/usage/completion_tokens").asLong()).isEqualTo(1);
        assertThat(attempt(rec, 1).at("/usage/prompt_tokens").asLong()).isEqualTo(11);
        assertThat(rec.at("/usage/input_tokens").asLong()).isEqualTo(25 + 11);
        assertThat(rec.at("/usage/output_tokens").asLong()).isEqualTo(1 + 7);
        assertThat(rec.get("charged").asBoolean()).isTrue();
        assertThat(rec.at("/qos_outcome/degraded").asBoolean()).isTrue();
    }
}
