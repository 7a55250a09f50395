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
import static ai.zumik.broker.Faults.sseData;
import static ai.zumik.broker.Faults.stream;
import static ai.zumik.broker.Faults.verdicts;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The broker's failure matrix before the first byte, against real fake providers (OpenAI and xAI
 * on the OpenAI wire): for each fault, what the client sees, which attempts were recorded and
 * why, and what was billed. Each case uses its own primary model, so the circuits and Retry-After
 * cool-downs one case leaves behind (keyed by target) never touch another; xAI models are only
 * ever healthy stand-ins from the primary's compatibility group.
 */
class FaultMatrixTest {
    static FakeProvider openai;
    static FakeProvider xai;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        openai = FakeProvider.start();
        xai = FakeProvider.start();
        gw = Faults.gateway(openai, xai, "ZUMIK_UPSTREAM_FIRST_BYTE_TIMEOUT_MS", "600", "ZUMIK_STREAM_IDLE_TIMEOUT_MS", "400");
    }

    @AfterAll
    static void stop() {
        Faults.close(gw, xai, openai);
    }

    @BeforeEach
    void clean() {
        Faults.reset(openai, xai);
    }

    private static Script.Reply rateLimited(String retryAfter) {
        return retryAfter == null ? error(429, "rate_limit_exceeded", "Rate limit reached")
                : error(429, "rate_limit_exceeded", "Rate limit reached", "retry-after", retryAfter);
    }

    @Test
    void rateLimitWithRetryAfterOnTheOnlyTargetIs429WithTheDelayAndKeepsTheTargetOutOfRotation() {
        openai.enqueue(rateLimited("5"));
        HttpResponse<String> r = post(gw, chat("openai/fault-429-ra"));
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(header(r, "retry-after")).isEqualTo("5");
        assertThat(parse(r.body()).at("/error/code").asText()).isEqualTo("provider_rate_limited");
        assertThat(header(r, "agent-attempts")).isEqualTo("1");
        assertThat(header(r, "agent-fallback-used")).isEqualTo("false");
        assertThat(header(r, "agent-reason-code")).isEqualTo("provider_rate_limited");
        assertThat(header(r, "agent-execution-mode")).isEqualTo("live");
        JsonNode rec = record(gw, r);
        assertThat(attemptTargets(rec)).containsExactly("openai/fault-429-ra");
        assertThat(failureClasses(rec)).containsExactly("rate_limited");
        assertThat(attempt(rec, 0).get("http_status").asInt()).isEqualTo(429);
        assertThat(rec.at("/qos_outcome/reason_code").asText()).isEqualTo("provider_rate_limited");
        assertThat(rec.at("/usage/total_tokens").isNull()).as("a refused attempt reported nothing").isTrue();

        // Retry-After is honoured: the next request is answered without going upstream.
        HttpResponse<String> again = post(gw, chat("openai/fault-429-ra"));
        assertThat(again.statusCode()).isEqualTo(429);
        assertThat(Long.parseLong(header(again, "retry-after"))).isBetween(1L, 5L);
        assertThat(header(again, "agent-attempts")).as("nothing was sent upstream").isEqualTo("0");
        assertThat(openai.requests()).hasSize(1);
        JsonNode second = record(gw, again);
        assertThat(second.get("attempts")).isEmpty();
        assertThat(second.at("/qos_outcome/attempt_count").asInt()).isZero();
        assertThat(verdicts(second)).containsEntry("openai/fault-429-ra", "rate_limited");
    }

    @Test
    void rateLimitWithoutRetryAfterOnTheOnlyTargetIs429AndIsNotRetried() {
        openai.enqueue(rateLimited(null));
        HttpResponse<String> r = post(gw, chat("openai/fault-429-plain"));
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(parse(r.body()).at("/error/code").asText()).isEqualTo("provider_rate_limited");
        assertThat(header(r, "agent-attempts")).isEqualTo("1");
        assertThat(openai.requests()).as("a rate limit would fail the same way again").hasSize(1);
        JsonNode rec = record(gw, r);
        assertThat(failureClasses(rec)).containsExactly("rate_limited");
        assertThat(rec.at("/qos_outcome/reason_code").asText()).isEqualTo("provider_rate_limited");
    }

    @ParameterizedTest(name = "Retry-After: {1}")
    @CsvSource(nullValues = "none", value = {"gpt-4.1, 30", "gpt-5-mini, none"})
    void rateLimitFailsOverAtOnceWhenASecondTargetCanServe(String primary, String retryAfter) {
        openai.enqueue(rateLimited(retryAfter));
        HttpResponse<String> r = post(gw, chat(primary));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(header(r, "agent-attempts")).isEqualTo("2");
        assertThat(header(r, "agent-fallback-used")).isEqualTo("true");
        assertThat(header(r, "agent-reason-code")).isEqualTo("fallback_succeeded");
        assertThat(header(r, "agent-resolved-provider")).isEqualTo("xai");
        assertThat(parse(r.body()).get("model").asText()).isEqualTo("grok-code-fast-1");
        assertThat(header(r, "retry-after")).isNull();

        JsonNode rec = record(gw, r);
        assertThat(attemptTargets(rec)).containsExactly("openai/" + primary, "xai/grok-code-fast-1");
        assertThat(failureClasses(rec)).containsExactly("rate_limited", "-");
        assertThat(attempt(rec, 1).get("retry_cause").asText())
                .isEqualTo("failover after provider_rate_limited from openai/" + primary);
        long gap = attempt(rec, 1).get("started_at_ms").asLong() - attempt(rec, 0).get("finished_at_ms").asLong();
        assertThat(gap).as("another target is tried at once, without the same-target back-off").isLessThan(90);
        assertThat(verdicts(rec)).containsEntry("openai/" + primary, "kept").containsEntry("xai/grok-code-fast-1", "kept")
                .containsEntry("anthropic/claude-sonnet-4-5", "not_configured");
        assertThat(rec.at("/qos_outcome/degraded").asBoolean()).isTrue();
        assertThat(rec.at("/usage/input_tokens").asLong()).isEqualTo(11);
        assertThat(rec.at("/usage/output_tokens").asLong()).isEqualTo(7);
        assertThat(rec.get("charged").asBoolean()).isTrue();

        HttpResponse<String> next = post(gw, chat(primary));
        JsonNode nextRec = record(gw, next);
        if (retryAfter != null) {
            assertThat(verdicts(nextRec)).containsEntry("openai/" + primary, "rate_limited");
            assertThat(attemptTargets(nextRec)).containsExactly("xai/grok-code-fast-1");
            assertThat(openai.requests()).as("the cooling target is not called").hasSize(1);
        } else {
            assertThat(attemptTargets(nextRec)).containsExactly("openai/" + primary);
            assertThat(header(next, "agent-reason-code")).isEqualTo("ok");
        }
    }

    @Test
    void serverErrorOnceIsRetriedOnceOnTheSameTargetAfterABackOff() {
        openai.enqueue(error(500, null, "The server had an error while processing your request."));
        HttpResponse<String> r = post(gw, chat("openai/fault-500-once"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(parse(r.body()).at("/choices/0/message/content").asText()).isEqualTo("echo: hi");
        assertThat(header(r, "agent-attempts")).isEqualTo("2");
        assertThat(header(r, "agent-fallback-used")).as("the same target served").isEqualTo("false");
        assertThat(header(r, "agent-reason-code")).as("no other target served: a retry is not a fallback").isEqualTo("ok");
        assertThat(openai.requests()).hasSize(2);

        JsonNode rec = record(gw, r);
        assertThat(attemptTargets(rec)).containsExactly("openai/fault-500-once", "openai/fault-500-once");
        assertThat(failureClasses(rec)).containsExactly("server_error", "-");
        assertThat(attempt(rec, 0).get("http_status").asInt()).isEqualTo(500);
        assertThat(attempt(rec, 1).get("retry_cause").asText()).isEqualTo("retry after provider_error from openai/fault-500-once");
        long gap = attempt(rec, 1).get("started_at_ms").asLong() - attempt(rec, 0).get("finished_at_ms").asLong();
        assertThat(gap).isGreaterThanOrEqualTo(90);
        assertThat(rec.at("/qos_outcome/fallback_used").asBoolean()).isFalse();
        assertThat(rec.at("/qos_outcome/attempt_count").asInt()).isEqualTo(2);
        assertThat(rec.at("/usage/input_tokens").asLong()).as("only the served attempt reported usage").isEqualTo(11);
        assertThat(rec.at("/usage/output_tokens").asLong()).isEqualTo(7);
    }

    @Test
    void persistentOverloadOnTheConcreteModelDegradesToACompatibleModelOnAnotherProvider() {
        Script.Reply overloaded = error(503, null, "The engine is currently overloaded, please try again later");
        openai.enqueue(overloaded, overloaded, overloaded);
        HttpResponse<String> r = post(gw, chat("gpt-4o"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(parse(r.body()).get("model").asText()).as("the body names the model that answered")
                .isEqualTo("grok-code-fast-1");
        assertThat(header(r, "agent-resolved-provider")).isEqualTo("xai");
        assertThat(header(r, "agent-resolved-model")).isEqualTo("grok-code-fast-1");
        assertThat(header(r, "agent-fallback-used")).isEqualTo("true");
        assertThat(header(r, "agent-reason-code")).isEqualTo("fallback_succeeded");
        assertThat(header(r, "agent-attempts")).isEqualTo("2");
        JsonNode rec = record(gw, r);
        assertThat(attemptTargets(rec)).containsExactly("openai/gpt-4o", "xai/grok-code-fast-1");
        assertThat(failureClasses(rec)).containsExactly("overloaded", "-");
        assertThat(rec.get("resolved_model").asText()).isEqualTo("grok-code-fast-1");
        assertThat(rec.at("/qos_outcome/degraded").asBoolean()).isTrue();
        assertThat(rec.at("/qos_outcome/fallback_used").asBoolean()).isTrue();
        assertThat(rec.at("/routing_decision/candidates/1/compatible_fallback").asBoolean()).isTrue();
        assertThat(models(xai)).containsExactly("grok-code-fast-1");

        // The caller forbids degrading: the only target is retried once, then the overload is reported.
        openai.reset();
        openai.enqueue(overloaded, overloaded);
        HttpResponse<String> forbidden = post(gw, chat("gpt-4o"), "Agent-Hints", FORBID);
        assertThat(forbidden.statusCode()).isEqualTo(503);
        assertThat(parse(forbidden.body()).at("/error/code").asText()).isEqualTo("provider_overloaded");
        assertThat(header(forbidden, "agent-fallback-used")).isEqualTo("false");
        assertThat(header(forbidden, "agent-attempts")).isEqualTo("2");
        assertThat(header(forbidden, "agent-reason-code")).isEqualTo("all_targets_failed");
        assertThat(models(xai)).as("no stand-in was asked").hasSize(1);
        JsonNode forbidRec = record(gw, forbidden);
        assertThat(verdicts(forbidRec)).containsOnlyKeys("openai/gpt-4o");
        assertThat(failureClasses(forbidRec)).containsExactly("overloaded", "overloaded");
        assertThat(forbidRec.at("/qos_outcome/degraded").asBoolean()).isFalse();
        assertThat(forbidRec.get("status").asText()).isEqualTo("failed");
    }

    @Test
    void connectionResetIsRetriedOnceOnTheOnlyTargetAndFailsOverWhenThereIsAnother() {
        openai.enqueue(new Script.Reset(), new Script.Reset());
        HttpResponse<String> r = post(gw, chat("openai/fault-reset"));
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(parse(r.body()).at("/error/code").asText()).isEqualTo("provider_unavailable");
        assertThat(header(r, "agent-attempts")).isEqualTo("2");
        assertThat(header(r, "agent-reason-code")).isEqualTo("all_targets_failed");
        JsonNode rec = record(gw, r);
        assertThat(failureClasses(rec)).containsExactly("connect", "connect");
        assertThat(attempt(rec, 0).get("http_status").asInt()).as("no status ever arrived").isZero();
        assertThat(rec.at("/usage/total_tokens").isNull()).isTrue();

        openai.enqueue(new Script.Reset());
        HttpResponse<String> failover = post(gw, chat("gpt-4o-mini"));
        assertThat(failover.statusCode()).isEqualTo(200);
        assertThat(header(failover, "agent-resolved-model")).isEqualTo("grok-3-mini");
        JsonNode frec = record(gw, failover);
        assertThat(attemptTargets(frec)).containsExactly("openai/gpt-4o-mini", "xai/grok-3-mini");
        assertThat(failureClasses(frec)).containsExactly("connect", "-");
        assertThat(attempt(frec, 1).get("retry_cause").asText()).isEqualTo("failover after provider_error from openai/gpt-4o-mini");
    }

    @Test
    void anUpstreamThatSendsNothingHitsTheFirstByteTimeoutAndFailsOver() throws Exception {
        openai.enqueue(new Script.Hang());
        long start = System.nanoTime();
        HttpResponse<String> r = post(gw, stream("gpt-4.1-mini"));
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(elapsedMs).isBetween(550L, 3000L);
        assertThat(header(r, "agent-attempts")).isEqualTo("2");
        assertThat(header(r, "agent-reason-code")).isEqualTo("fallback_succeeded");
        List<String> data = sseData(r.body());
        assertThat(data.getLast()).isEqualTo("[DONE]");
        assertThat(parse(data.getFirst()).get("model").asText()).isEqualTo("grok-3-mini");
        assertThat(openai.awaitAborts(1, 2000)).as("the silent upstream's connection is closed").isTrue();
        JsonNode rec = record(gw, r);
        assertThat(attemptTargets(rec)).containsExactly("openai/gpt-4.1-mini", "xai/grok-3-mini");
        assertThat(failureClasses(rec)).containsExactly("first_byte_timeout", "-");
        assertThat(attempt(rec, 0).get("first_byte_at_ms").isNull()).isTrue();
        assertThat(attempt(rec, 1).get("retry_cause").asText()).isEqualTo("failover after provider_timeout from openai/gpt-4.1-mini");
        assertThat(rec.at("/usage/input_tokens").asLong()).isEqualTo(11);
    }

    @Test
    void aSlowFirstByteWithinTheTimeoutIsServedNotFailed() {
        openai.enqueue(new Script.Chunks("fault-slow-start").delay(300).role().text("late").finish("stop").usage(5, 1, 0)
                .done().build());
        HttpResponse<String> r = post(gw, stream("openai/fault-slow-start"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(header(r, "agent-attempts")).isEqualTo("1");
        assertThat(header(r, "agent-reason-code")).isEqualTo("ok");
        assertThat(sseData(r.body()).getLast()).isEqualTo("[DONE]");
        JsonNode rec = record(gw, r);
        assertThat(failureClasses(rec)).containsExactly("-");
        assertThat(rec.at("/qos_outcome/ttft_ms").asLong()).isGreaterThanOrEqualTo(290);
        assertThat(rec.at("/qos_outcome/completion").asText()).isEqualTo("completed");
        assertThat(rec.at("/usage/input_tokens").asLong()).isEqualTo(5);
        assertThat(openai.requests()).hasSize(1);
    }

    @Test
    void aContentRefusalIsReturnedAndNeverRetriedElsewhere() {
        openai.enqueue(error(400, "content_policy_violation", "Your request was rejected as a result of our safety system."));
        HttpResponse<String> r = post(gw, chat("gpt-4.1-nano"));
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode err = parse(r.body()).get("error");
        assertThat(err.get("code").asText()).isEqualTo("content_policy_violation");
        assertThat(err.get("message").asText()).contains("safety system");
        assertThat(header(r, "agent-attempts")).isEqualTo("1");
        assertThat(header(r, "agent-reason-code")).isEqualTo("upstream_rejected_request");
        assertThat(header(r, "agent-fallback-used")).isEqualTo("false");
        assertThat(xai.requests()).as("a compatible stand-in would refuse too; it is not asked").isEmpty();
        JsonNode rec = record(gw, r);
        assertThat(failureClasses(rec)).containsExactly("content_refusal");
        assertThat(verdicts(rec)).containsEntry("xai/grok-3-mini", "kept");
        assertThat(rec.at("/error/code").asText()).isEqualTo("content_policy_violation");
    }

    @Test
    void failoverBillsOnlyTheServedAttemptWhenTheFailedOneReportedNothing() {
        openai.enqueue(error(500, null, "boom"));
        xai.enqueue(new Script.Chunks("grok-4").role().text("fine").finish("stop").usage(40, 9, 8).done().build());
        HttpResponse<String> r = post(gw, stream("o3"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(header(r, "agent-resolved-model")).isEqualTo("grok-4");
        JsonNode rec = record(gw, r);
        assertThat(attemptTargets(rec)).containsExactly("openai/o3", "xai/grok-4");
        assertThat(attempt(rec, 0).at("/usage/prompt_tokens").isNull()).isTrue();
        assertThat(attempt(rec, 1).at("/usage/prompt_tokens").asLong()).isEqualTo(40);
        assertThat(rec.at("/usage/input_tokens").asLong()).isEqualTo(40);
        assertThat(rec.at("/usage/cached_tokens").asLong()).isEqualTo(8);
        assertThat(rec.at("/usage/output_tokens").asLong()).isEqualTo(9);
        assertThat(rec.get("charged").asBoolean()).isTrue();
        assertThat(rec.get("output_text").isNull()).as("/v1 responses keep no output").isTrue();
    }

    @Test
    void contextLengthMovesOnlyToALargerContextTargetOfTheRelease() {
        // gpt-4o and gpt-4o-mini: 128,000 tokens; gpt-5-nano: 400,000 (manifest context windows).
        Faults.installRelease(gw, "fault.ctx", "[{\"provider\":\"openai\",\"model\":\"gpt-4o\",\"weight\":500},"
                + "{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\",\"weight\":500},"
                + "{\"provider\":\"openai\",\"model\":\"gpt-5-nano\",\"weight\":1}]");
        HttpResponse<String> r = null;
        JsonNode rec = null;
        for (int i = 0; i < 5; i++) {
            openai.reset();
            openai.enqueue(error(400, "context_length_exceeded", "This model's maximum context length is 128000 tokens."));
            r = post(gw, chat("fault.ctx"));
            rec = record(gw, r);
            if (!Faults.candidateOrder(rec).getFirst().equals("openai/gpt-5-nano")) break; // ~0.1%: the large one first
        }
        List<String> order = Faults.candidateOrder(rec);
        assertThat(order.getFirst()).isNotEqualTo("openai/gpt-5-nano");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(header(r, "agent-attempts")).isEqualTo("2");
        assertThat(header(r, "agent-resolved-model")).isEqualTo("gpt-5-nano");
        assertThat(header(r, "agent-reason-code")).isEqualTo("fallback_succeeded");
        assertThat(parse(r.body()).get("model").asText()).as("an alias target is not a degradation").isEqualTo("fault.ctx");
        assertThat(attemptTargets(rec)).containsExactly(order.getFirst(), "openai/gpt-5-nano");
        assertThat(failureClasses(rec)).containsExactly("context_length", "-");
        assertThat(attempt(rec, 1).get("retry_cause").asText())
                .isEqualTo("failover after upstream_rejected_request from " + order.getFirst());
        assertThat(models(openai)).as("the other 128k target cannot help and is skipped")
                .containsExactly(order.getFirst().substring("openai/".length()), "gpt-5-nano");
        assertThat(rec.at("/qos_outcome/degraded").asBoolean()).isFalse();
        assertThat(rec.at("/routing_decision/alias").asText()).isEqualTo("fault.ctx");

        // With no larger window in the release, the context error is the answer.
        Faults.installRelease(gw, "fault.ctx.small", "[{\"provider\":\"openai\",\"model\":\"gpt-4o\",\"weight\":1},"
                + "{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\",\"weight\":1}]");
        openai.reset();
        openai.enqueue(error(400, "context_length_exceeded", "This model's maximum context length is 128000 tokens."));
        HttpResponse<String> small = post(gw, chat("fault.ctx.small"));
        assertThat(small.statusCode()).isEqualTo(400);
        assertThat(parse(small.body()).at("/error/code").asText()).isEqualTo("context_length_exceeded");
        assertThat(header(small, "agent-reason-code")).isEqualTo("upstream_rejected_request");
        assertThat(openai.requests()).hasSize(1);
        assertThat(failureClasses(record(gw, small))).containsExactly("context_length");
    }
}
