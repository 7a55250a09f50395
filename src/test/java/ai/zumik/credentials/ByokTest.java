package ai.zumik.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.provider.anthropic.AnthropicFake;
import ai.zumik.provider.gemini.GeminiFake;
import ai.zumik.secrets.MasterKey;
import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * BYOK end to end (issue 15): credentials through {@code /v2/provider-credentials}, selected by an
 * alias release target or a project's {@code byok_defaults}, against fake providers that record
 * which key each upstream request carried. The platform's own accounts are fakes too, so every
 * test can say which account a request reached — and which it never reached.
 */
@Timeout(120)
class ByokTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String PLATFORM_OPENAI = "sk-platform-openai-0000000000000000";
    static final String PLATFORM_ANTHROPIC = "sk-ant-api03-platform-000000000000";
    static final String FORBID_FALLBACK = Base64.getUrlEncoder().withoutPadding()
            .encodeToString("{\"qos\":{\"class\":\"standard\",\"degrade_policy\":\"forbid\"}}".getBytes(StandardCharsets.UTF_8));

    static FakeProvider platformOpenAi;
    static FakeProvider customerOpenAi;
    static FakeProvider anthropic;
    static FakeProvider gemini;
    static FakeProvider openRouter;
    static TestGateway gw;
    static String alpha;
    static String beta;

    @BeforeAll
    static void start() {
        platformOpenAi = FakeProvider.start();
        customerOpenAi = FakeProvider.start();
        anthropic = AnthropicFake.start();
        gemini = GeminiFake.start();
        openRouter = FakeProvider.start();
        gw = TestGateway.start(Map.of(
                "ZUMIK_MASTER_KEY", MasterKey.generateEncoded(),
                "ZUMIK_ALLOW_PRIVATE_UPSTREAMS", "true",
                "OPENAI_BASE_URL", platformOpenAi.baseUrl(), "OPENAI_API_KEY", PLATFORM_OPENAI,
                "ANTHROPIC_BASE_URL", anthropic.baseUrl(), "ANTHROPIC_API_KEY", PLATFORM_ANTHROPIC,
                "GEMINI_BASE_URL", gemini.baseUrl(),
                "OPENROUTER_BASE_URL", openRouter.baseUrl(), "OPENROUTER_API_KEY", "sk-or-v1-platform-00000000",
                "OPENROUTER_FALLBACK_ENABLED", "true"));
        alpha = project("alpha");
        beta = project("beta");
    }

    @AfterAll
    static void stop() {
        gw.close();
        for (FakeProvider f : List.of(platformOpenAi, customerOpenAi, anthropic, gemini, openRouter)) f.close();
    }

    @BeforeEach
    void reset() {
        for (FakeProvider f : List.of(platformOpenAi, customerOpenAi, anthropic, gemini, openRouter)) f.reset();
    }

    // ---------------------------------------------------------------- helpers

    static String project(String name) {
        return json(send("POST", "/v2/projects", "{\"name\":\"" + name + "\"}", gw.adminKey(), Map.of(), 200))
                .at("/admin_key/key").asText();
    }

    static HttpResponse<String> send(String method, String path, String body, String key, Map<String, String> headers) {
        var b = HttpRequest.newBuilder(URI.create(gw.url() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("content-type", "application/json");
        b.header("authorization", "Bearer " + key);
        headers.forEach(b::header);
        return TestGateway.send(b.build());
    }

    static HttpResponse<String> send(String method, String path, String body, String key, Map<String, String> headers,
                                     int expected) {
        HttpResponse<String> r = send(method, path, body, key, headers);
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(expected);
        return r;
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError(r.body(), e);
        }
    }

    static JsonNode credential(String key, String provider, String secret, String baseUrl) {
        String body = "{\"provider\":\"" + provider + "\",\"secret\":\"" + secret + "\",\"name\":\"test\""
                + (baseUrl == null ? "" : ",\"base_url\":\"" + baseUrl + "\"") + "}";
        return json(send("POST", "/v2/provider-credentials", body, key, Map.of(), 200));
    }

    static String release(String key, String alias, String targets) {
        return json(send("POST", "/v2/model-aliases/" + alias + "/releases", "{\"targets\":" + targets + "}", key, Map.of(), 200))
                .get("id").asText();
    }

    static String byokTarget(String provider, String model, String credentialId) {
        return "{\"execution_profile\":\"byok\",\"provider\":\"" + provider + "\",\"model\":\"" + model
                + "\",\"weight\":1,\"credential_id\":\"" + credentialId + "\"}";
    }

    static HttpResponse<String> chat(String key, String model) {
        return send("POST", "/v1/chat/completions", "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}]}", key, Map.of("Agent-Hints", FORBID_FALLBACK));
    }

    /** Without hints: a concrete model's compatible stand-ins on other providers are candidates too. */
    static HttpResponse<String> chatAllowingFallback(String key, String model) {
        return send("POST", "/v1/chat/completions", "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}]}", key, Map.of());
    }

    static JsonNode record(HttpResponse<String> r, String key) {
        String id = r.headers().firstValue("Agent-Response-Id").orElseThrow();
        return json(send("GET", "/v2/responses/" + id, null, key, Map.of(), 200));
    }

    static String bearer(FakeProvider.Received r) {
        return r.headers().get("authorization");
    }

    // ---------------------------------------------------------------- selection

    @Test
    void anAliasTargetRunsOnTheCustomersKeyAtTheCustomersBaseUrlAndThePlatformBillsNothing() {
        String secret = "sk-customer-alpha-" + "a".repeat(24);
        JsonNode c = credential(alpha, "openai", secret, customerOpenAi.baseUrl());
        assertThat(c.get("id").asText()).startsWith("pcr_");
        assertThat(c.get("secret_fingerprint").asText()).matches("zfp_[0-9a-f]{16}");
        assertThat(c.toString()).doesNotContain(secret);
        release(alpha, "alpha.byok", "[" + byokTarget("openai", "gpt-4o-mini", c.get("id").asText()) + "]");

        HttpResponse<String> r = chat(alpha, "alpha.byok");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Agent-Execution-Profile")).hasValue("byok");
        assertThat(r.headers().firstValue("Agent-Byok-Credential-Id")).hasValue(c.get("id").asText());
        assertThat(customerOpenAi.requests()).hasSize(1);
        assertThat(bearer(customerOpenAi.lastRequest())).isEqualTo("Bearer " + secret);
        assertThat(platformOpenAi.requests()).as("the platform's account is not used").isEmpty();

        JsonNode rec = record(r, alpha);
        assertThat(rec.get("execution_profile").asText()).isEqualTo("byok");
        assertThat(rec.at("/usage/input_tokens").asLong()).as("token counts are kept").isEqualTo(11);
        assertThat(rec.at("/usage/output_tokens").asLong()).isEqualTo(7);
        assertThat(rec.get("charged").asBoolean()).as("BYOK tokens are not on the platform's bill").isFalse();
        assertThat(rec.get("cost_micros").asLong()).isZero();
        assertThat(rec.at("/attempts/0/target/credential_id").asText()).isEqualTo(c.get("id").asText());
        assertThat(rec.at("/routing_decision/candidates/0/credential_id").asText()).isEqualTo(c.get("id").asText());
        assertThat(r.headers().firstValue("Agent-Cost-Micros")).hasValue("0");
    }

    @Test
    void aProjectDefaultRunsConcreteAnthropicRequestsOnTheCustomersKeyAndOtherProvidersStayManaged() {
        String secret = "sk-ant-api03-customer-beta-" + "b".repeat(20);
        String id = credential(beta, "anthropic", secret, null).get("id").asText();
        JsonNode policy = json(send("PUT", "/v2/execution-policy", "{\"byok_defaults\":{\"anthropic\":\"" + id + "\"}}", beta,
                Map.of(), 200));
        assertThat(policy.at("/byok_defaults/anthropic").asText()).isEqualTo(id);
        assertThat(json(send("GET", "/v2/execution-policy", null, beta, Map.of(), 200)).at("/byok_defaults/anthropic").asText())
                .isEqualTo(id);

        HttpResponse<String> r = chat(beta, "anthropic/claude-sonnet-4-5");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Agent-Execution-Profile")).hasValue("byok");
        assertThat(r.headers().firstValue("Agent-Byok-Credential-Id")).hasValue(id);
        assertThat(anthropic.lastRequest().headers().get("x-api-key")).isEqualTo(secret);

        HttpResponse<String> managed = chat(beta, "gpt-4o-mini");
        assertThat(managed.statusCode()).isEqualTo(200);
        assertThat(managed.headers().firstValue("Agent-Execution-Profile")).hasValue("managed_provider");
        assertThat(managed.headers().firstValue("Agent-Byok-Credential-Id")).isEmpty();
        assertThat(bearer(platformOpenAi.lastRequest())).isEqualTo("Bearer " + PLATFORM_OPENAI);
        // Another project without a default: Anthropic on the platform's key.
        HttpResponse<String> other = chat(alpha, "anthropic/claude-sonnet-4-5");
        assertThat(other.headers().firstValue("Agent-Execution-Profile")).hasValue("managed_provider");
        assertThat(anthropic.lastRequest().headers().get("x-api-key")).isEqualTo(PLATFORM_ANTHROPIC);
    }

    @Test
    void geminiRunsOnTheCustomersKeyAndAKeyGeminiRefusesIsTheCustomersError() {
        String good = credential(alpha, "google_gemini", GeminiFake.KEY, null).get("id").asText();
        String bad = credential(alpha, "gemini", "AIzaSyWRONGcustomerKEY-000000000000000", null).get("id").asText();
        release(alpha, "alpha.gemini", "[" + byokTarget("gemini", "gemini-2.5-flash", good) + "]");
        release(alpha, "alpha.gemini.bad", "[" + byokTarget("gemini", "gemini-2.5-flash", bad) + "]");
        HttpResponse<String> r = chat(alpha, "alpha.gemini");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(gemini.lastRequest().headers().get("x-goog-api-key")).isEqualTo(GeminiFake.KEY);

        HttpResponse<String> refused = chat(alpha, "alpha.gemini.bad");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(424);
        assertThat(json(refused).at("/error/code").asText()).isEqualTo("byok_credential_rejected");
        assertThat(refused.body()).contains(bad).doesNotContain("AIzaSyWRONG");
        assertThat(openRouter.requests()).isEmpty();
    }

    @Test
    void eachProjectsRequestsCarryItsOwnSecretAndAnotherProjectsCredentialIsUnusable() {
        String a = credential(alpha, "xai", "xai-alpha-" + "1".repeat(30), customerOpenAi.baseUrl()).get("id").asText();
        String b = credential(beta, "xai", "xai-beta-" + "2".repeat(30), customerOpenAi.baseUrl()).get("id").asText();
        release(alpha, "team.grok", "[" + byokTarget("xai", "grok-3-mini", a) + "]");
        release(beta, "team.grok", "[" + byokTarget("xai", "grok-3-mini", b) + "]");
        assertThat(chat(alpha, "team.grok").statusCode()).isEqualTo(200);
        assertThat(bearer(customerOpenAi.lastRequest())).isEqualTo("Bearer xai-alpha-" + "1".repeat(30));
        assertThat(chat(beta, "team.grok").statusCode()).isEqualTo(200);
        assertThat(bearer(customerOpenAi.lastRequest())).isEqualTo("Bearer xai-beta-" + "2".repeat(30));

        // Beta cannot see, change, select or route on alpha's credential.
        assertThat(send("GET", "/v2/provider-credentials/" + a, null, beta, Map.of()).statusCode()).isEqualTo(404);
        assertThat(send("POST", "/v2/provider-credentials/" + a + "/rotate", "{\"secret\":\"sk-x-12345678\"}", beta, Map.of())
                .statusCode()).isEqualTo(404);
        assertThat(send("DELETE", "/v2/provider-credentials/" + a, null, beta, Map.of()).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/v2/provider-credentials", null, beta, Map.of()).body()).doesNotContain(a);
        HttpResponse<String> install = send("POST", "/v2/model-aliases/stolen/releases",
                "{\"targets\":[" + byokTarget("xai", "grok-3-mini", a) + "]}", beta, Map.of());
        assertThat(install.statusCode()).isEqualTo(400);
        assertThat(json(install).at("/error/param").asText()).isEqualTo("targets[0].credential_id");
        HttpResponse<String> policy = send("PUT", "/v2/execution-policy", "{\"byok_defaults\":{\"xai\":\"" + a + "\"}}", beta,
                Map.of());
        assertThat(policy.statusCode()).isEqualTo(400);
        assertThat(json(policy).at("/error/param").asText()).isEqualTo("byok_defaults.xai");
        // A credential for another provider than the target's is refused at install, naming the parameter.
        HttpResponse<String> mismatch = send("POST", "/v2/model-aliases/mismatch/releases",
                "{\"targets\":[" + byokTarget("openai", "gpt-4o-mini", b) + "]}", beta, Map.of());
        assertThat(mismatch.statusCode()).isEqualTo(400);
        assertThat(json(mismatch).at("/error/param").asText()).isEqualTo("targets[0].credential_id");
        assertThat(json(mismatch).at("/error/message").asText()).contains("xai");
    }

    // ---------------------------------------------------------------- failures

    @Test
    void aRefusedCustomerKeyIsTheCallersErrorAndNeverReachesThePlatformsAccountOrOpenRouter() {
        String id = credential(alpha, "openai", "sk-revoked-by-customer-0000000000", customerOpenAi.baseUrl()).get("id").asText();
        // The release lists a managed target too: a refused BYOK key still does not move to it.
        release(alpha, "alpha.mixed", "[" + byokTarget("openai", "gpt-4o-mini", id).replace("\"weight\":1", "\"weight\":1000")
                + ",{\"provider\":\"openai\",\"model\":\"gpt-4o\",\"weight\":1}]");
        HttpResponse<String> r = null;
        for (int i = 0; i < 20 && (r == null || r.statusCode() == 200); i++) {
            customerOpenAi.enqueue(Script.json(401, "{\"error\":{\"message\":\"Incorrect API key provided: "
                    + "sk-revoked-by-customer-0000000000.\",\"type\":\"invalid_request_error\",\"param\":null,"
                    + "\"code\":\"invalid_api_key\"}}"));
            r = chat(alpha, "alpha.mixed");
        }
        assertThat(r.statusCode()).as(r.body()).isEqualTo(424);
        JsonNode err = json(r).get("error");
        assertThat(err.get("code").asText()).isEqualTo("byok_credential_rejected");
        assertThat(err.get("message").asText()).contains(id).contains("rotate").doesNotContain("sk-revoked");
        assertThat(r.headers().firstValue("Agent-Attempts")).hasValue("1");
        assertThat(r.headers().firstValue("Agent-Reason-Code")).hasValue("byok_credential_rejected");
        assertThat(platformOpenAi.requests().stream().filter(q -> q.json().path("model").asText().equals("gpt-4o")))
                .as("no attempt on the platform's account after the refusal").isEmpty();
        assertThat(openRouter.requests()).isEmpty();
        JsonNode rec = record(r, alpha);
        assertThat(rec.get("status").asText()).isEqualTo("failed");
        assertThat(rec.at("/error/code").asText()).isEqualTo("byok_credential_rejected");
    }

    @Test
    void byokTrafficNeverReachesTheOpenRouterBridgeWhileManagedTrafficDoes() {
        String id = credential(alpha, "openai", "sk-customer-bridge-000000000000000", customerOpenAi.baseUrl()).get("id").asText();
        release(alpha, "alpha.bridge", "[" + byokTarget("openai", "gpt-4o-mini", id) + "]");
        for (int i = 0; i < 3; i++) customerOpenAi.enqueue(Script.json(503, "{\"error\":{\"message\":\"down\"}}"));
        HttpResponse<String> byok = chat(alpha, "alpha.bridge");
        assertThat(byok.statusCode()).as(byok.body()).isBetween(500, 599);
        assertThat(byok.headers().firstValue("Agent-Execution-Mode")).isNotEqualTo(java.util.Optional.of("openrouter_fallback"));
        assertThat(openRouter.requests()).as("BYOK never uses OpenRouter").isEmpty();

        // The same failure on the platform's account does use the bridge: the setup above could have.
        for (int i = 0; i < 3; i++) platformOpenAi.enqueue(Script.json(503, "{\"error\":{\"message\":\"down\"}}"));
        HttpResponse<String> managed = chat(beta, "openai/gpt-4o-mini");
        assertThat(managed.statusCode()).as(managed.body()).isEqualTo(200);
        assertThat(managed.headers().firstValue("Agent-Execution-Mode")).as(record(managed, beta).toString())
                .hasValue("openrouter_fallback");
        assertThat(openRouter.requests()).hasSize(1);
    }

    @Test
    void oneCustomersFailingKeyOpensOnlyItsOwnCircuit() {
        String failing = credential(alpha, "fireworks_ai", "fw_failing-" + "9".repeat(24), customerOpenAi.baseUrl()).get("id").asText();
        String healthy = credential(beta, "fireworks_ai", "fw_healthy-" + "8".repeat(24), customerOpenAi.baseUrl()).get("id").asText();
        String model = "accounts/fireworks/models/llama4-maverick-instruct-basic";
        release(alpha, "fw.path", "[" + byokTarget("fireworks_ai", model, failing) + "]");
        release(beta, "fw.path", "[" + byokTarget("fireworks_ai", model, healthy) + "]");
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 2; j++) customerOpenAi.enqueue(Script.json(500, "{\"error\":{\"message\":\"boom\"}}"));
            chat(alpha, "fw.path");
        }
        HttpResponse<String> open = chat(alpha, "fw.path");
        assertThat(open.statusCode()).isEqualTo(503);
        assertThat(record(open, alpha).at("/routing_decision/candidates/0/reason").asText()).isEqualTo("circuit_open");
        customerOpenAi.reset();
        HttpResponse<String> other = chat(beta, "fw.path");
        assertThat(other.statusCode()).as("another customer's key on the same model is unaffected: " + other.body()).isEqualTo(200);
        assertThat(bearer(customerOpenAi.lastRequest())).isEqualTo("Bearer fw_healthy-" + "8".repeat(24));
    }

    // ---------------------------------------------------------------- lifecycle

    @Test
    void rotationTakesEffectOnTheNextRequestUnderTheSameId() {
        JsonNode c = credential(beta, "openai", "sk-before-rotation-00000000000000", customerOpenAi.baseUrl());
        String id = c.get("id").asText();
        release(beta, "beta.rotating", "[" + byokTarget("openai", "gpt-4o-mini", id) + "]");
        assertThat(chat(beta, "beta.rotating").statusCode()).isEqualTo(200);
        assertThat(bearer(customerOpenAi.lastRequest())).isEqualTo("Bearer sk-before-rotation-00000000000000");

        JsonNode rotated = json(send("POST", "/v2/provider-credentials/" + id + "/rotate",
                "{\"secret\":\"sk-after-rotation-111111111111111\"}", beta, Map.of(), 200));
        assertThat(rotated.get("id").asText()).isEqualTo(id);
        assertThat(rotated.get("version").asLong()).isEqualTo(2);
        assertThat(rotated.get("secret_fingerprint").asText()).isNotEqualTo(c.get("secret_fingerprint").asText());
        assertThat(rotated.get("rotated_at").isNull()).isFalse();
        assertThat(chat(beta, "beta.rotating").statusCode()).isEqualTo(200);
        assertThat(bearer(customerOpenAi.lastRequest())).isEqualTo("Bearer sk-after-rotation-111111111111111");
        assertThat(json(send("GET", "/v2/provider-credentials/" + id, null, beta, Map.of(), 200)).get("version").asLong())
                .isEqualTo(2);
    }

    @Test
    void aDeletedCredentialMakesItsTargetsUnavailableWithAClearReason() {
        String id = credential(beta, "openai", "sk-soon-deleted-0000000000000000", customerOpenAi.baseUrl()).get("id").asText();
        release(beta, "beta.deleted", "[" + byokTarget("openai", "gpt-4o-mini", id) + "]");
        send("PUT", "/v2/execution-policy", "{\"byok_defaults\":{\"openai\":\"" + id + "\"}}", beta, Map.of(), 200);
        assertThat(chat(beta, "beta.deleted").statusCode()).isEqualTo(200);
        JsonNode deleted = json(send("DELETE", "/v2/provider-credentials/" + id, null, beta, Map.of(), 200));
        assertThat(deleted.get("deleted").asBoolean()).isTrue();
        customerOpenAi.reset();

        for (String model : List.of("beta.deleted", "gpt-4o-mini")) {
            HttpResponse<String> r = chatAllowingFallback(beta, model);
            assertThat(r.statusCode()).as(model + ": " + r.body()).isEqualTo(503);
            assertThat(json(r).at("/error/code").asText()).isEqualTo("no_eligible_target");
            assertThat(json(r).at("/error/message").asText()).contains(id).contains("deleted");
            JsonNode decision = record(r, beta).get("routing_decision");
            assertThat(decision.at("/candidates/0/reason").asText()).isEqualTo("credential_unavailable");
            if (model.equals("gpt-4o-mini")) {
                assertThat(decision.get("candidates").size()).as("compatible stand-ins were considered").isGreaterThan(1);
                for (int i = 1; i < decision.get("candidates").size(); i++) {
                    assertThat(decision.at("/candidates/" + i + "/reason").asText())
                            .as("the platform's accounts are no fallback for BYOK traffic").isIn("byok_only", "not_configured");
                }
            }
        }
        assertThat(anthropic.requests()).isEmpty();
        assertThat(gemini.requests()).isEmpty();
        assertThat(customerOpenAi.requests()).isEmpty();
        assertThat(platformOpenAi.requests()).as("never the platform's account instead").isEmpty();
        assertThat(send("GET", "/v2/provider-credentials/" + id, null, beta, Map.of()).statusCode()).isEqualTo(404);
        send("PUT", "/v2/execution-policy", "{\"byok_defaults\":{}}", beta, Map.of(), 200);
    }

    @Test
    void equalSecretsHaveEqualFingerprintsAndNothingElseIsShown() {
        JsonNode one = credential(alpha, "openai", "sk-same-secret-000000000000000000", null);
        JsonNode two = credential(alpha, "openai", "sk-same-secret-000000000000000000", null);
        JsonNode three = credential(alpha, "openai", "sk-other-secret-00000000000000000", null);
        assertThat(one.get("secret_fingerprint")).isEqualTo(two.get("secret_fingerprint"));
        assertThat(one.get("secret_fingerprint")).isNotEqualTo(three.get("secret_fingerprint"));
        String list = send("GET", "/v2/provider-credentials", null, alpha, Map.of(), 200).body();
        assertThat(list).contains(one.get("id").asText()).doesNotContain("sk-same-secret").doesNotContain("0000000000");
        assertThat(one.fieldNames()).toIterable().doesNotContain("secret", "last4", "secret_last4");
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void badInputIsAPreciseErrorNamingTheParameterAndWritesNothing() {
        int before = json(send("GET", "/v2/provider-credentials", null, alpha, Map.of(), 200)).get("data").size();
        String canary = "sk-CANARY-bad-input-7777777777";
        record Case(String body, String param, String code) {}
        List<Case> cases = List.of(
                new Case("{\"provider\":\"openai\",\"secret\":\"\"}", "secret", "empty_string"),
                new Case("{\"provider\":\"openai\"}", "secret", "missing_required_parameter"),
                new Case("{\"provider\":\"openai\",\"secret\":\"   \"}", "secret", "invalid_value"),
                new Case("{\"provider\":\"openai\",\"secret\":\"" + canary + " x\"}", "secret", "invalid_value"),
                new Case("{\"provider\":\"openai\",\"secret\":\"" + canary + "\\u0007\"}", "secret", "invalid_value"),
                new Case("{\"provider\":\"openai\",\"secret\":\"" + canary + "\\n\"}", "secret", "invalid_value"),
                new Case("{\"provider\":\"openai\",\"secret\":\"" + canary + "é\"}", "secret", "invalid_value"),
                new Case("{\"provider\":\"openai\",\"secret\":\"" + "x".repeat(4097) + "\"}", "secret", "invalid_value"),
                new Case("{\"provider\":\"openai\",\"secret\":12345678901}", "secret", "invalid_type"),
                new Case("{\"provider\":\"openai\",\"secret\":[\"" + canary + "\"]}", "secret", "invalid_type"),
                new Case("{\"provider\":\"mistral\",\"secret\":\"" + canary + "\"}", "provider", "invalid_value"),
                new Case("{\"provider\":\"openrouter\",\"secret\":\"" + canary + "\"}", "provider", "invalid_value"),
                new Case("{\"provider\":7,\"secret\":\"" + canary + "\"}", "provider", "invalid_type"),
                new Case("{\"secret\":\"" + canary + "\"}", "provider", "missing_required_parameter"),
                new Case("{\"provider\":\"openai\",\"secret\":\"" + canary + "\",\"scopes\":[]}", "scopes", "unknown_parameter"),
                new Case("{\"provider\":\"openai\",\"secret\":\"" + canary + "\",\"name\":5}", "name", "invalid_type"),
                new Case("{\"provider\":\"anthropic\",\"secret\":\"" + canary + "\",\"base_url\":\"https://api.example.com\"}",
                        "base_url", "invalid_value"),
                new Case("{\"provider\":\"openai\",\"secret\":\"" + canary + "\",\"base_url\":true}", "base_url", "invalid_type"),
                new Case("{\"provider\":\"openai\",\"secret\":" + canary + "}", null, "invalid_json"),
                new Case("{\"provider\":\"openai\",\"secret\":\"" + canary + "\"", null, "invalid_json"),
                new Case("[\"" + canary + "\"]", null, "invalid_type"));
        for (Case c : cases) {
            HttpResponse<String> r = send("POST", "/v2/provider-credentials", c.body(), alpha, Map.of());
            assertThat(r.statusCode()).as(c.body() + " -> " + r.body()).isEqualTo(400);
            JsonNode err = json(r).get("error");
            assertThat(err.get("type").asText()).isEqualTo("invalid_request_error");
            assertThat(err.get("code").asText()).as(c.body()).isEqualTo(c.code());
            if (c.param() == null) assertThat(err.get("param").isNull()).isTrue();
            else assertThat(err.get("param").asText()).as(c.body()).isEqualTo(c.param());
            assertThat(r.body()).as("no error repeats the secret").doesNotContain("CANARY");
        }
        HttpResponse<String> rotate = send("POST", "/v2/provider-credentials/" + credential(alpha, "openai",
                "sk-rotate-target-00000000000000", null).get("id").asText() + "/rotate", "{\"secret\":\"a b\"}", alpha, Map.of());
        assertThat(rotate.statusCode()).isEqualTo(400);
        assertThat(json(rotate).at("/error/param").asText()).isEqualTo("secret");
        assertThat(json(send("GET", "/v2/provider-credentials", null, alpha, Map.of(), 200)).get("data").size())
                .as("only the one good credential was written").isEqualTo(before + 1);
        HttpResponse<String> badDefault = send("PUT", "/v2/execution-policy", "{\"byok_defaults\":{\"mistral\":\"pcr_x\"}}", alpha,
                Map.of());
        assertThat(json(badDefault).at("/error/param").asText()).isEqualTo("byok_defaults.mistral");
        HttpResponse<String> noCredential = send("POST", "/v2/model-aliases/nocred/releases", "{\"targets\":[{\"execution_profile\":"
                + "\"byok\",\"provider\":\"openai\",\"model\":\"gpt-4o-mini\",\"weight\":1}]}", alpha, Map.of());
        assertThat(noCredential.statusCode()).isEqualTo(400);
        assertThat(json(noCredential).at("/error/param").asText()).isEqualTo("targets[0].credential_id");
    }

    @Test
    void baseUrlsThatReachZumiksOwnNetworkAreRefusedNamingBaseUrl() {
        // This gateway allows private upstreams (the fakes are on 127.0.0.1); these stay refused regardless.
        for (String url : List.of("http://169.254.169.254/latest", "http://metadata.google.internal/v1", "http://[fe80::1]/v1",
                "http://[fd00:ec2::254]/", "file:///etc/passwd", "ftp://example.com/v1", "http://user:pw@example.com/v1",
                "http:///v1", "https://api.example.com/v1?x=1", "gopher://127.0.0.1:70/", "http://0.0.0.0:8080/v1",
                "http://[::ffff:169.254.169.254]/")) {
            HttpResponse<String> r = send("POST", "/v2/provider-credentials", "{\"provider\":\"openai\",\"secret\":"
                    + "\"sk-ssrf-000000000000\",\"base_url\":\"" + url + "\"}", alpha, Map.of());
            assertThat(r.statusCode()).as(url + " -> " + r.body()).isEqualTo(400);
            assertThat(json(r).at("/error/param").asText()).as(url).isEqualTo("base_url");
            assertThat(r.body()).doesNotContain("pw@");
        }
    }

    @Test
    void withoutAnExplicitMasterKeyByokAnswers400SayingHowToEnableIt() {
        try (TestGateway plain = TestGateway.start("OPENAI_BASE_URL", platformOpenAi.baseUrl())) {
            for (String[] call : List.of(new String[] {"POST", "/v2/provider-credentials",
                            "{\"provider\":\"openai\",\"secret\":\"sk-x-0000000000\"}"},
                    new String[] {"GET", "/v2/provider-credentials", null},
                    new String[] {"GET", "/v2/provider-credentials/pcr_01aaaaaaaaaaaaaaaaaaaaaaaa", null},
                    new String[] {"PUT", "/v2/execution-policy", "{\"byok_defaults\":{}}"},
                    new String[] {"POST", "/v2/model-aliases/x.byok/releases", "{\"targets\":[" + byokTarget("openai",
                            "gpt-4o-mini", "pcr_01aaaaaaaaaaaaaaaaaaaaaaaa") + "]}"})) {
                var b = HttpRequest.newBuilder(URI.create(plain.url() + call[1])).header("authorization", "Bearer " + plain.adminKey())
                        .method(call[0], call[2] == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(call[2]));
                HttpResponse<String> r = TestGateway.send(b.build());
                assertThat(r.statusCode()).as(call[0] + " " + call[1] + " " + r.body()).isEqualTo(400);
                assertThat(json(r).at("/error/code").asText()).isEqualTo("master_key_required");
                assertThat(json(r).at("/error/message").asText()).contains("ZUMIK_MASTER_KEY").contains("openssl rand -base64 32");
            }
        }
    }
}
