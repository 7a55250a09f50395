package ai.zumik.broker;

import static ai.zumik.broker.Faults.attempt;
import static ai.zumik.broker.Faults.attemptTargets;
import static ai.zumik.broker.Faults.chat;
import static ai.zumik.broker.Faults.deadline;
import static ai.zumik.broker.Faults.failureClasses;
import static ai.zumik.broker.Faults.header;
import static ai.zumik.broker.Faults.parse;
import static ai.zumik.broker.Faults.post;
import static ai.zumik.broker.Faults.record;
import static ai.zumik.broker.Faults.sseData;
import static ai.zumik.broker.Faults.stream;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.SseClient;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The failure matrix once a stream is committed, plus deadlines and cancellation: after the first
 * byte a failure is an honest in-band error, never a failover; a deadline is a 504 (or an in-band
 * error) and never charged; a client that leaves cancels the upstream and the record says so.
 * Each case has its own model, so no case's circuit state reaches another.
 */
class StreamFaultMatrixTest {
    static FakeProvider openai;
    static FakeProvider xai;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        openai = FakeProvider.start();
        xai = FakeProvider.start();
        gw = Faults.gateway(openai, xai, "ZUMIK_UPSTREAM_FIRST_BYTE_TIMEOUT_MS", "800", "ZUMIK_STREAM_IDLE_TIMEOUT_MS", "800");
    }

    @AfterAll
    static void stop() {
        Faults.close(gw, xai, openai);
    }

    @BeforeEach
    void clean() {
        Faults.reset(openai, xai);
    }

    private static String errorCodeOf(String lastEvent) {
        return parse(lastEvent).at("/error/code").asText();
    }

    @Test
    void aStreamCutAfterSomeChunksEndsInBandWithoutFailoverAndBillsThePartialUsage() {
        openai.enqueue(new Script.Chunks("gpt-4o").role().text("Hel").text("lo").finish("stop").usage(20, 3, 0)
                .delay(150).step(new Script.Cut()).build());
        HttpResponse<String> r = post(gw, stream("gpt-4o"));
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> data = sseData(r.body());
        assertThat(data).hasSize(5); // role, Hel, lo, finish, error (usage was not asked for)
        assertThat(parse(data.get(1)).at("/choices/0/delta/content").asText()).isEqualTo("Hel");
        assertThat(errorCodeOf(data.getLast())).isEqualTo("stream_interrupted");
        assertThat(data).doesNotContain("[DONE]");
        assertThat(header(r, "agent-attempts")).isEqualTo("1");
        assertThat(header(r, "agent-fallback-used")).isEqualTo("false");
        assertThat(xai.requests()).as("bytes were sent: no failover").isEmpty();

        JsonNode rec = record(gw, r);
        assertThat(attemptTargets(rec)).containsExactly("openai/gpt-4o");
        assertThat(failureClasses(rec)).containsExactly("stream_interrupted");
        assertThat(attempt(rec, 0).get("first_byte_at_ms").isNull()).isFalse();
        assertThat(rec.get("status").asText()).isEqualTo("failed");
        assertThat(rec.at("/error/code").asText()).isEqualTo("stream_interrupted");
        assertThat(rec.at("/qos_outcome/reason_code").asText()).isEqualTo("stream_interrupted");
        assertThat(rec.at("/qos_outcome/completion").asText()).isEqualTo("failed");
        assertThat(rec.at("/usage/input_tokens").asLong()).as("the provider's count before the cut").isEqualTo(20);
        assertThat(rec.at("/usage/output_tokens").asLong()).isEqualTo(3);
        assertThat(rec.get("charged").asBoolean()).isTrue();
    }

    @Test
    void aStreamCutBeforeAnyUsageRecordsNoTokens() {
        openai.enqueue(new Script.Chunks("fault-cut-early").role().text("par").delay(150).step(new Script.Cut()).build());
        HttpResponse<String> r = post(gw, stream("openai/fault-cut-early"));
        List<String> data = sseData(r.body());
        assertThat(data).hasSize(3);
        assertThat(errorCodeOf(data.getLast())).isEqualTo("stream_interrupted");
        JsonNode rec = record(gw, r);
        assertThat(failureClasses(rec)).containsExactly("stream_interrupted");
        assertThat(rec.at("/usage/total_tokens").isNull()).isTrue();
        assertThat(openai.requests()).hasSize(1);
    }

    @Test
    void aStalledStreamHitsTheIdleTimeoutInBand() throws Exception {
        openai.enqueue(new Script.Chunks("fault-stall").role().text("a").step(new Script.Stall()).build());
        long start = System.nanoTime();
        HttpResponse<String> r = post(gw, stream("openai/fault-stall"));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(780L, 3000L);
        List<String> data = sseData(r.body());
        assertThat(errorCodeOf(data.getLast())).isEqualTo("provider_timeout");
        assertThat(data).doesNotContain("[DONE]");
        assertThat(openai.awaitAborts(1, 2000)).as("the stalled connection is closed").isTrue();
        JsonNode rec = record(gw, r);
        assertThat(failureClasses(rec)).containsExactly("stream_idle_timeout");
        assertThat(rec.at("/qos_outcome/reason_code").asText()).isEqualTo("provider_timeout");
        assertThat(rec.at("/error/code").asText()).isEqualTo("provider_timeout");
        assertThat(openai.requests()).as("not retried after the first byte").hasSize(1);
    }

    @Test
    void aMalformedChunkAfterContentIsAnInBandErrorWithoutFailover() {
        openai.enqueue(new Script.Chunks("gpt-4.1").role().text("ok").delay(150).step(Script.raw("data: {not json\n\n")).build());
        HttpResponse<String> r = post(gw, stream("gpt-4.1"));
        List<String> data = sseData(r.body());
        assertThat(errorCodeOf(data.getLast())).isEqualTo("provider_error");
        assertThat(data).doesNotContain("[DONE]");
        assertThat(xai.requests()).isEmpty();
        JsonNode rec = record(gw, r);
        assertThat(failureClasses(rec)).containsExactly("malformed_response");
        assertThat(rec.at("/qos_outcome/reason_code").asText()).isEqualTo("stream_interrupted");
    }

    @Test
    void aMalformedFirstEventIsAnOrdinaryFailureThatFailsOver() {
        openai.enqueue(Script.sse(Script.raw("data: {not json\n\n")));
        HttpResponse<String> r = post(gw, stream("gpt-4o-mini"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(sseData(r.body()).getLast()).isEqualTo("[DONE]");
        assertThat(header(r, "agent-resolved-model")).isEqualTo("grok-3-mini");
        assertThat(header(r, "agent-attempts")).isEqualTo("2");
        JsonNode rec = record(gw, r);
        assertThat(attemptTargets(rec)).containsExactly("openai/gpt-4o-mini", "xai/grok-3-mini");
        assertThat(failureClasses(rec)).containsExactly("malformed_response", "-");
        assertThat(rec.at("/qos_outcome/reason_code").asText()).isEqualTo("fallback_succeeded");
    }

    @Test
    void aStreamClosedBeforeItsFinishReasonIsInterruptedNotCompleted() {
        openai.enqueue(new Script.Chunks("fault-no-done").role().text("a").delay(150).usage(4, 1, 0).build());
        HttpResponse<String> r = post(gw, stream("openai/fault-no-done"));
        List<String> data = sseData(r.body());
        assertThat(errorCodeOf(data.getLast())).isEqualTo("stream_interrupted");
        assertThat(data).doesNotContain("[DONE]");
        JsonNode rec = record(gw, r);
        assertThat(failureClasses(rec)).containsExactly("stream_interrupted");
        assertThat(rec.get("status").asText()).isEqualTo("failed");
        assertThat(rec.at("/usage/input_tokens").asLong()).isEqualTo(4);
    }

    @Test
    void aClientThatDisconnectsCancelsTheUpstreamAndTheRecordSaysCancelled() throws Exception {
        openai.enqueue(new Script.Chunks("fault-cancel").role().text("first").delay(10_000).text("never").done().build());
        String id;
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", stream("openai/fault-cancel"))) {
            id = c.header("agent-response-id");
            assertThat(c.next()).isNotNull();
            assertThat(c.next().json().at("/choices/0/delta/content").asText()).isEqualTo("first");
        }
        assertThat(openai.awaitAborts(1, 2000)).as("the upstream call is aborted").isTrue();
        JsonNode rec = record(gw, id);
        assertThat(rec.get("status").asText()).isEqualTo("cancelled");
        assertThat(rec.at("/qos_outcome/completion").asText()).isEqualTo("cancelled");
        assertThat(rec.at("/qos_outcome/reason_code").asText()).isEqualTo("client_cancelled");
        assertThat(failureClasses(rec)).containsExactly("cancelled");
        assertThat(rec.at("/error/code").asText()).isEqualTo("client_cancelled");
        assertThat(rec.get("charged").asBoolean()).isFalse();
        assertThat(openai.requests()).hasSize(1);
    }

    @Test
    void aClientThatLeavesBeforeTheFirstByteCancelsTheWaitingAttempt() throws Exception {
        openai.enqueue(new Script.Hang());
        String body = stream("openai/fault-cancel-early");
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gw.zumik().port())) {
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Authorization: Bearer " + gw.adminKey() + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            for (int i = 0; i < 100 && openai.requests().isEmpty(); i++) Faults.sleep(10);
            assertThat(openai.requests()).hasSize(1);
        }
        assertThat(openai.awaitAborts(1, 2000)).as("the upstream call is aborted").isTrue();
        JsonNode event = null;
        for (int i = 0; i < 100 && event == null; i++) {
            for (JsonNode e : parse(gw.get("/v2/usage").body()).get("data")) {
                if (e.get("requested_model").asText().equals("openai/fault-cancel-early")) event = e;
            }
            if (event == null) Faults.sleep(20);
        }
        assertThat(event).as("the cancelled response was recorded").isNotNull();
        JsonNode rec = record(gw, event.get("response_id").asText());
        assertThat(rec.get("status").asText()).isEqualTo("cancelled");
        assertThat(rec.at("/qos_outcome/reason_code").asText()).isEqualTo("client_cancelled");
        assertThat(failureClasses(rec)).containsExactly("cancelled");
        assertThat(attempt(rec, 0).get("first_byte_at_ms").isNull()).isTrue();
        assertThat(rec.get("charged").asBoolean()).isFalse();
        assertThat(xai.requests()).isEmpty();
    }

    @Test
    void aDeadlineThatPassesBeforeTheFirstByteIsA504NeverCharged() throws Exception {
        openai.enqueue(new Script.Chunks("gpt-5").delay(3_000).role().text("late").done().build());
        long start = System.nanoTime();
        HttpResponse<String> r = post(gw, stream("gpt-5"), "Agent-Hints", deadline(400));
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(elapsedMs).isBetween(380L, 2500L);
        JsonNode err = parse(r.body()).get("error");
        assertThat(err.get("code").asText()).isEqualTo("deadline_exceeded");
        assertThat(header(r, "agent-reason-code")).isEqualTo("deadline_exceeded");
        assertThat(openai.awaitAborts(1, 2000)).isTrue();
        assertThat(xai.requests()).as("a deadline is not a provider failure: no failover").isEmpty();
        JsonNode rec = record(gw, r);
        assertThat(failureClasses(rec)).containsExactly("deadline_exceeded");
        assertThat(rec.at("/qos_outcome/completion").asText()).isEqualTo("expired_during_execution");
        assertThat(rec.at("/qos_outcome/deadline_met").asBoolean()).isFalse();
        assertThat(rec.at("/error/code").asText()).isEqualTo("deadline_exceeded");
        assertThat(rec.get("charged").asBoolean()).isFalse();

        openai.enqueue(new Script.Hang());
        HttpResponse<String> plain = post(gw, chat("openai/fault-deadline-hang"), "Agent-Hints", deadline(300));
        assertThat(plain.statusCode()).as("a non-stream call is cut by the deadline too").isEqualTo(504);
        assertThat(record(gw, plain).get("charged").asBoolean()).isFalse();
    }

    @Test
    void aDeadlineThatPassesMidStreamIsAnInBandErrorNeverCharged() {
        openai.enqueue(new Script.Chunks("fault-deadline-mid").role().text("a").usage(9, 1, 0).delay(3_000).text("b").done()
                .build());
        // Shorter than the 800 ms idle timeout, so the deadline is what ends it.
        HttpResponse<String> r = post(gw, stream("openai/fault-deadline-mid"), "Agent-Hints", deadline(250));
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> data = sseData(r.body());
        assertThat(errorCodeOf(data.getLast())).isEqualTo("deadline_exceeded");
        JsonNode rec = record(gw, r);
        assertThat(failureClasses(rec)).containsExactly("deadline_exceeded");
        assertThat(rec.at("/qos_outcome/reason_code").asText()).isEqualTo("deadline_exceeded");
        assertThat(rec.get("charged").asBoolean()).isFalse();
    }

    @Test
    void aDeadlineBelowThePlausibleTimeToFirstTokenIsRefusedNamingTheParameter() {
        // OpenAI's plausible TTFT in the manifest is 150 ms.
        HttpResponse<String> r = post(gw, chat("openai/fault-deadline-short"), "Agent-Hints", deadline(50));
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode err = parse(r.body()).get("error");
        assertThat(err.get("code").asText()).isEqualTo("customer_deadline_too_short");
        assertThat(err.get("param").asText()).isEqualTo("qos.deadline_ms");
        assertThat(err.get("message").asText()).contains("50 ms").contains("150 ms");
        assertThat(header(r, "agent-reason-code")).isEqualTo("customer_deadline_too_short");
        assertThat(header(r, "agent-qos-admission")).isEqualTo("rejected");
        assertThat(header(r, "agent-attempts")).isEqualTo("0");
        JsonNode rec = record(gw, r);
        assertThat(rec.at("/qos_outcome/admission").asText()).isEqualTo("rejected");
        assertThat(rec.at("/qos_outcome/reason_code").asText()).isEqualTo("customer_deadline_too_short");
        assertThat(rec.at("/qos_outcome/deadline_met").asBoolean(true)).isFalse();
        assertThat(rec.get("attempts")).isEmpty();
        assertThat(rec.at("/routing_decision/candidates/0/verdict").asText()).as("the decision that led here").isEqualTo("kept");
        assertThat(rec.get("charged").asBoolean()).isFalse();
        assertThat(rec.at("/error/code").asText()).isEqualTo("customer_deadline_too_short");

        HttpResponse<String> v2 = gw.post("/v2/responses", "{\"model\":\"openai/fault-deadline-short\",\"input\":\"hi\","
                + "\"qos\":{\"class\":\"interactive\",\"deadline_ms\":50}}");
        assertThat(v2.statusCode()).isEqualTo(400);
        assertThat(parse(v2.body()).at("/error/param").asText()).isEqualTo("qos.deadline_ms");
        assertThat(openai.requests()).as("nothing is sent upstream").isEmpty();
    }
}
