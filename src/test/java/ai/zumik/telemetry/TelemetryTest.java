package ai.zumik.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The access log (one JSON line per request, no secrets) and the Prometheus endpoint and its guard. */
class TelemetryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void accessLogHasOneStructuredLinePerRequestAndNoSecrets() throws Exception {
        try (FakeProvider openai = FakeProvider.start();
             TestGateway gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-secret-upstream-999")) {
            var ok = gw.post("/v1/chat/completions",
                    "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"my secret prompt text\"}]}");
            gw.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\"}");
            gw.post("/v1/chat/completions", "{}", "zk_live_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
            List<JsonNode> lines = awaitLines(gw, 3);
            JsonNode first = lines.getFirst();
            assertThat(first.get("trace_id").asText()).isEqualTo(ok.headers().firstValue("agent-trace-id").orElseThrow());
            assertThat(first.get("response_id").asText()).isEqualTo(ok.headers().firstValue("agent-response-id").orElseThrow());
            assertThat(first.get("route").asText()).isEqualTo("/v1/chat/completions");
            assertThat(first.get("status").asInt()).isEqualTo(200);
            assertThat(first.get("provider").asText()).isEqualTo("openai");
            assertThat(first.get("prompt_tokens").asLong()).isEqualTo(11);
            assertThat(first.get("completion_tokens").asLong()).isEqualTo(7);
            assertThat(first.has("upstream_us")).isTrue();
            assertThat(first.get("overhead_us").asLong()).isLessThanOrEqualTo(first.get("duration_us").asLong());
            assertThat(lines.get(1).get("status").asInt()).isEqualTo(400);
            assertThat(lines.get(1).get("error_code").asText()).isEqualTo("missing_required_parameter");
            assertThat(lines.get(2).get("status").asInt()).isEqualTo(401);
            String log = Files.readString(gw.accessLog());
            assertThat(log).doesNotContain(gw.adminKey()).doesNotContain("zk_live_AAAA")
                    .doesNotContain("sk-secret-upstream").doesNotContain("my secret prompt");
        }
    }

    @Test
    void metricsExposeTheOverheadHistogramToLoopbackAndRequireTheTokenWhenSet() throws Exception {
        try (TestGateway gw = TestGateway.start()) {
            gw.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
            var m = TestGateway.send(HttpRequest.newBuilder(gw.uri("/metrics")).build());
            assertThat(m.statusCode()).isEqualTo(200);
            assertThat(m.headers().firstValue("content-type").orElseThrow()).startsWith("text/plain; version=0.0.4");
            assertThat(m.body()).contains("zumik_overhead_seconds_bucket{route=\"/v1/chat/completions\",le=\"+Inf\"} 1")
                    .contains("zumik_overhead_seconds_bucket{route=\"/v1/chat/completions\",le=\"0.0009\"}")
                    .contains("zumik_overhead_seconds_count{route=\"/v1/chat/completions\"} 1")
                    .contains("zumik_http_requests_total{route=\"/v1/chat/completions\",method=\"POST\",status=\"200\"} 1")
                    .contains("zumik_usage_events_written_total 1");
        }
        try (TestGateway gw = TestGateway.start("METRICS_TOKEN", "m3tr1cs")) {
            assertThat(TestGateway.send(HttpRequest.newBuilder(gw.uri("/metrics")).build()).statusCode()).isEqualTo(401);
            var wrong = HttpRequest.newBuilder(gw.uri("/metrics")).header("authorization", "Bearer nope").build();
            assertThat(TestGateway.send(wrong).statusCode()).isEqualTo(401);
            var right = HttpRequest.newBuilder(URI.create(gw.url() + "/metrics")).header("authorization", "Bearer m3tr1cs").build();
            assertThat(TestGateway.send(right).statusCode()).isEqualTo(200);
        }
    }

    private static List<JsonNode> awaitLines(TestGateway gw, int n) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (Files.exists(gw.accessLog())) {
                List<JsonNode> out = new ArrayList<>();
                for (String line : Files.readAllLines(gw.accessLog())) if (!line.isBlank()) out.add(JSON.readTree(line));
                if (out.size() >= n) return out;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("access log did not get " + n + " lines");
    }
}
