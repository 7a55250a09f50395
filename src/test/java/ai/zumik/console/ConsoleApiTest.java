package ai.zumik.console;

import static ai.zumik.testing.Replies.ok;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Replies;
import ai.zumik.testing.Script;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The console's files and the endpoints it added, over plain HTTP. */
class ConsoleApiTest {
    static FakeProvider openai;
    static TestGateway gw;
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        openai = FakeProvider.start();
        gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-123456");
        admin = Replies.project(gw, "c");
        String chat = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        for (int i = 0; i < 3; i++) assertThat(gw.post("/v1/chat/completions", chat, admin).statusCode()).isEqualTo(200);
        openai.enqueue(Script.json(400, "{\"error\":{\"message\":\"no\",\"type\":\"invalid_request_error\"}}"));
        assertThat(gw.post("/v1/chat/completions", chat, admin).statusCode()).isEqualTo(400);
    }

    @AfterAll
    static void stop() {
        gw.close();
        openai.close();
    }

    @Test
    void filesAreServedWithTheirTypeAStrictPolicyAndRevalidation() {
        HttpResponse<String> page = gw.get("/console", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        String csp = page.headers().firstValue("content-security-policy").orElseThrow();
        assertThat(csp).contains("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'").doesNotContain("unsafe");
        assertThat(page.headers().firstValue("cache-control")).hasValue("no-cache");
        assertThat(page.body()).doesNotContain("<script>").contains("src=\"/console/console.js\"");
        HttpResponse<String> js = gw.get("/console/console.js", null);
        assertThat(js.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
        String etag = js.headers().firstValue("etag").orElseThrow();
        HttpResponse<String> again = TestGateway.send(HttpRequest.newBuilder(gw.uri("/console/console.js"))
                .header("If-None-Match", etag).GET().build());
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(gw.get("/console/console.css", null).headers().firstValue("content-type")).hasValue("text/css; charset=utf-8");
        assertThat(gw.get("/console/../pom.xml", null).statusCode()).isEqualTo(404);
        assertThat(gw.get("/console/nothing.js", null).statusCode()).isEqualTo(404);
    }

    @Test
    void theTimeseriesCountsRequestsFailuresCostAndPercentilesPerBucket() throws Exception {
        JsonNode ts = ok(gw.get("/v2/analytics/timeseries?bucket=hour", admin));
        // The last 24 hours, whole hours: the hour 24 hours ago through the current one.
        assertThat(ts.get("buckets")).hasSizeBetween(24, 25);
        assertThat(ts.at("/totals/requests").asLong()).isEqualTo(4);
        assertThat(ts.at("/totals/failed").asLong()).isEqualTo(1);
        assertThat(ts.at("/totals/error_rate").asDouble()).isEqualTo(0.25);
        JsonNode last = ts.get("buckets").get(ts.get("buckets").size() - 1);
        assertThat(last.get("requests").asLong()).isEqualTo(4);
        assertThat(last.get("p50_latency_ms").asLong()).isPositive();
        assertThat(last.get("p99_latency_ms").asLong()).isGreaterThanOrEqualTo(last.get("p50_latency_ms").asLong());
        assertThat(ts.at("/by_target/0/model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(ok(gw.get("/v2/analytics/timeseries?bucket=day", admin)).get("buckets")).hasSizeBetween(30, 31);
        HttpResponse<String> tooMany = gw.get("/v2/analytics/timeseries?bucket=hour&since=0", admin);
        assertThat(tooMany.statusCode()).isEqualTo(400);
        assertThat(tooMany.body()).contains("since");
        assertThat(gw.get("/v2/analytics/timeseries?bucket=minute", admin).body()).contains("bucket");
    }

    @Test
    void providerHealthShowsTheTargetsCircuitAndItsRecentFailure() throws Exception {
        JsonNode h = ok(gw.get("/v2/providers/health", admin));
        JsonNode t = h.at("/targets/0");
        assertThat(t.get("provider").asText()).isEqualTo("openai");
        assertThat(t.get("circuit_state").asText()).isEqualTo("closed");
        assertThat(t.get("attempts").asLong()).isEqualTo(4);
        assertThat(t.get("failures").asLong()).isEqualTo(1);
        assertThat(h.at("/recent_failures/0/http_status").asInt()).isEqualTo(400);
    }

    @Test
    void responsesAreSearchedByStatusOutcomeAndTraceWithCursorPaging() throws Exception {
        JsonNode failed = ok(gw.get("/v2/responses?outcome=failed", admin));
        assertThat(failed.get("data")).hasSize(1);
        String trace = failed.at("/data/0/trace_id").asText();
        assertThat(ok(gw.get("/v2/responses?trace_id=" + trace, admin)).at("/data/0/response_id").asText())
                .isEqualTo(failed.at("/data/0/response_id").asText());
        assertThat(ok(gw.get("/v2/responses?status=200", admin)).get("data")).hasSize(3);
        JsonNode page1 = ok(gw.get("/v2/responses?limit=2", admin));
        assertThat(page1.get("has_more").asBoolean()).isTrue();
        JsonNode page2 = ok(gw.get("/v2/responses?limit=2&after=" + page1.get("last_id").asText(), admin));
        assertThat(page2.get("data")).hasSize(2);
        assertThat(page2.get("has_more").asBoolean()).isFalse();
        assertThat(gw.get("/v2/responses?trace_id=nope", admin).statusCode()).isEqualTo(400);
        assertThat(gw.get("/v2/responses?status=abc", admin).statusCode()).isEqualTo(400);
    }
}
