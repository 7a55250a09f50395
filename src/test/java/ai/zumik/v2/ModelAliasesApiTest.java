package ai.zumik.v2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Aliases resolve through immutable releases; installs never change an old release; decisions pin them. */
class ModelAliasesApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SEEDED = List.of("auto", "auto.balanced", "auto.best", "auto.cheapest", "auto.fast",
            "batch.standard", "code.balanced", "code.best", "code.cheapest", "code.fast", "reasoning.best", "vision.balanced");

    @Test
    void seededAliasesAreListedWithTheirLiveReleaseAndAreModels() throws Exception {
        try (TestGateway gw = TestGateway.start()) {
            JsonNode list = JSON.readTree(gw.get("/v2/model-aliases").body());
            List<String> names = new ArrayList<>();
            for (JsonNode r : list.get("data")) {
                names.add(r.get("alias").asText());
                assertThat(r.get("id").asText()).matches("alr_[0-9a-z]{26}");
                assertThat(r.get("status").asText()).isEqualTo("active");
                assertThat(r.get("capability_manifest_revision").asText()).startsWith("cap_");
                assertThat(r.get("targets")).isNotEmpty();
            }
            assertThat(names).containsExactlyElementsOf(SEEDED);
            JsonNode codeFast = JSON.readTree(gw.get("/v2/model-aliases/code.fast").body());
            assertThat(codeFast.at("/targets/0/provider").asText()).isEqualTo("openai");
            assertThat(codeFast.at("/targets/0/weight").asInt()).isEqualTo(60);
            assertThat(gw.get("/v2/model-aliases/nope").statusCode()).isEqualTo(404);

            JsonNode models = JSON.readTree(gw.get("/v1/models").body());
            List<String> ids = new ArrayList<>();
            models.get("data").forEach(m -> ids.add(m.get("id").asText()));
            assertThat(ids).contains("code.fast", "auto", "gpt-4o-mini").isSorted();
            assertThat(gw.get("/v1/models/code.fast").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aResponseThroughAnAliasPinsItsReleaseAndDecision() throws Exception {
        try (TestGateway gw = TestGateway.start()) {
            String release = JSON.readTree(gw.get("/v2/model-aliases/auto.balanced").body()).get("id").asText();
            HttpResponse<String> r = gw.post("/v1/chat/completions",
                    "{\"model\":\"auto.balanced\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("agent-alias-release")).hasValue(release);
            assertThat(JSON.readTree(r.body()).get("model").asText()).as("the alias is echoed").isEqualTo("auto.balanced");
            String id = r.headers().firstValue("agent-response-id").orElseThrow();
            JsonNode record = JSON.readTree(gw.get("/v2/responses/" + id).body());
            JsonNode decision = record.get("routing_decision");
            assertThat(decision.get("alias_release_id").asText()).isEqualTo(release);
            assertThat(decision.get("alias").asText()).isEqualTo("auto.balanced");
            assertThat(decision.get("candidates")).hasSize(2);
            assertThat(decision.get("seed").asText()).isNotBlank();
            assertThat(record.get("alias_release").asText()).isEqualTo(release);
        }
    }

    @Test
    void installingAProjectReleaseAddsANewImmutableReleaseAndNeedsAdmin() throws Exception {
        try (TestGateway gw = TestGateway.start()) {
            String before = JSON.readTree(gw.get("/v2/model-aliases/code.fast").body()).get("id").asText();
            String body = "{\"policy_revision\":\"policy_9\",\"targets\":[{\"provider\":\"gemini\",\"model\":\"gemini-2.5-flash\","
                    + "\"model_revision\":\"2025-06-17\",\"weight\":3},{\"provider\":\"xai\",\"model\":\"grok-3-mini\",\"weight\":1}]}";
            String inferenceOnly = gw.createKey("client", "inference");
            assertThat(gw.post("/v2/model-aliases/code.fast/releases", body, inferenceOnly).statusCode()).isEqualTo(403);

            HttpResponse<String> installed = gw.post("/v2/model-aliases/code.fast/releases", body);
            assertThat(installed.statusCode()).isEqualTo(200);
            JsonNode release = JSON.readTree(installed.body());
            assertThat(release.get("id").asText()).isNotEqualTo(before);
            assertThat(release.get("scope").asText()).isEqualTo("project");
            assertThat(release.get("policy_revision").asText()).isEqualTo("policy_9");
            assertThat(JSON.readTree(gw.get("/v2/model-aliases/code.fast").body()).get("id").asText())
                    .isEqualTo(release.get("id").asText());

            JsonNode history = JSON.readTree(gw.get("/v2/model-aliases/code.fast/releases").body()).get("data");
            assertThat(history).hasSize(2);
            JsonNode platform = history.get(1);
            assertThat(platform.get("id").asText()).isEqualTo(before);
            assertThat(platform.get("status").asText()).as("the platform release is untouched").isEqualTo("active");
            assertThat(platform.at("/targets/0/provider").asText()).isEqualTo("openai");

            HttpResponse<String> r = gw.post("/v1/chat/completions",
                    "{\"model\":\"code.fast\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(r.headers().firstValue("agent-alias-release")).hasValue(release.get("id").asText());

            assertThat(JSON.readTree(gw.post("/v2/model-aliases/code.fast/releases",
                    "{\"targets\":[{\"provider\":\"nobody\",\"model\":\"x\",\"weight\":1}]}").body()).at("/error/param").asText())
                    .isEqualTo("targets[0].provider");
            assertThat(JSON.readTree(gw.post("/v2/model-aliases/code.fast/releases",
                    "{\"targets\":[{\"provider\":\"openai\",\"model\":\"gpt-4o\",\"weight\":0}]}").body()).at("/error/param").asText())
                    .isEqualTo("targets[0].weight");
            assertThat(gw.post("/v2/model-aliases/gpt-4o/releases", body).statusCode()).as("a model id is not an alias").isEqualTo(400);
        }
    }

    @Test
    void aChangedDefinitionGetsANewPlatformReleaseAndOldDecisionsKeepTheirs() throws Exception {
        Path dir = Files.createTempDirectory("zumik-alias-");
        String oldRelease;
        String responseId;
        try (TestGateway gw = TestGateway.start(dir, Map.of())) {
            oldRelease = JSON.readTree(gw.get("/v2/model-aliases/code.fast").body()).get("id").asText();
            responseId = gw.post("/v1/chat/completions", "{\"model\":\"code.fast\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}")
                    .headers().firstValue("agent-response-id").orElseThrow();
        }
        Path config = dir.resolve("zumik.yaml");
        Files.writeString(config, "policy_revision: policy_8\naliases:\n  code.fast:\n    - {provider: xai, model: grok-code-fast-1, weight: 1}\n");
        try (TestGateway gw = TestGateway.start(dir, Map.of("ZUMIK_CONFIG", config.toString()))) {
            JsonNode now = JSON.readTree(gw.get("/v2/model-aliases/code.fast").body());
            assertThat(now.get("id").asText()).isNotEqualTo(oldRelease);
            assertThat(now.get("policy_revision").asText()).isEqualTo("policy_8");
            assertThat(now.at("/targets/0/model").asText()).isEqualTo("grok-code-fast-1");
            JsonNode history = JSON.readTree(gw.get("/v2/model-aliases/code.fast/releases").body()).get("data");
            assertThat(history.get(1).get("id").asText()).isEqualTo(oldRelease);
            assertThat(history.get(1).get("status").asText()).isEqualTo("retired");
            assertThat(history.get(1).at("/targets/0/provider").asText()).as("never rewritten").isEqualTo("openai");
            JsonNode old = JSON.readTree(gw.get("/v2/responses/" + responseId).body());
            assertThat(old.get("alias_release").asText()).isEqualTo(oldRelease);
        }
        Files.writeString(config, "aliases:\n  code.fast: []\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestGateway.start(dir, Map.of("ZUMIK_CONFIG", config.toString())))
                .hasMessageContaining("aliases.code.fast");
        Files.writeString(config, "alias:\n  x: 1\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestGateway.start(dir, Map.of("ZUMIK_CONFIG", config.toString())))
                .hasMessageContaining("unknown key 'alias'");
    }
}
