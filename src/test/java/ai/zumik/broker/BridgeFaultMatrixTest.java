package ai.zumik.broker;

import static ai.zumik.broker.Faults.FORBID;
import static ai.zumik.broker.Faults.attempt;
import static ai.zumik.broker.Faults.attemptTargets;
import static ai.zumik.broker.Faults.chat;
import static ai.zumik.broker.Faults.error;
import static ai.zumik.broker.Faults.failureClasses;
import static ai.zumik.broker.Faults.header;
import static ai.zumik.broker.Faults.models;
import static ai.zumik.broker.Faults.parse;
import static ai.zumik.broker.Faults.post;
import static ai.zumik.broker.Faults.record;
import static ai.zumik.broker.Faults.responseId;
import static ai.zumik.broker.Faults.verdicts;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The OpenRouter emergency bridge and total outages: the bridge serves only after every primary
 * target failed on availability, only when {@code OPENROUTER_FALLBACK_ENABLED=true}, leaves an
 * audit event, and is never used for a client error or while a primary path can still serve.
 * With every provider down and no bridge, the client gets a 5xx envelope, never placeholder text.
 */
class BridgeFaultMatrixTest {
    private static final Script.Reply OVERLOADED = error(503, null, "The engine is currently overloaded");

    static FakeProvider openai;
    static FakeProvider xai;
    static FakeProvider openrouter;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        openai = FakeProvider.start();
        xai = FakeProvider.start();
        openrouter = FakeProvider.startAt("/api/v1");
        gw = Faults.gatewayWithBridge(openai, xai, openrouter);
    }

    @AfterAll
    static void stop() {
        Faults.close(gw, openrouter, xai, openai);
    }

    @BeforeEach
    void clean() {
        Faults.reset(openai, xai, openrouter);
    }

    private static JsonNode auditEventFor(String responseId) {
        for (int i = 0; i < 100; i++) {
            HttpResponse<String> r = gw.get("/v2/audit-events?type=openrouter.fallback");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            for (JsonNode e : parse(r.body()).get("data")) {
                if (e.at("/details/response_id").asText().equals(responseId)) return e;
            }
            Faults.sleep(20);
        }
        throw new AssertionError("no openrouter.fallback audit event for " + responseId);
    }

    @Test
    void theBridgeServesAfterTheOnlyPrimaryFailedAndLeavesAnAuditEvent() {
        openai.enqueue(OVERLOADED, OVERLOADED);
        HttpResponse<String> r = post(gw, chat("gpt-4o"), "Agent-Hints", FORBID);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(header(r, "agent-execution-mode")).isEqualTo("openrouter_fallback");
        assertThat(header(r, "agent-reason-code")).isEqualTo("openrouter_bridge_used");
        assertThat(header(r, "agent-fallback-used")).isEqualTo("true");
        assertThat(header(r, "agent-attempts")).isEqualTo("3");
        assertThat(parse(r.body()).get("model").asText()).isEqualTo("gpt-4o");
        assertThat(models(openrouter)).containsExactly("openai/gpt-4o");
        assertThat(openrouter.lastRequest().headers().get("authorization")).isEqualTo("Bearer sk-or-v1-test-123456");
        assertThat(openrouter.lastRequest().headers().get("x-title")).isEqualTo("Zumik");
        assertThat(openrouter.lastRequest().headers().get("http-referer")).isEqualTo("https://zumik.ai");

        JsonNode rec = record(gw, r);
        assertThat(failureClasses(rec)).containsExactly("overloaded", "overloaded", "-");
        assertThat(attempt(rec, 2).at("/target/endpoint").asText()).isEqualTo("openrouter");
        assertThat(attempt(rec, 2).get("retry_cause").asText()).isEqualTo("openrouter bridge after provider_overloaded");
        assertThat(rec.get("execution_mode").asText()).isEqualTo("openrouter_fallback");
        assertThat(rec.at("/qos_outcome/reason_code").asText()).isEqualTo("openrouter_bridge_used");
        assertThat(rec.at("/usage/input_tokens").asLong()).isEqualTo(11);
        assertThat(rec.get("charged").asBoolean()).isTrue();

        JsonNode audit = auditEventFor(responseId(r));
        assertThat(audit.at("/details/bridge_model").asText()).isEqualTo("openai/gpt-4o");
        assertThat(audit.at("/details/primary_failure").asText()).isEqualTo("provider_overloaded");
        assertThat(audit.at("/details/attempts_before_bridge").asInt()).isEqualTo(2);
    }

    @Test
    void theBridgeServesAfterThePrimaryAndEveryConfiguredStandInFailed() {
        // gpt-4.1's group also lists Anthropic and Fireworks models, which are not configured here:
        // they are not targets, so they cannot keep the bridge closed.
        openai.enqueue(OVERLOADED);
        xai.enqueue(OVERLOADED, OVERLOADED);
        HttpResponse<String> r = post(gw, chat("gpt-4.1"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(header(r, "agent-execution-mode")).isEqualTo("openrouter_fallback");
        assertThat(header(r, "agent-reason-code")).isEqualTo("openrouter_bridge_used");
        assertThat(models(openrouter)).containsExactly("openai/gpt-4.1");
        JsonNode rec = record(gw, r);
        assertThat(attemptTargets(rec)).containsExactly("openai/gpt-4.1", "xai/grok-code-fast-1", "xai/grok-3",
                "openai/gpt-4.1");
        assertThat(failureClasses(rec)).containsExactly("overloaded", "overloaded", "overloaded", "-");
        assertThat(verdicts(rec)).containsEntry("anthropic/claude-sonnet-4-5", "not_configured");
        auditEventFor(responseId(r));
    }

    @Test
    void aPrimaryRuledOutByItsOpenCircuitCountsAsFailedAndTheBridgeServesWithoutCallingIt() {
        HttpResponse<String> r = null;
        for (int i = 0; i < 5; i++) {
            openai.enqueue(OVERLOADED, OVERLOADED);
            r = post(gw, chat("o4-mini"), "Agent-Hints", FORBID);
            assertThat(r.statusCode()).as("every failing request is bridged").isEqualTo(200);
            if (verdicts(record(gw, r)).get("openai/o4-mini").equals("circuit_open")) break;
        }
        JsonNode rec = record(gw, r);
        assertThat(verdicts(rec)).containsEntry("openai/o4-mini", "circuit_open");
        assertThat(attemptTargets(rec)).containsExactly("openai/o4-mini");
        assertThat(attempt(rec, 0).at("/target/endpoint").asText()).isEqualTo("openrouter");
        assertThat(attempt(rec, 0).get("retry_cause").asText()).isEqualTo("openrouter bridge after no_eligible_target");
        assertThat(header(r, "agent-execution-mode")).isEqualTo("openrouter_fallback");
        assertThat(header(r, "agent-attempts")).isEqualTo("1");
        assertThat(auditEventFor(responseId(r)).at("/details/attempts_before_bridge").asInt()).isZero();
        assertThat(models(openrouter).getLast()).isEqualTo("openai/o4-mini");
    }

    @Test
    void theBridgeIsNotUsedWhileAPrimaryPathCanServe() {
        openai.enqueue(OVERLOADED);
        HttpResponse<String> r = post(gw, chat("gpt-5-mini"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(header(r, "agent-execution-mode")).isEqualTo("live");
        assertThat(header(r, "agent-reason-code")).isEqualTo("fallback_succeeded");
        assertThat(header(r, "agent-resolved-provider")).isEqualTo("xai");
        assertThat(openrouter.requests()).isEmpty();
    }

    @Test
    void theBridgeIsNotUsedForAClientError() {
        openai.enqueue(new Script.Reply(400, java.util.Map.of("content-type", "application/json"),
                "{\"error\":{\"message\":\"Invalid value for 'temperature'.\",\"type\":\"invalid_request_error\","
                        + "\"param\":\"temperature\",\"code\":\"invalid_value\"}}"));
        HttpResponse<String> r = post(gw, chat("gpt-4o-mini"));
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode err = parse(r.body()).get("error");
        assertThat(err.get("code").asText()).isEqualTo("invalid_value");
        assertThat(err.get("param").asText()).isEqualTo("temperature");
        assertThat(header(r, "agent-reason-code")).isEqualTo("upstream_rejected_request");
        assertThat(header(r, "agent-execution-mode")).isEqualTo("live");
        assertThat(openrouter.requests()).isEmpty();
        assertThat(xai.requests()).isEmpty();
        assertThat(failureClasses(record(gw, r))).containsExactly("bad_request");
    }

    @Test
    void withEveryProviderDownAndNoBridgeTheClientGetsA5xxEnvelopeNeverPlaceholderText() {
        FakeProvider gone = FakeProvider.start();
        String deadUrl = gone.baseUrl();
        gone.close(); // connections to it are refused from now on
        try (FakeProvider bridge = FakeProvider.startAt("/api/v1");
             TestGateway down = TestGateway.start("OPENAI_BASE_URL", deadUrl, "OPENAI_API_KEY", "sk-test-openai-123456",
                     "XAI_BASE_URL", deadUrl, "XAI_API_KEY", "xai-test-key-123456",
                     "OPENROUTER_BASE_URL", bridge.baseUrl(), "OPENROUTER_API_KEY", "sk-or-v1-test-123456")) {
            HttpResponse<String> r = post(down, chat("gpt-4o"));
            assertThat(r.statusCode()).isEqualTo(502);
            JsonNode err = parse(r.body()).get("error");
            assertThat(err.get("code").asText()).isEqualTo("provider_unavailable");
            assertThat(err.get("type").asText()).isEqualTo("api_error");
            assertThat(parse(r.body()).has("choices")).isFalse();
            assertThat(header(r, "agent-reason-code")).isEqualTo("all_targets_failed");
            assertThat(header(r, "agent-execution-mode")).isEqualTo("live");
            assertThat(header(r, "agent-attempts")).isEqualTo("3");
            assertThat(bridge.requests()).as("OPENROUTER_FALLBACK_ENABLED is not set").isEmpty();

            JsonNode rec = record(down, r);
            assertThat(attemptTargets(rec)).containsExactly("openai/gpt-4o", "xai/grok-code-fast-1", "xai/grok-3");
            assertThat(failureClasses(rec)).containsExactly("connect", "connect", "connect");
            assertThat(rec.get("execution_mode").asText()).isEqualTo("live");
            assertThat(rec.get("status").asText()).isEqualTo("failed");
            assertThat(rec.at("/error/code").asText()).isEqualTo("provider_unavailable");
            assertThat(rec.at("/qos_outcome/reason_code").asText()).isEqualTo("all_targets_failed");
            assertThat(rec.get("output_text").isNull()).isTrue();
            assertThat(rec.at("/usage/total_tokens").isNull()).isTrue();

            HttpResponse<String> stream = post(down, Faults.stream("openai/anything"));
            assertThat(stream.statusCode()).isEqualTo(502);
            assertThat(stream.headers().firstValue("content-type").orElseThrow()).startsWith("application/json");
            assertThat(stream.body()).doesNotContain("data:").doesNotContain("placeholder");
        }
    }
}
