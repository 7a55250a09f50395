package ai.zumik.broker;

import static ai.zumik.broker.Faults.attemptTargets;
import static ai.zumik.broker.Faults.chat;
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
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12, part A: the failover gaps. A hung non-stream attempt is abandoned at its own timeout
 * and the next target gets the rest of the total; a stream that breaks before anything reached the
 * client fails over like any other failure; a complete OpenAI-compatible stream that ends without
 * {@code [DONE]} is complete.
 */
@Timeout(90)
class FailoverGapsTest {
    private static final String RELEASE = "[{\"provider\":\"openai\",\"model\":\"gpt-4.1\",\"weight\":1000},"
            + "{\"provider\":\"xai\",\"model\":\"grok-3\",\"weight\":1}]";

    @Test
    void aHungNonStreamAttemptIsAbandonedAtTheAttemptTimeoutAndTheNextTargetServes() throws Exception {
        try (FakeProvider openai = FakeProvider.start(); FakeProvider xai = FakeProvider.start();
             TestGateway gw = Faults.gateway(openai, xai, "ZUMIK_UPSTREAM_ATTEMPT_TIMEOUT_MS", "600")) {
            Faults.installRelease(gw, "gap.hang", RELEASE);
            openai.enqueue(new Script.Hang());
            long t0 = System.nanoTime();
            HttpResponse<String> r = post(gw, chat("gap.hang"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(ms).as("not the 10-minute total").isBetween(500L, 5_000L);
            assertThat(header(r, "agent-resolved-provider")).isEqualTo("xai");
            assertThat(header(r, "agent-reason-code")).isEqualTo("fallback_succeeded");
            JsonNode rec = record(gw, r);
            assertThat(attemptTargets(rec)).containsExactly("openai/gpt-4.1", "xai/grok-3");
            assertThat(failureClasses(rec)).containsExactly("attempt_timeout", "-");
            assertThat(openai.awaitAborts(1, 2_000)).as("the hung request is aborted").isTrue();
        }
    }

    @Test
    void anAliasTargetCanSetItsOwnAttemptTimeout() {
        try (FakeProvider openai = FakeProvider.start(); FakeProvider xai = FakeProvider.start();
             TestGateway gw = Faults.gateway(openai, xai)) {
            Faults.installRelease(gw, "gap.own", "[{\"provider\":\"openai\",\"model\":\"gpt-4.1\",\"weight\":1000,"
                    + "\"attempt_timeout_ms\":1000},{\"provider\":\"xai\",\"model\":\"grok-3\",\"weight\":1}]");
            openai.enqueue(new Script.Hang());
            long t0 = System.nanoTime();
            HttpResponse<String> r = post(gw, chat("gap.own"));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(900L, 5_000L);
            assertThat(failureClasses(record(gw, r))).containsExactly("attempt_timeout", "-");
            JsonNode release = parse(gw.get("/v2/model-aliases/gap.own").body());
            assertThat(release.toString()).contains("\"attempt_timeout_ms\":1000");
        }
    }

    @Test
    void theNextTargetGetsOnlyWhatIsLeftOfTheTotal() {
        try (FakeProvider openai = FakeProvider.start(); FakeProvider xai = FakeProvider.start();
             TestGateway gw = Faults.gateway(openai, xai, "ZUMIK_UPSTREAM_ATTEMPT_TIMEOUT_MS", "1000",
                     "ZUMIK_UPSTREAM_TOTAL_TIMEOUT_MS", "1600")) {
            Faults.installRelease(gw, "gap.total", RELEASE);
            openai.enqueue(new Script.Hang());
            xai.enqueue(new Script.Hang());
            long t0 = System.nanoTime();
            HttpResponse<String> r = post(gw, chat("gap.total"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.statusCode()).isEqualTo(504);
            assertThat(parse(r.body()).at("/error/code").asText()).isEqualTo("provider_timeout");
            assertThat(ms).as("1,000 + the 600 left, not 2,000").isBetween(1_400L, 1_950L);
            assertThat(failureClasses(record(gw, r))).containsExactly("attempt_timeout", "total_timeout");
        }
    }

    @Test
    void aStreamThatClosesAfterItsHeadersBeforeAnyEventFailsOver() {
        try (FakeProvider openai = FakeProvider.start(); FakeProvider xai = FakeProvider.start();
             TestGateway gw = Faults.gateway(openai, xai)) {
            Faults.installRelease(gw, "gap.empty", RELEASE);
            openai.enqueue(Script.sse()); // headers, then a clean end with no event
            HttpResponse<String> r = post(gw, stream("gap.empty"));
            assertThat(r.statusCode()).isEqualTo(200);
            List<String> data = sseData(r.body());
            assertThat(data.getLast()).isEqualTo("[DONE]");
            assertThat(header(r, "agent-resolved-provider")).isEqualTo("xai");
            assertThat(failureClasses(record(gw, r))).containsExactly("server_error", "-");
        }
    }

    /**
     * An upstream whose first event and a broken one come in one read: the failure is seen while the
     * first event is still buffered, nothing has reached the client, so the next target answers and
     * the client never sees the failed attempt's words.
     */
    @Test
    void anEventAndAFailureInOneReadFailOverWithNothingOfThemShown() {
        try (FakeProvider openai = FakeProvider.start(); FakeProvider xai = FakeProvider.start();
             TestGateway gw = Faults.gateway(openai, xai)) {
            Faults.installRelease(gw, "gap.together", RELEASE);
            openai.enqueue(Script.sse(Script.raw("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                    + "\"model\":\"gpt-4.1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"LOST\"}}]}\n\n"
                    + "data: {broken\n\n")));
            HttpResponse<String> r = post(gw, stream("gap.together"));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).as("the failed attempt's events never reach the client").doesNotContain("LOST");
            assertThat(sseData(r.body()).getLast()).isEqualTo("[DONE]");
            assertThat(header(r, "agent-resolved-provider")).isEqualTo("xai");
            JsonNode rec = record(gw, r);
            assertThat(attemptTargets(rec)).containsExactly("openai/gpt-4.1", "xai/grok-3");
            assertThat(failureClasses(rec)).containsExactly("malformed_response", "-");
        }
    }

    @Test
    void aCompleteStreamWithoutDoneEndsWithDoneAndIsCompleted() {
        try (FakeProvider openai = FakeProvider.start(); FakeProvider xai = FakeProvider.start();
             TestGateway gw = Faults.gateway(openai, xai)) {
            // Every choice finished and the usage the client asked for came; then a clean close.
            openai.enqueue(new Script.Chunks("gpt-4o-mini").role().text("done").finish("stop").usage(4, 1, 0).build());
            HttpResponse<String> r = post(gw, "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":"
                    + "{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            List<String> data = sseData(r.body());
            assertThat(data.getLast()).isEqualTo("[DONE]");
            assertThat(parse(data.get(data.size() - 2)).at("/usage/total_tokens").asLong()).isEqualTo(5);
            JsonNode rec = record(gw, r);
            assertThat(rec.get("status").asText()).isEqualTo("completed");
            assertThat(failureClasses(rec)).containsExactly("-");

            // The client asked for usage and none came: not complete.
            openai.enqueue(new Script.Chunks("gpt-4o-mini").role().text("x").finish("stop").delay(100).build());
            List<String> noUsage = sseData(post(gw, "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":"
                    + "{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").body());
            assertThat(parse(noUsage.getLast()).at("/error/code").asText()).isEqualTo("stream_interrupted");

            // Two choices asked for, one finished: not complete.
            openai.enqueue(new Script.Chunks("gpt-4o-mini").role().text("x").finish("stop").delay(100).build());
            List<String> oneOfTwo = sseData(post(gw, "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"n\":2,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").body());
            assertThat(parse(oneOfTwo.getLast()).at("/error/code").asText()).isEqualTo("stream_interrupted");
        }
    }
}
