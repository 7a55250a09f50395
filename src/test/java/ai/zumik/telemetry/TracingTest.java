package ai.zumik.telemetry;

import static ai.zumik.testing.OtlpReceiver.attr;
import static ai.zumik.testing.OtlpReceiver.hex;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.OtlpReceiver;
import ai.zumik.testing.Script;
import ai.zumik.testing.TestGateway;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * OpenTelemetry traces, checked at an in-process OTLP/HTTP receiver: one SERVER span per inference
 * request joined to the client's traceparent, one CLIENT span per upstream attempt under it, the
 * GenAI attributes, the traceparent each provider request carries, and no prompt text unless the
 * operator opts in.
 */
class TracingTest {
    private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_SPAN = "00f067aa0ba902b7";
    private static final String PROMPT = "the secret plans of the tracing test";

    private static TestGateway gateway(OtlpReceiver otlp, FakeProvider openai, FakeProvider xai, String... extra) {
        var env = new java.util.HashMap<>(Map.of("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-openai-123456",
                "XAI_BASE_URL", xai.baseUrl(), "XAI_API_KEY", "xai-test-key-123456",
                "OTEL_EXPORTER_OTLP_ENDPOINT", otlp.endpoint(), "OTEL_BSP_SCHEDULE_DELAY", "50",
                "OTEL_SERVICE_NAME", "zumik-under-test"));
        for (int i = 0; i < extra.length; i += 2) env.put(extra[i], extra[i + 1]);
        return TestGateway.start(env);
    }

