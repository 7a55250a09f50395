package ai.zumik.byoc;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.ids.Ids;
import ai.zumik.inference.ExecutionProfile;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The cluster registry through the API: register, list, get, delete within a project; a 400 naming
 * the parameter for every bad input with nothing written; the SSRF rule on base URLs; the API key
 * never leaving its seal except through {@link ClusterKey#open()}; rotation by heartbeat and time;
 * alias targets naming a cluster checked against the project.
 */
@Timeout(120)
class ByocRegistryTest extends ByocFixture {

    @Test
    void aClusterIsRegisteredListedReadAndDeletedWithinItsProjectOnly() {
        String key = project("byoc-crud");
        String other = project("byoc-crud-other");
        JsonNode c = ok(gw.post("/v2/byoc/clusters", "{\"name\":\"east pool\",\"base_url\":\"" + cluster.baseUrl() + "/\","
                + "\"api_key\":\"sk-cluster-1234567890\",\"flavour\":\"byoc_dynamo\",\"models\":[\"" + LLAMA + "\"],"
                + "\"region\":\"us-east-1\"}", key));
        String id = c.get("id").asText();
        assertThat(Ids.isValid(id, "bcl_")).as(id).isTrue();
        assertThat(c.get("object").asText()).isEqualTo("byoc_cluster");
        assertThat(c.get("base_url").asText()).as("normalized, no trailing slash").isEqualTo(cluster.baseUrl());
        assertThat(c.get("flavour").asText()).isEqualTo("byoc_dynamo");
        assertThat(c.get("models").toString()).isEqualTo("[\"" + LLAMA + "\"]");
        assertThat(c.get("region").asText()).isEqualTo("us-east-1");
        assertThat(c.get("api_key_fingerprint").asText()).matches("zfp_[0-9a-f]{16}");
        assertThat(c.get("in_rotation").asBoolean()).as("no heartbeat yet").isFalse();
        assertThat(c.get("heartbeat").isNull()).isTrue();
        assertThat(c.get("heartbeat_timeout_ms").asLong()).isEqualTo(TIMEOUT_MS);

        assertThat(ok(gw.get("/v2/byoc/clusters/" + id, key))).isEqualTo(c);
        assertThat(ok(gw.get("/v2/byoc/clusters", key)).get("data")).containsExactly(c);
        assertThat(ok(gw.get("/v2/byoc/clusters", other)).get("data")).isEmpty();
        error(gw.get("/v2/byoc/clusters/" + id, other), 404);
        error(gw.delete("/v2/byoc/clusters/" + id, other), 404);
        error(gw.post("/v2/byoc/clusters/" + id + "/heartbeat", "{\"healthy\":true,\"load\":0.1}", other), 404);
        assertThat(gw.zumik().clusterDirectory().byId("prj_other", id)).as("the directory checks the project too").isEmpty();

        JsonNode deleted = ok(gw.delete("/v2/byoc/clusters/" + id, key));
        assertThat(deleted.get("deleted").asBoolean()).isTrue();
        error(gw.get("/v2/byoc/clusters/" + id, key), 404);
        error(gw.delete("/v2/byoc/clusters/" + id, key), 404);
        assertThat(ok(gw.get("/v2/byoc/clusters", key)).get("data")).isEmpty();
    }

    @Test
    void badInputIsA400NamingTheParameterAndWritesNothing() {
        String key = project("byoc-bad");
        String url = "\"base_url\":\"" + cluster.baseUrl() + "\"";
        String rest = "\"api_key\":\"sk-x-123456789\",\"flavour\":\"byoc_epp\",\"models\":[\"m/a\"],\"region\":\"eu-west-1\"";
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{" + url + "," + rest + "}", "name");
        cases.put("{\"name\":\"\"," + url + "," + rest + "}", "name");
        cases.put("{\"name\":42," + url + "," + rest + "}", "name");
        cases.put("{\"name\":\"n\"," + rest + "}", "base_url");
        cases.put("{\"name\":\"n\",\"base_url\":\"ftp://x.example.com\"," + rest + "}", "base_url");
        cases.put("{\"name\":\"n\"," + url + ",\"flavour\":\"byoc_epp\",\"models\":[\"m/a\"],\"region\":\"eu\"}", "api_key");
        cases.put("{\"name\":\"n\"," + url + ",\"api_key\":\"has space\",\"flavour\":\"byoc_epp\",\"models\":[\"m/a\"],"
                + "\"region\":\"eu\"}", "api_key");
        cases.put("{\"name\":\"n\"," + url + "," + rest.replace("byoc_epp", "byok") + "}", "flavour");
        cases.put("{\"name\":\"n\"," + url + "," + rest.replace("byoc_epp", "managed_provider") + "}", "flavour");
        cases.put("{\"name\":\"n\"," + url + "," + rest.replace("[\"m/a\"]", "[]") + "}", "models");
        cases.put("{\"name\":\"n\"," + url + "," + rest.replace("[\"m/a\"]", "\"m/a\"") + "}", "models");
        cases.put("{\"name\":\"n\"," + url + "," + rest.replace("[\"m/a\"]", "[\"m/a\",7]") + "}", "models[1]");
        cases.put("{\"name\":\"n\"," + url + "," + rest.replace("[\"m/a\"]", "[\"m/a\",\"m/a\"]") + "}", "models[1]");
        cases.put("{\"name\":\"n\"," + url + "," + rest.replace("[\"m/a\"]", "[\"has space\"]") + "}", "models[0]");
        cases.put("{\"name\":\"n\"," + url + "," + rest.replace("eu-west-1", "EU West") + "}", "region");
        cases.put("{\"name\":\"n\"," + url + "," + rest.replace(",\"region\":\"eu-west-1\"", "") + "}", "region");
        cases.put("{\"name\":\"n\"," + url + "," + rest + ",\"gpu\":\"h100\"}", "gpu");
        for (var e : cases.entrySet()) {
            JsonNode err = error(gw.post("/v2/byoc/clusters", e.getKey(), key), 400);
            assertThat(err.get("param").asText()).as(e.getKey()).isEqualTo(e.getValue());
            assertThat(err.get("message").asText()).as(e.getKey()).contains(e.getValue());
        }
        assertThat(ok(gw.get("/v2/byoc/clusters", key)).get("data")).as("nothing written").isEmpty();

        String id = register(key, "byoc_epp", "sk-x-123456789", "m/a");
        Map<String, String> beats = new LinkedHashMap<>();
        beats.put("{\"load\":0.5}", "healthy");
        beats.put("{\"healthy\":\"yes\",\"load\":0.5}", "healthy");
        beats.put("{\"healthy\":true}", "load");
        beats.put("{\"healthy\":true,\"load\":1.5}", "load");
        beats.put("{\"healthy\":true,\"load\":-0.1}", "load");
        beats.put("{\"healthy\":true,\"load\":0.5,\"queue_depth\":-1}", "queue_depth");
        beats.put("{\"healthy\":true,\"load\":0.5,\"models\":[1]}", "models[0]");
        beats.put("{\"healthy\":true,\"load\":0.5,\"latency_p50_ms\":\"fast\"}", "latency_p50_ms");
        beats.put("{\"healthy\":true,\"load\":0.5,\"temperature\":60}", "temperature");
        for (var e : beats.entrySet()) {
            JsonNode err = error(gw.post("/v2/byoc/clusters/" + id + "/heartbeat", e.getKey(), key), 400);
            assertThat(err.get("param").asText()).as(e.getKey()).isEqualTo(e.getValue());
        }
        assertThat(ok(gw.get("/v2/byoc/clusters/" + id, key)).get("heartbeat").isNull()).as("no heartbeat recorded").isTrue();

        Map<String, String> activations = new LinkedHashMap<>();
        activations.put("{\"replay_run_id\":\"rpl_x\"}", "model");
        activations.put("{\"model\":\"m/a\"}", "replay_run_id");
        activations.put("{\"model\":\"m/b\",\"replay_run_id\":\"rpl_x\"}", "model");
        activations.put("{\"model\":\"m/a\",\"replay_run_id\":\"rpl_x\",\"alias\":\"Not Valid\"}", "alias");
        activations.put("{\"model\":\"m/a\",\"replay_run_id\":\"rpl_x\",\"weight\":5}", "weight");
        activations.put("{\"model\":\"m/a\",\"replay_run_id\":\"rpl_x\",\"alias\":\"a.b\",\"weight\":0}", "weight");
        activations.put("{\"model\":\"m/a\",\"replay_run_id\":\"rpl_x\",\"criteria\":{\"max_cost_ratio\":\"low\"}}",
                "criteria.max_cost_ratio");
        activations.put("{\"model\":\"m/a\",\"replay_run_id\":\"rpl_x\",\"criteria\":{\"min_qos_attainment_delta\":2}}",
                "criteria.min_qos_attainment_delta");
        activations.put("{\"model\":\"m/a\",\"replay_run_id\":\"rpl_x\",\"criteria\":{\"max_ttft\":1}}", "criteria.max_ttft");
        for (var e : activations.entrySet()) {
            JsonNode err = error(gw.post("/v2/byoc/clusters/" + id + "/activations", e.getKey(), key), 400);
            assertThat(err.get("param").asText()).as(e.getKey()).isEqualTo(e.getValue());
        }
        assertThat(ok(gw.get("/v2/byoc/clusters/" + id + "/activations", key)).get("data")).isEmpty();
    }

    @Test
    void baseUrlsFollowTheSsrfRuleAndPrivateRangesNeedTheOperatorsConsent() {
        String key = project("byoc-ssrf");
        String rest = ",\"api_key\":\"sk-x-123456789\",\"flavour\":\"byoc_epp\",\"models\":[\"m/a\"],\"region\":\"us\"}";
        // This gateway allows private upstreams: metadata, link-local and user-info are still refused.
        for (String url : List.of("http://169.254.169.254/latest", "http://metadata.google.internal", "http://[fe80::1]:80",
                "http://[::ffff:169.254.169.254]", "http://0.0.0.0:8000", "https://user:pw@byoc.example.com")) {
            JsonNode err = error(gw.post("/v2/byoc/clusters", "{\"name\":\"n\",\"base_url\":\"" + url + "\"" + rest, key), 400);
            assertThat(err.get("param").asText()).isEqualTo("base_url");
            assertThat(err.get("code").asText()).as(url).isEqualTo("upstream_not_allowed");
            assertThat(err.get("message").asText()).as("the URL is not echoed").doesNotContain("pw@");
        }
        JsonNode malformed = error(gw.post("/v2/byoc/clusters", "{\"name\":\"n\",\"base_url\":\"gopher://x.example.com\"" + rest, key), 400);
        assertThat(malformed.get("code").asText()).isEqualTo("invalid_value");
        assertThat(ok(gw.post("/v2/byoc/clusters", "{\"name\":\"n\",\"base_url\":\"http://10.0.0.7:8000/v1\"" + rest, key))
                .get("base_url").asText()).isEqualTo("http://10.0.0.7:8000/v1");

        try (TestGateway strict = TestGateway.start("ZUMIK_BYOC_HEARTBEAT_TIMEOUT_MS", "1000")) {
            for (String url : List.of("http://127.0.0.1:8000", "http://localhost:8000", "http://10.0.0.7", "http://192.168.1.2",
                    "http://[::1]", "http://2130706433")) {
                HttpResponse<String> r = strict.post("/v2/byoc/clusters", "{\"name\":\"n\",\"base_url\":\"" + url + "\"" + rest);
                JsonNode err = error(r, 400);
                assertThat(err.get("param").asText()).as(url).isEqualTo("base_url");
            }
            assertThat(error(strict.post("/v2/byoc/clusters", "{\"name\":\"n\",\"base_url\":\"http://10.0.0.7\"" + rest), 400)
                    .get("message").asText()).contains("ZUMIK_ALLOW_PRIVATE_UPSTREAMS=true");
            // The host is resolved and every address checked: a name that resolves nowhere is refused, so the public URL
            // that passes is an address literal (TEST-NET-3), which needs no DNS.
            JsonNode unresolved = error(strict.post("/v2/byoc/clusters", "{\"name\":\"n\",\"base_url\":\"https://nowhere.invalid/v1\""
                    + rest), 400);
            assertThat(unresolved.get("param").asText()).isEqualTo("base_url");
            assertThat(unresolved.get("code").asText()).isEqualTo("invalid_value");
            assertThat(unresolved.get("message").asText()).contains("does not resolve");
            assertThat(ok(strict.post("/v2/byoc/clusters", "{\"name\":\"n\",\"base_url\":\"https://203.0.113.10/v1\"" + rest))
                    .get("base_url").asText()).isEqualTo("https://203.0.113.10/v1");
        }
    }

    @Test
    void theApiKeyIsSealedShownOnlyAsAFingerprintAndOpensOnlyForACall() throws Exception {
        String key = project("byoc-canary");
        String canary = "sk-byoc-CANARY-7f3a9c1e5d2b4680";
        String id = register(key, "byoc_epp", canary, LLAMA);
        StringBuilder seen = new StringBuilder();
        seen.append(ok(gw.get("/v2/byoc/clusters/" + id, key)));
        seen.append(ok(gw.get("/v2/byoc/clusters", key)));
        seen.append(heartbeat(key, id, "{\"healthy\":true,\"load\":0.2}"));
        seen.append(gw.post("/v2/byoc/clusters/" + id + "/activations", "{\"model\":\"" + LLAMA + "\",\"replay_run_id\":\"rpl_nope\"}",
                key).body());
        seen.append(ok(gw.get("/v2/audit-events", key)));
        // A malformed body is refused without the parser's excerpt, which would quote an unquoted key.
        seen.append(error(gw.post("/v2/byoc/clusters", "{\"name\":\"x\",\"api_key\":CANARYbare7f3a9c}", key), 400));
        String fingerprint = ok(gw.get("/v2/byoc/clusters/" + id, key)).get("api_key_fingerprint").asText();
        String again = register(key, "byoc_epp", canary, LLAMA);
        assertThat(ok(gw.get("/v2/byoc/clusters/" + again, key)).get("api_key_fingerprint").asText())
                .as("the same key, the same fingerprint").isEqualTo(fingerprint);
        assertThat(ok(gw.get("/v2/byoc/clusters/" + register(key, "byoc_epp", canary + "x", LLAMA), key))
                .get("api_key_fingerprint").asText()).isNotEqualTo(fingerprint);
        assertThat(seen.toString()).contains(fingerprint).doesNotContain(canary).doesNotContain("CANARY");

        LiveCluster live = gw.zumik().clusterDirectory().byId(ok(gw.get("/v2/byoc/clusters/" + id, key)).get("project_id").asText(), id)
                .orElseThrow();
        assertThat(live.toString()).doesNotContain(canary).contains(fingerprint);
        assertThat(live.apiKey().open()).isEqualTo(canary);

        // Nothing at rest holds it: the database, its WAL and the access log are all under the data directory.
        try (Stream<Path> files = Files.walk(gw.dataDir())) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String bytes = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                assertThat(bytes).as(f.toString()).doesNotContain("CANARY");
            }
        }
    }

    @Test
    void aHealthyHeartbeatPutsAClusterInRotationAndAMissedOneTakesItOutByTime() throws Exception {
        String key = project("byoc-rotation");
        String id = register(key, "byoc_dynamo", "sk-rot-123456789", LLAMA);
        String project = ok(gw.get("/v2/byoc/clusters/" + id, key)).get("project_id").asText();
        ClusterDirectory directory = gw.zumik().clusterDirectory();
        assertThat(directory.byId(project, id).orElseThrow().inRotation()).isFalse();

        JsonNode beat = heartbeat(key, id, "{\"healthy\":true,\"load\":0.35,\"queue_depth\":4,\"cached_tokens_reporting\":true,"
                + "\"models\":[\"" + LLAMA + "\"],\"ttft_p50_ms\":120,\"latency_p50_ms\":900}");
        assertThat(beat.get("in_rotation").asBoolean()).as("at once on the replica that took it").isTrue();
        assertThat(beat.at("/heartbeat/load").asDouble()).isEqualTo(0.35);
        assertThat(beat.at("/heartbeat/queue_depth").asLong()).isEqualTo(4);
        assertThat(beat.at("/heartbeat/latency_p50_ms").asLong()).isEqualTo(900);
        LiveCluster live = directory.byId(project, id).orElseThrow();
        assertThat(live.inRotation()).isTrue();
        assertThat(live.load()).isEqualTo(0.35);
        assertThat(live.flavour()).isEqualTo(ExecutionProfile.BYOC_DYNAMO);
        assertThat(live.baseUrl()).isEqualTo(cluster.baseUrl());

        Thread.sleep(TIMEOUT_MS + 200);
        assertThat(ok(gw.get("/v2/byoc/clusters/" + id, key)).get("in_rotation").asBoolean()).as("missed: out by time alone").isFalse();
        assertThat(directory.byId(project, id).orElseThrow().inRotation()).isFalse();

        assertThat(heartbeat(key, id, "{\"healthy\":true,\"load\":0.1}").get("in_rotation").asBoolean()).as("back").isTrue();
        assertThat(heartbeat(key, id, "{\"healthy\":false,\"load\":0.1}").get("in_rotation").asBoolean()).as("unhealthy").isFalse();
        assertThat(heartbeat(key, id, "{\"healthy\":true,\"load\":0.9}").get("in_rotation").asBoolean()).isTrue();
        assertThat(directory.activeFor(project, LLAMA)).as("in rotation, but no activation yet").isEmpty();
    }

    @Test
    void anAliasTargetNamingAClusterIsCheckedAgainstTheProjectAndKeepsItsClusterId() {
        String key = project("byoc-alias");
        String other = project("byoc-alias-other");
        String mine = register(key, "byoc_epp", "sk-a-123456789", LLAMA);
        String theirs = register(other, "byoc_epp", "sk-b-123456789", LLAMA);
        String target = "{\"targets\":[{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\",\"weight\":1},"
                + "{\"execution_profile\":\"%s\",\"model\":\"%s\",\"cluster_id\":\"%s\",\"weight\":3}]}";
        JsonNode err = error(gw.post("/v2/model-aliases/team.fast/releases", target.formatted("byoc_epp", LLAMA, theirs), key), 400);
        assertThat(err.get("param").asText()).isEqualTo("targets[1].cluster_id");
        assertThat(err.get("message").asText()).contains("no BYOC cluster");
        assertThat(error(gw.post("/v2/model-aliases/team.fast/releases", target.formatted("byoc_dynamo", LLAMA, mine), key), 400)
                .get("message").asText()).contains("byoc_epp");
        assertThat(error(gw.post("/v2/model-aliases/team.fast/releases", target.formatted("byoc_epp", "other/model", mine), key), 400)
                .get("param").asText()).isEqualTo("targets[1].cluster_id");
        assertThat(error(gw.post("/v2/model-aliases/team.fast/releases", target.formatted("managed_provider", LLAMA, mine), key), 400)
                .get("param").asText()).isEqualTo("targets[1].execution_profile");
        error(gw.get("/v2/model-aliases/team.fast", key), 404);

        JsonNode release = ok(gw.post("/v2/model-aliases/team.fast/releases", target.formatted("byoc_epp", LLAMA, mine), key));
        JsonNode t = release.at("/targets/1");
        assertThat(t.get("cluster_id").asText()).isEqualTo(mine);
        assertThat(t.get("execution_profile").asText()).isEqualTo("byoc_epp");
        assertThat(t.get("provider").asText()).as("the protocol a cluster speaks").isEqualTo("openai");
        assertThat(release.at("/targets/0").has("cluster_id")).as("absent on a managed target").isFalse();
        assertThat(ok(gw.get("/v2/model-aliases/team.fast", key)).get("targets")).isEqualTo(release.get("targets"));
    }
}
