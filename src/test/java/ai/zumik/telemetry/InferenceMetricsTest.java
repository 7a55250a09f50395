package ai.zumik.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The per-provider/model families on /metrics: what they count, that no client can mint series by
 * sending model ids, and that every panel of the Grafana dashboard queries a metric Zumik exports.
 */
class InferenceMetricsTest {
    private static final Pattern METRIC = Pattern.compile("\\b(zumik_[a-z0-9_]+)");

    private static String chat(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    private static String scrape(TestGateway gw) {
        return TestGateway.send(HttpRequest.newBuilder(gw.uri("/metrics")).build()).body();
    }

    @Test
    void modelsOutsideTheCatalogueFoldIntoOtherSoBogusIdsCreateNoSeries() throws Exception {
        try (FakeProvider openai = FakeProvider.start(); FakeProvider xai = FakeProvider.start();
             TestGateway gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-openai-123456",
                     "XAI_BASE_URL", xai.baseUrl(), "XAI_API_KEY", "xai-test-key-123456")) {
            assertThat(gw.post("/v1/chat/completions", chat("gpt-4o-mini")).statusCode()).isEqualTo(200);
            openai.enqueue(new Script.Reset());
            assertThat(gw.post("/v1/chat/completions", chat("gpt-4o-mini")).statusCode()).isEqualTo(200);
            for (int i = 0; i < 40; i++) {
                assertThat(gw.post("/v1/chat/completions", chat("bogus-model-" + i)).statusCode()).isEqualTo(404);
                // A provider-qualified id the catalogue does not list is passed through and answered.
                assertThat(gw.post("/v1/chat/completions", chat("openai/bogus-upstream-" + i)).statusCode()).isEqualTo(200);
            }
            String m = scrape(gw);
            assertThat(m).doesNotContain("bogus");
            assertThat(m).contains("zumik_model_requests_total{provider=\"openai\",model=\"gpt-4o-mini\",status=\"200\"} 1")
                    .contains("zumik_model_requests_total{provider=\"xai\",model=\"grok-3-mini\",status=\"200\"} 1")
                    .contains("zumik_model_requests_total{provider=\"openai\",model=\"other\",status=\"200\"} 40")
                    .contains("zumik_model_requests_total{provider=\"none\",model=\"other\",status=\"404\"} 40")
                    .contains("zumik_model_tokens_total{provider=\"openai\",model=\"gpt-4o-mini\",type=\"input\"} 11")
                    .contains("zumik_model_tokens_total{provider=\"openai\",model=\"gpt-4o-mini\",type=\"output\"} 7")
                    .contains("zumik_failovers_total{failure_class=\"connect\"} 1")
                    .contains("zumik_upstream_attempts_total{provider=\"openai\",outcome=\"connect\"} 1")
                    .contains("zumik_upstream_attempts_total{provider=\"xai\",outcome=\"success\"} 1")
                    .contains("zumik_circuit_state{target=\"managed_provider|");
            long series = m.lines().filter(l -> l.startsWith("zumik_model_")).count();
            assertThat(series).as("81 requests over 82 distinct model ids make a handful of series").isLessThanOrEqualTo(20);

            // Every panel of the dashboard queries metrics this scrape exports.
            Set<String> exported = new TreeSet<>();
            m.lines().filter(l -> l.startsWith("# TYPE ")).forEach(l -> {
                String[] p = l.split(" ");
                exported.add(p[2]);
                if (p[3].equals("histogram")) {
                    exported.add(p[2] + "_bucket");
                    exported.add(p[2] + "_sum");
                    exported.add(p[2] + "_count");
                }
            });
            JsonNode dashboard = new ObjectMapper().readTree(Files.readString(Path.of("dashboards/zumik-grafana.json")));
            assertThat(dashboard.at("/templating/list/0/type").asText()).isEqualTo("datasource");
            assertThat(dashboard.get("panels")).hasSizeGreaterThanOrEqualTo(12);
            for (JsonNode panel : dashboard.get("panels")) {
                assertThat(panel.at("/datasource/uid").asText()).isEqualTo("${datasource}");
                assertThat(panel.get("targets")).as(panel.get("title").asText()).isNotEmpty();
                for (JsonNode target : panel.get("targets")) {
                    Matcher names = METRIC.matcher(target.get("expr").asText());
                    int found = 0;
                    while (names.find()) {
                        found++;
                        assertThat(exported).as("panel '%s' queries %s", panel.get("title").asText(), names.group(1))
                                .contains(names.group(1));
                    }
                    assertThat(found).as(panel.get("title").asText()).isPositive();
                }
            }
        }
    }

    @Test
    void theModelLabelSetIsCappedEvenWhenEveryIdIsCatalogued() {
        InferenceMetrics im = new InferenceMetrics();
        im.catalogue(id -> true);
        for (int i = 0; i < InferenceMetrics.MAX_MODELS + 500; i++) im.request("openai", "m" + i, 200, 1L, 1L, null);
        StringBuilder sb = new StringBuilder();
        im.render(sb);
        long series = sb.toString().lines().filter(l -> l.startsWith("zumik_model_requests_total{")).count();
        assertThat(series).isEqualTo(InferenceMetrics.MAX_MODELS + 1);
        assertThat(sb.toString()).contains("zumik_model_requests_total{provider=\"openai\",model=\"other\",status=\"200\"} 500");
    }

    @Test
    void rejectionsCircuitsAndBudgetsRender() {
        InferenceMetrics im = new InferenceMetrics();
        im.rejected("rate_limited");
        im.rejected("rate_limited");
        im.rejected("budget_exceeded");
        im.response("openai", "gpt-4o", 200, "ok", 2_500_000L);
        im.circuits(() -> Map.of("managed_provider|openai|openai/gpt-4o", 2));
        im.budgets(() -> Map.of("prj_a", new long[] {150_000_000, 200_000_000}));
        StringBuilder sb = new StringBuilder();
        im.render(sb);
        assertThat(sb.toString()).contains("zumik_limiter_rejections_total{reason=\"rate_limited\"} 2")
                .contains("zumik_limiter_rejections_total{reason=\"budget_exceeded\"} 1")
                .contains("zumik_model_cost_micros_total{provider=\"openai\",model=\"other\"} 2500")
                .contains("zumik_circuit_state{target=\"managed_provider|openai|openai/gpt-4o\"} 2")
                .contains("zumik_budget_spend_micros{project=\"prj_a\"} 150000000")
                .contains("zumik_budget_cap_micros{project=\"prj_a\"} 200000000");
    }
}