    private static HttpResponse<String> chat(TestGateway gw, String model, String traceparent) {
        var b = HttpRequest.newBuilder(gw.uri("/v1/chat/completions")).header("authorization", "Bearer " + gw.adminKey())
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"" + PROMPT + "\"}]}"));
        if (traceparent != null) b.header("traceparent", traceparent);
        return TestGateway.send(b.build());
    }

    @Test
    void aRequestSpanJoinsTheClientTraceAndEachAttemptIsAChildSpanWhoseContextReachesTheProvider() {
        try (OtlpReceiver otlp = OtlpReceiver.start(); FakeProvider openai = FakeProvider.start(); FakeProvider xai = FakeProvider.start();
             TestGateway gw = gateway(otlp, openai, xai)) {
            openai.enqueue(new Script.Reset());
            var r = chat(gw, "gpt-4o-mini", "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("agent-resolved-model")).hasValue("grok-3-mini");

            Span server = otlp.await(1, s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER).getFirst();
            List<Span> attempts = otlp.await(2, s -> s.getKind() == Span.SpanKind.SPAN_KIND_CLIENT);
            attempts.sort(Comparator.comparing(s -> attr(s, "zumik.attempt.index")));

            assertThat(otlp.serviceNames()).contains("zumik-under-test");
            assertThat(otlp.contentTypes()).allMatch(t -> t.startsWith("application/x-protobuf"));
            assertThat(server.getName()).isEqualTo("POST /v1/chat/completions");
            assertThat(hex(server.getTraceId())).as("joins the client's trace").isEqualTo(CLIENT_TRACE);
            assertThat(hex(server.getParentSpanId())).isEqualTo(CLIENT_SPAN);
            assertThat(attr(server, "gen_ai.operation.name")).isEqualTo("chat");
            assertThat(attr(server, "gen_ai.request.model")).isEqualTo("gpt-4o-mini");
            assertThat(attr(server, "gen_ai.system")).isEqualTo("xai");
            assertThat(attr(server, "gen_ai.response.model")).isEqualTo("grok-3-mini");
            assertThat(attr(server, "gen_ai.usage.input_tokens")).isEqualTo("11");
            assertThat(attr(server, "gen_ai.usage.output_tokens")).isEqualTo("7");
            assertThat(attr(server, "gen_ai.response.finish_reasons")).isEqualTo("[stop]");
            assertThat(attr(server, "zumik.response_id")).isEqualTo(r.headers().firstValue("agent-response-id").orElseThrow());
            assertThat(attr(server, "zumik.trace_id")).isEqualTo(r.headers().firstValue("agent-trace-id").orElseThrow());
            assertThat(attr(server, "zumik.execution_profile")).isEqualTo("managed_provider");
            assertThat(attr(server, "zumik.reason_code")).isEqualTo(r.headers().firstValue("agent-reason-code").orElseThrow());
            assertThat(attr(server, "zumik.failover")).isEqualTo("true");
            assertThat(attr(server, "zumik.attempts")).isEqualTo("2");
            assertThat(attr(server, "http.response.status_code")).isEqualTo("200");

            Span first = attempts.get(0);
            Span second = attempts.get(1);
            for (Span a : attempts) {
                assertThat(hex(a.getTraceId())).isEqualTo(CLIENT_TRACE);
                assertThat(a.getParentSpanId()).as("attempts are children of the request span").isEqualTo(server.getSpanId());
            }
            assertThat(first.getName()).isEqualTo("chat gpt-4o-mini");
            assertThat(attr(first, "gen_ai.system")).isEqualTo("openai");
            assertThat(attr(first, "zumik.attempt.failure_class")).isEqualTo("connect");
            assertThat(first.getStatus().getCode()).isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
            assertThat(second.getName()).isEqualTo("chat grok-3-mini");
            assertThat(attr(second, "gen_ai.system")).isEqualTo("xai");
            assertThat(attr(second, "zumik.attempt.failure_class")).isNull();
            assertThat(attr(second, "zumik.attempt.retry_cause")).startsWith("failover after");
            assertThat(attr(second, "gen_ai.usage.output_tokens")).isEqualTo("7");

            assertThat(openai.lastRequest().headers().get("traceparent"))
                    .isEqualTo("00-" + CLIENT_TRACE + "-" + hex(first.getSpanId()) + "-01");
            assertThat(xai.lastRequest().headers().get("traceparent"))
                    .as("each attempt carries its own span as parent").isEqualTo("00-" + CLIENT_TRACE + "-" + hex(second.getSpanId()) + "-01");

            String everything = new String(otlp.raw(), StandardCharsets.ISO_8859_1);
            assertThat(everything).as("no prompt or completion text leaves by default").doesNotContain(PROMPT)
                    .doesNotContain("echo: ");
            assertThat(attr(server, "gen_ai.input.messages")).isNull();
        }
    }

    @Test
    void withoutAClientTraceparentTheRequestSpanStartsATraceAndRefusalsAreSpansToo() {
        try (OtlpReceiver otlp = OtlpReceiver.start(); FakeProvider openai = FakeProvider.start(); FakeProvider xai = FakeProvider.start();
             TestGateway gw = gateway(otlp, openai, xai)) {
            var ok = chat(gw, "gpt-4o-mini", null);
            var unknown = chat(gw, "no-such-model-anywhere", null);
            assertThat(unknown.statusCode()).isEqualTo(404);
            List<Span> servers = otlp.await(2, s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER);
            Span served = servers.stream().filter(s -> "200".equals(attr(s, "http.response.status_code"))).findFirst().orElseThrow();
            Span refused = servers.stream().filter(s -> "404".equals(attr(s, "http.response.status_code"))).findFirst().orElseThrow();
            assertThat(served.getParentSpanId().isEmpty()).as("a root span").isTrue();
            assertThat(hex(served.getTraceId())).isNotEqualTo(CLIENT_TRACE).hasSize(32);
            assertThat(attr(served, "zumik.trace_id")).isEqualTo(ok.headers().firstValue("agent-trace-id").orElseThrow());
            assertThat(openai.lastRequest().headers().get("traceparent")).startsWith("00-" + hex(served.getTraceId()) + "-");
            assertThat(attr(refused, "gen_ai.request.model")).isEqualTo("no-such-model-anywhere");
            assertThat(attr(refused, "zumik.reason_code")).isEqualTo("model_not_found");
            assertThat(attr(refused, "error.type")).isEqualTo("model_not_found");
            assertThat(otlp.spans()).as("control-plane routes are not traced")
                    .allMatch(s -> s.getName().equals("POST /v1/chat/completions") || s.getKind() == Span.SpanKind.SPAN_KIND_CLIENT);
        }
    }

    @Test
    void promptAndCompletionTextAreInSpansOnlyWhenTheOperatorOptsIn() {
        try (OtlpReceiver otlp = OtlpReceiver.start(); FakeProvider openai = FakeProvider.start(); FakeProvider xai = FakeProvider.start();
             TestGateway gw = gateway(otlp, openai, xai, "ZUMIK_OTEL_CAPTURE_CONTENT", "true")) {
            assertThat(chat(gw, "gpt-4o-mini", null).statusCode()).isEqualTo(200);
            Span server = otlp.await(1, s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER).getFirst();
            assertThat(attr(server, "gen_ai.input.messages")).contains(PROMPT).contains("\"role\":\"user\"");
            assertThat(attr(server, "gen_ai.output.messages")).isEqualTo("echo: " + PROMPT);
        }
    }

    @Test
    void tracingOffBuildsNothingAndSendsNoTraceparentUpstream() {
        assertThat(Tracing.fromEnv(Map.of())).isNull();
        assertThat(Tracing.fromEnv(Map.of("OTEL_SERVICE_NAME", "x"))).isNull();
        assertThat(Tracing.fromEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1", "OTEL_SDK_DISABLED", "true"))).isNull();
        try (FakeProvider openai = FakeProvider.start();
             TestGateway gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-openai-123456")) {
            assertThat(Tracing.fromEnv(gw.zumik().config().otel())).as("decided once at start: off").isNull();
            assertThat(chat(gw, "gpt-4o-mini", "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01").statusCode()).isEqualTo(200);
            assertThat(openai.lastRequest().headers().get("traceparent")).isNull();
        }
    }

    @Test
    void otlpSettingsFollowTheOpenTelemetrySpec() {
        assertThat(Tracing.headers("api-key=abc%3D%3D, x-tenant = blue")).containsExactly(
                Map.entry("api-key", "abc=="), Map.entry("x-tenant", "blue"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Tracing.fromEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT",
                "http://127.0.0.1:4317", "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"))).hasMessageContaining("http/protobuf");
    }
}
