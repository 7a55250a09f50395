package ai.zumik.surface;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code Agent-Idempotency-Key}: a retry of a request that succeeded replays its answer byte for
 * byte and is not run or charged again; another body under the key, or a retry while the first
 * still runs, is a 409; a failure releases the key. (Across replicas: {@code ReplicasTest}.)
 */
@Timeout(60)
class IdempotencyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    static FakeProvider openai;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        openai = FakeProvider.start();
        gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-idempotent");
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

    static HttpResponse<String> post(String path, String body, String key) {
        var b = HttpRequest.newBuilder(gw.uri(path)).timeout(Duration.ofSeconds(30))
                .header("authorization", "Bearer " + gw.adminKey()).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Agent-Idempotency-Key", key);
        return TestGateway.send(b.build());
    }

    static String header(HttpResponse<String> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    static long requests() throws Exception {
        return JSON.readTree(gw.get("/v2/usage?limit=1").body()).at("/summary/requests").asLong();
    }

    @Test
    void aRetryOfASuccessReplaysItByteForByteWithoutRunningOrChargingAgain() throws Exception {
        long before = requests();
        HttpResponse<String> first = post("/v1/chat/completions", CHAT, "k-success-1");
        HttpResponse<String> again = post("/v1/chat/completions", CHAT, "k-success-1");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(header(first, "agent-idempotent-replay")).isEqualTo("false");
        assertThat(header(again, "agent-idempotent-replay")).isEqualTo("true");
        assertThat(header(again, "agent-response-id")).isEqualTo(header(first, "agent-response-id"));
        assertThat(header(again, "agent-resolved-provider")).isEqualTo("openai");
        assertThat(header(again, "content-type")).isEqualTo("application/json");
        assertThat(openai.requests()).as("run once").hasSize(1);
        assertThat(requests() - before).as("one usage event, charged once").isEqualTo(1);
        // The key is per path: the same key on embeddings is another key.
        assertThat(post("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"hi\"}", "k-success-1")
                .statusCode()).isEqualTo(200);
    }

    @Test
    void aStreamIsReplayedWhole() {
        String stream = CHAT.replace("{\"model\"", "{\"stream\":true,\"model\"");
        HttpResponse<String> first = post("/v1/chat/completions", stream, "k-stream-1");
        HttpResponse<String> again = post("/v1/chat/completions", stream, "k-stream-1");
        assertThat(first.body()).endsWith("data: [DONE]\n\n");
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(header(again, "content-type")).isEqualTo("text/event-stream");
        assertThat(openai.requests()).hasSize(1);
    }

    @Test
    void anotherBodyUnderTheSameKeyIsAConflict() throws Exception {
        assertThat(post("/v1/chat/completions", CHAT, "k-conflict").statusCode()).isEqualTo(200);
        HttpResponse<String> other = post("/v1/chat/completions", CHAT.replace("hi", "bye"), "k-conflict");
        assertThat(other.statusCode()).isEqualTo(409);
        JsonNode e = JSON.readTree(other.body()).get("error");
        assertThat(e.get("type").asText()).isEqualTo("idempotency_conflict");
        assertThat(e.get("code").asText()).isEqualTo("idempotency_conflict");
        assertThat(e.get("message").asText()).contains("different request body");
    }

    @Test
    void aRetryWhileTheFirstStillRunsIsAConflictWithRetryAfter() throws Exception {
        openai.enqueue(new Script.Chunks("gpt-4o-mini").delay(800).role().text("slow").finish("stop").done().build());
        String stream = CHAT.replace("{\"model\"", "{\"stream\":true,\"model\"");
        int before = openai.requests().size();
        CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> post("/v1/chat/completions",
                stream, "k-running"));
        // The key is claimed before dispatch: once the upstream holds the first request, it is running.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (openai.requests().size() == before && System.nanoTime() < deadline) Thread.sleep(5);
        HttpResponse<String> during = post("/v1/chat/completions", stream, "k-running");
        assertThat(during.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(during.body()).at("/error/message").asText()).contains("already in progress");
        assertThat(header(during, "retry-after")).isEqualTo("1");
        assertThat(first.get().statusCode()).isEqualTo(200);
        assertThat(post("/v1/chat/completions", stream, "k-running").body()).isEqualTo(first.get().body());
    }

    @Test
    void aFailureReleasesTheKeySoARetryRunsAgain() {
        openai.enqueue(Script.json(400, "{\"error\":{\"message\":\"nope\",\"type\":\"invalid_request_error\",\"code\":null}}"));
        HttpResponse<String> failed = post("/v1/chat/completions", CHAT, "k-release");
        assertThat(failed.statusCode()).isEqualTo(400);
        HttpResponse<String> retried = post("/v1/chat/completions", CHAT, "k-release");
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(header(retried, "agent-idempotent-replay")).isEqualTo("false");
        assertThat(openai.requests()).hasSize(2);
    }

    @Test
    void v2ResponsesHonourTheKeyAndABadKeyIsA400() throws Exception {
        String body = "{\"model\":\"gpt-4o-mini\",\"input\":\"hello\"}";
        HttpResponse<String> first = post("/v2/responses", body, "k-v2");
        HttpResponse<String> again = post("/v2/responses", body, "k-v2");
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(openai.requests()).hasSize(1);
        HttpResponse<String> bad = post("/v1/chat/completions", CHAT, "x".repeat(300));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).at("/error/param").asText()).isEqualTo("Agent-Idempotency-Key");
        assertThat(post("/v1/chat/completions", CHAT, "has space").statusCode()).isEqualTo(400);
    }
}
