package ai.zumik.v1;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.SseClient;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The SSE relay against a real fake provider: timing, fidelity, usage, and every way a stream can break. */
class StreamingRelayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STREAM = "{\"model\":\"openai/gpt-4o-mini\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String STREAM_WITH_USAGE = "{\"model\":\"openai/gpt-4o-mini\",\"stream\":true,"
            + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    static FakeProvider openai;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        openai = FakeProvider.start();
        gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-secret-123456",
                "ZUMIK_UPSTREAM_FIRST_BYTE_TIMEOUT_MS", "800", "ZUMIK_STREAM_IDLE_TIMEOUT_MS", "400");
    }

    @AfterAll
    static void stop() {
        gw.close();
        openai.close();
    }

    @BeforeEach
    void clean() {
        openai.reset();
    }

    @Test
    void chunksAreRelayedAsTheyArriveWithoutCoalescing() throws Exception {
        openai.enqueue(new Script.Chunks("gpt-4o-mini").role().text("Hello").delay(250).text(" world")
                .finish("stop").usage(9, 2, 0).done().build());
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", STREAM)) {
            assertThat(c.status).isEqualTo(200);
            assertThat(c.header("content-type")).startsWith("text/event-stream");
            List<SseClient.Event> events = c.all();
            assertThat(events).hasSize(5); // role, Hello, world, finish, [DONE]; no usage chunk (not requested)
            SseClient.Event hello = events.get(1);
            SseClient.Event world = events.get(2);
            assertThat(hello.json().at("/choices/0/delta/content").asText()).isEqualTo("Hello");
            assertThat(world.json().at("/choices/0/delta/content").asText()).isEqualTo(" world");
            long gapMs = TimeUnit.NANOSECONDS.toMillis(world.atNanos() - hello.atNanos());
            assertThat(gapMs).as("the first chunk must not wait for the second").isGreaterThanOrEqualTo(180);
            assertThat(TimeUnit.NANOSECONDS.toMillis(hello.atNanos() - c.sentAtNanos())).isLessThan(300);
            assertThat(events.getLast().done()).isTrue();
        }
    }

    @Test
    void chunksKeepUpstreamFieldsWithIdAndModelRewrittenAndUsageStrippedWhenNotAsked() throws Exception {
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", STREAM)) {
            String responseId = c.header("agent-response-id");
            List<SseClient.Event> events = c.all();
            for (SseClient.Event e : events.subList(0, events.size() - 1)) {
                JsonNode j = e.json();
                assertThat(j.get("id").asText()).isEqualTo("chatcmpl-" + responseId);
                assertThat(j.get("model").asText()).isEqualTo("openai/gpt-4o-mini");
                assertThat(j.get("system_fingerprint").asText()).isEqualTo("fp_test");
                assertThat(j.has("usage")).as("usage was not requested").isFalse();
            }
            assertThat(events.getLast().done()).isTrue();
        }
        JsonNode sent = openai.lastRequest().json();
        assertThat(sent.get("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(sent.at("/stream_options/include_usage").asBoolean())
                .as("Zumik always asks for usage so it can bill").isTrue();
        assertThat(openai.lastRequest().headers().get("authorization")).isEqualTo("Bearer sk-test-secret-123456");
    }

    @Test
    void usageChunkIsRelayedWhenAskedAndRecordedEitherWay() throws Exception {
        openai.enqueue(new Script.Chunks("gpt-4o-mini").role().text("x").finish("stop").usage(1200, 30, 1024).done().build());
        String withUsageId;
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", STREAM_WITH_USAGE)) {
            withUsageId = c.header("agent-response-id");
            List<SseClient.Event> events = c.all();
            JsonNode usageChunk = events.get(events.size() - 2).json();
            assertThat(usageChunk.get("choices")).isEmpty();
            assertThat(usageChunk.at("/usage/prompt_tokens_details/cached_tokens").asLong()).isEqualTo(1024);
            assertThat(events.get(1).json().has("usage")).as("usage:null kept when asked").isTrue();
        }
        openai.enqueue(new Script.Chunks("gpt-4o-mini").role().text("y").finish("stop").usage(50, 5, 0).done().build());
        String withoutUsageId;
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", STREAM)) {
            withoutUsageId = c.header("agent-response-id");
            c.all();
        }
        JsonNode with = usageEvent(withUsageId);
        assertThat(with.at("/usage/prompt_tokens").asLong()).isEqualTo(1200);
        assertThat(with.at("/usage/cached_tokens").asLong()).isEqualTo(1024);
        JsonNode without = usageEvent(withoutUsageId);
        assertThat(without.at("/usage/prompt_tokens").asLong()).isEqualTo(50);
        assertThat(without.at("/usage/completion_tokens").asLong()).isEqualTo(5);
        assertThat(without.get("outcome").asText()).isEqualTo("completed");
    }

    @Test
    void failureBeforeTheFirstByteIsAProperErrorStatus() throws Exception {
        openai.enqueue(Script.json(429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}"));
        var r = gw.post("/v1/chat/completions", STREAM);
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("provider_rate_limited");
        assertThat(r.headers().firstValue("agent-execution-mode")).hasValue("live");

        openai.enqueue(new Script.Reply(503, java.util.Map.of("content-type", "application/json", "retry-after", "7"),
                "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\",\"param\":null,\"code\":null}}"));
        r = gw.post("/v1/chat/completions", STREAM);
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("retry-after")).hasValue("7");
        assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("provider_overloaded");
    }

    @Test
    void streamCutAfterTheFirstByteEndsWithAnInBandErrorAndNoDone() throws Exception {
        openai.enqueue(new Script.Chunks("gpt-4o-mini").role().text("partial").delay(150).step(new Script.Cut()).build());
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", STREAM)) {
            assertThat(c.status).isEqualTo(200);
            String id = c.header("agent-response-id");
            List<SseClient.Event> events = c.all();
            assertThat(events).hasSize(3);
            assertThat(events.get(1).json().at("/choices/0/delta/content").asText()).isEqualTo("partial");
            JsonNode error = events.getLast().json();
            assertThat(error.at("/error/code").asText()).isEqualTo("stream_interrupted");
            assertThat(error.at("/error/type").asText()).isEqualTo("api_error");
            assertThat(events).noneMatch(SseClient.Event::done);
            JsonNode usage = usageEvent(id);
            assertThat(usage.get("outcome").asText()).isEqualTo("failed");
            assertThat(usage.get("error_code").asText()).isEqualTo("stream_interrupted");
        }
    }

    @Test
    void streamClosedBeforeItsFinishReasonIsReportedAsInterrupted() throws Exception {
        openai.enqueue(new Script.Chunks("gpt-4o-mini").role().text("a").delay(150).build());
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", STREAM)) {
            List<SseClient.Event> events = c.all();
            assertThat(events.getLast().json().at("/error/code").asText()).isEqualTo("stream_interrupted");
        }
    }

    @Test
    void stalledStreamHitsTheIdleTimeout() throws Exception {
        openai.enqueue(new Script.Chunks("gpt-4o-mini").role().text("a").step(new Script.Stall()).build());
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", STREAM)) {
            long start = System.nanoTime();
            List<SseClient.Event> events = c.all();
            assertThat(events.getLast().json().at("/error/code").asText()).isEqualTo("provider_timeout");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(300L, 3000L);
        }
        assertThat(openai.awaitAborts(1, 2000)).as("the stalled upstream connection is closed").isTrue();
    }

    @Test
    void malformedChunkIsAnInBandError() throws Exception {
        openai.enqueue(new Script.Chunks("gpt-4o-mini").role().delay(150).step(Script.raw("data: {not json\n\n")).build());
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", STREAM)) {
            List<SseClient.Event> events = c.all();
            assertThat(events.getLast().json().at("/error/code").asText()).isEqualTo("provider_error");
            assertThat(events).noneMatch(SseClient.Event::done);
        }
    }

    @Test
    void upstreamThatSendsNothingHitsTheFirstByteTimeout() {
        openai.enqueue(new Script.Hang());
        long start = System.nanoTime();
        var r = gw.post("/v1/chat/completions", STREAM);
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(r.body()).contains("\"code\":\"provider_timeout\"");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(700L, 3000L);
    }

    @Test
    void clientDisconnectCancelsTheUpstreamWithin100ms() throws Exception {
        openai.enqueue(new Script.Chunks("gpt-4o-mini").role().text("first").delay(10_000).text("never").done().build());
        long closedAt;
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", STREAM)) {
            assertThat(c.next()).isNotNull();
            assertThat(c.next().json().at("/choices/0/delta/content").asText()).isEqualTo("first");
            closedAt = System.nanoTime();
        }
        assertThat(openai.awaitAborts(1, 2000)).isTrue();
        long cancelMs = TimeUnit.NANOSECONDS.toMillis(openai.aborts().getFirst() - closedAt);
        assertThat(cancelMs).as("upstream cancelled %d ms after the client left", cancelMs).isLessThan(100);
    }

    @Test
    void utf8SplitAcrossTcpReadsIsReassembled() throws Exception {
        String text = "héllo 🌍 ☃";
        byte[] chunk = ("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":"
                + "[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"},\"finish_reason\":null}]}\n\n")
                .getBytes(StandardCharsets.UTF_8);
        int globe = indexOf(chunk, "🌍".getBytes(StandardCharsets.UTF_8)) + 2; // inside the 4-byte emoji
        openai.enqueue(Script.sse(
                new Script.Bytes(Arrays.copyOfRange(chunk, 0, globe)), new Script.Delay(50),
                new Script.Bytes(Arrays.copyOfRange(chunk, globe, chunk.length)), Script.done()));
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", STREAM)) {
            List<SseClient.Event> events = c.all();
            assertThat(events.getFirst().json().at("/choices/0/delta/content").asText()).isEqualTo(text);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("needle not found");
    }

    static JsonNode usageEvent(String responseId) throws Exception {
        for (int attempt = 0; attempt < 50; attempt++) {
            JsonNode usage = JSON.readTree(gw.get("/v2/usage").body());
            for (JsonNode e : usage.get("data")) if (e.get("response_id").asText().equals(responseId)) return e;
            Thread.sleep(20);
        }
        throw new AssertionError("no usage event for " + responseId);
    }
}
