package ai.zumik.broker;

import static ai.zumik.broker.Faults.FORBID;
import static ai.zumik.broker.Faults.chat;
import static ai.zumik.broker.Faults.error;
import static ai.zumik.broker.Faults.header;
import static ai.zumik.broker.Faults.models;
import static ai.zumik.broker.Faults.parse;
import static ai.zumik.broker.Faults.post;
import static ai.zumik.broker.Faults.record;
import static ai.zumik.broker.Faults.verdicts;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A project's regional policy end to end: installed and read through both documented paths,
 * validated parameter by parameter, enforced by the planner before any provider call (targets
 * outside the allowed zones are skipped with {@code region_not_allowed}; none left → 403, nothing
 * sent), and by the OpenRouter bridge, which a {@code strict}/{@code no_openrouter} data boundary
 * or an allow-list without OpenRouter's zone keeps closed.
 */
class RegionalPolicyTest {
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
        gw = Faults.gatewayWithBridge(openai, xai, openrouter, "XAI_REGION", "eu");
        Faults.installRelease(gw, "region.mix", "[{\"provider\":\"openai\",\"model\":\"gpt-4.1\",\"weight\":1000},"
                + "{\"provider\":\"xai\",\"model\":\"grok-3\",\"weight\":1}]");
    }

    @AfterAll
    static void stop() {
        Faults.close(gw, openrouter, xai, openai);
    }

    @BeforeEach
    void clean() {
        install("{\"region_policy\":\"any\"}");
        Faults.reset(openai, xai, openrouter);
    }

    private static JsonNode install(String body) {
        HttpResponse<String> r = gw.post("/v2/regional-policy", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return parse(r.body());
    }

    private static HttpResponse<String> put(String path, String body, String key) {
        return TestGateway.send(HttpRequest.newBuilder(gw.uri(path)).timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json").header("authorization", "Bearer " + key)
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    @Test
    void aPolicyIsInstalledReplacedReadThroughBothPathsAndAudited() {
        JsonNode first = install("{\"region_policy\":\"us_only\",\"allowed_regions\":[\"EU\",\"eu\"],\"data_boundary\":\"strict\"}");
        assertThat(first.get("id").asText()).startsWith("rgn_");
        assertThat(first.get("object").asText()).isEqualTo("regional_policy");
        assertThat(first.get("allowed_regions").toString()).isEqualTo("[\"eu\"]");
        assertThat(first.get("effective_allowed_zones").toString()).isEqualTo("[\"eu\",\"us\"]");
        assertThat(first.get("data_boundary").asText()).isEqualTo("strict");

        HttpResponse<String> replaced = put("/v2/governance/regional-policy", "{\"region_policy\":\"eu\"}", gw.adminKey());
        assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
        JsonNode second = parse(replaced.body());
        assertThat(second.get("id").asText()).isNotEqualTo(first.get("id").asText());
        assertThat(second.get("data_boundary").asText()).isEqualTo("project");
        for (String path : new String[] {"/v2/regional-policy", "/v2/governance/regional-policy"}) {
            HttpResponse<String> got = gw.get(path);
            assertThat(got.statusCode()).isEqualTo(200);
            assertThat(parse(got.body())).isEqualTo(second);
        }

        String reader = gw.createKey("reader", "read");
        assertThat(gw.get("/v2/regional-policy", reader).statusCode()).isEqualTo(200);
        HttpResponse<String> denied = put("/v2/governance/regional-policy", "{\"region_policy\":\"any\"}", reader);
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(parse(denied.body()).at("/error/code").asText()).isEqualTo("insufficient_scope");

        JsonNode audit = null;
        for (int i = 0; i < 100 && audit == null; i++) {
            for (JsonNode e : parse(gw.get("/v2/audit-events?type=regional_policy.update").body()).get("data")) {
                if (e.at("/details/id").asText().equals(second.get("id").asText())) audit = e;
            }
            if (audit == null) Faults.sleep(20);
        }
        assertThat(audit).as("the change is audited").isNotNull();
        assertThat(audit.at("/details/region_policy").asText()).isEqualTo("eu");
    }

    @Test
    void badPoliciesAreRefusedNamingTheParameter() {
        String[][] cases = {
                {"{}", "region_policy", "missing_required_parameter"},
                {"{\"region_policy\":\"mars\"}", "region_policy", "invalid_value"},
                {"{\"region_policy\":7}", "region_policy", "invalid_type"},
                {"{\"region_policy\":\"any\",\"allowed_regions\":\"us\"}", "allowed_regions", "invalid_type"},
                {"{\"region_policy\":\"any\",\"allowed_regions\":[\"us\",\"apac\"]}", "allowed_regions[1]", "invalid_value"},
                {"{\"region_policy\":\"any\",\"allowed_regions\":[\"us\",3]}", "allowed_regions[1]", "invalid_type"},
                {"{\"region_policy\":\"any\",\"data_boundary\":\"loose\"}", "data_boundary", "invalid_value"},
                {"{\"region_policy\":\"any\",\"region\":\"us\"}", "region", "unknown_parameter"},
        };
        JsonNode before = parse(gw.get("/v2/regional-policy").body());
        for (String[] c : cases) {
            HttpResponse<String> r = gw.post("/v2/regional-policy", c[0]);
            assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
            JsonNode err = parse(r.body()).get("error");
            assertThat(err.get("param").asText()).as(c[0]).isEqualTo(c[1]);
            assertThat(err.get("code").asText()).as(c[0]).isEqualTo(c[2]);
        }
        assertThat(parse(gw.get("/v2/regional-policy").body()).get("region_policy").asText())
                .as("a refused install changes nothing").isEqualTo("any");
        assertThat(parse(gw.get("/v2/regional-policy").body())).as("not even a policy that reads the same").isEqualTo(before);
    }

    @Test
    void targetsOutsideTheAllowedZonesAreSkippedAndTheDecisionSaysWhy() {
        install("{\"region_policy\":\"eu_only\"}");
        HttpResponse<String> r = post(gw, chat("region.mix"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(header(r, "agent-resolved-provider")).isEqualTo("xai");
        assertThat(openai.requests()).isEmpty();
        JsonNode rec = record(gw, r);
        assertThat(verdicts(rec)).containsEntry("openai/gpt-4.1", "region_not_allowed").containsEntry("xai/grok-3", "kept");
        assertThat(rec.at("/routing_decision/regional_policy/allowed_zones").toString()).isEqualTo("[\"eu\"]");
    }

    @Test
    void whenNoTargetServesInAnAllowedZoneTheRequestIsRefusedBeforeAnyProviderCall() {
        install("{\"region_policy\":\"eu_only\"}");
        HttpResponse<String> r = post(gw, chat("openai/gpt-4.1"), "Agent-Hints", FORBID);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        JsonNode err = parse(r.body()).get("error");
        assertThat(err.get("code").asText()).isEqualTo("region_not_allowed");
        assertThat(err.get("param").asText()).isEqualTo("model");
        assertThat(openai.requests()).isEmpty();
        assertThat(openrouter.requests()).as("never re-routed through the bridge").isEmpty();
        assertThat(header(r, "agent-reason-code")).isEqualTo("region_not_allowed");
        assertThat(header(r, "agent-qos-admission")).isEqualTo("rejected");
        JsonNode rec = record(gw, r);
        assertThat(rec.at("/qos_outcome/reason_code").asText()).isEqualTo("region_not_allowed");
        assertThat(rec.get("status").asText()).isEqualTo("failed");
        assertThat(rec.get("charged").asBoolean()).isFalse();

        install("{\"region_policy\":\"any\",\"allowed_regions\":[\"us\"]}");
        assertThat(post(gw, chat("openai/gpt-4.1"), "Agent-Hints", FORBID).statusCode()).isEqualTo(200);
    }

    @Test
    void aTargetOutOnlyForNowIsNotARegionRefusal() throws InterruptedException {
        install("{\"region_policy\":\"eu_only\"}");
        xai.enqueue(error(429, "rate_limit_exceeded", "Slow down", "retry-after", "1"));
        post(gw, chat("region.mix"));
        assertThat(xai.requests()).hasSize(1);
        // openai is outside the zone, xai (in it) waits out its Retry-After: that is no capacity
        // now, not a policy that can never be served.
        HttpResponse<String> r = post(gw, chat("region.mix"));
        assertThat(r.statusCode()).as(r.body()).isNotEqualTo(403);
        assertThat(parse(r.body()).at("/error/code").asText()).isNotEqualTo("region_not_allowed");
        assertThat(xai.requests()).as("still cooling down").hasSize(1);
        assertThat(openai.requests()).isEmpty();
        Thread.sleep(1_200); // the gateway is shared by this class's tests: let xai's cool-down end
    }

    @Test
    void theDataBoundaryAndTheAllowListDecideWhetherTheBridgeMayServe() {
        openai.enqueue(OVERLOADED, OVERLOADED);
        HttpResponse<String> bridged = post(gw, chat("gpt-4o"), "Agent-Hints", FORBID);
        assertThat(header(bridged, "agent-execution-mode")).as("no policy: the operator's opt-in decides")
                .isEqualTo("openrouter_fallback");

        for (String policy : new String[] {"{\"region_policy\":\"any\",\"data_boundary\":\"no_openrouter\"}",
                "{\"region_policy\":\"any\",\"data_boundary\":\"strict\"}", "{\"region_policy\":\"us_only\"}"}) {
            openai.reset();
            openrouter.reset();
            install(policy);
            openai.enqueue(OVERLOADED, OVERLOADED);
            HttpResponse<String> r = post(gw, chat("gpt-4o"), "Agent-Hints", FORBID);
            assertThat(r.statusCode()).as(policy).isEqualTo(503);
            assertThat(header(r, "agent-execution-mode")).as(policy).isNotEqualTo("openrouter_fallback");
            assertThat(models(openrouter)).as(policy).isEmpty();
        }

        openai.reset();
        install("{\"region_policy\":\"us_only\",\"allowed_regions\":[\"global\"]}");
        openai.enqueue(OVERLOADED, OVERLOADED);
        assertThat(header(post(gw, chat("gpt-4o"), "Agent-Hints", FORBID), "agent-execution-mode"))
                .as("an allow-list naming OpenRouter's zone lets the bridge serve").isEqualTo("openrouter_fallback");
    }
}
