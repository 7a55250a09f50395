package ai.zumik.byoc;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Replay-gated activation: a completed, signed run with this cluster's model as candidate that
 * meets the criteria activates it (audited, a new alias release with the cluster target, the
 * directory routes to it) and deactivation undoes it with another release; a failed criterion,
 * an unknown latency, another project's run, a tampered report or another candidate are refused
 * with nothing written.
 */
@Timeout(120)
class ByocActivationTest extends ByocFixture {

    /**
     * Five traces that ran on openai/gpt-4o in 2 s each against a 1.5 s deadline: the baseline
     * (that same target) misses every deadline at a real price.
     */
    static String traces() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            out.add("{\"trace_id\":\"t" + i + "\",\"privacy_mode\":\"metadata\",\"request\":{\"model\":\"gpt-4o\",\"deadline_ms\":1500},"
                    + "\"observed\":{\"resolved_target\":\"openai/gpt-4o\",\"ttft_ms\":400,\"latency_ms\":2000,"
                    + "\"input_tokens\":3000,\"output_tokens\":300}}");
        }
        return "[" + String.join(",", out) + "]";
    }

    static String run(String key, String replayClass, String candidate) throws InterruptedException {
        JsonNode run = ok(gw.post("/v2/replay-runs", "{\"replay_class\":\"" + replayClass + "\",\"baseline\":\"openai/gpt-4o\","
                + "\"candidate\":\"" + candidate + "\",\"traces\":" + traces() + "}", key));
        String id = run.get("id").asText();
        long until = System.nanoTime() + 30_000_000_000L;
        while (!run.get("status").asText().equals("completed")) {
            assertThat(run.get("status").asText()).as(run.toString()).isIn("queued", "running");
            assertThat(System.nanoTime()).as("run completes").isLessThan(until);
            Thread.sleep(50);
            run = ok(gw.get("/v2/replay-runs/" + id, key));
        }
        return id;
    }

    static String activation(String model, String run, String extra) {
        return "{\"model\":\"" + model + "\",\"replay_run_id\":\"" + run + "\"" + extra + "}";
    }

    @Test
    void aWinningReplayActivatesTheClusterIntoTheAliasAndTheDirectoryAndDeactivationUndoesIt() throws Exception {
        String key = project("byoc-win");
        String canary = "sk-byoc-win-5c1d9e2f7a";
        String id = register(key, "byoc_epp", canary, LLAMA, "mistralai/Mistral-7B-Instruct");
        String project = ok(gw.get("/v2/byoc/clusters/" + id, key)).get("project_id").asText();
        heartbeat(key, id, "{\"healthy\":true,\"load\":0.3,\"ttft_p50_ms\":150,\"latency_p50_ms\":800}");
        JsonNode before = ok(gw.post("/v2/model-aliases/team.chat/releases",
                "{\"targets\":[{\"provider\":\"openai\",\"model\":\"gpt-4o\",\"weight\":1}]}", key));
        String target = "byoc:" + id + "/" + LLAMA;
        String run = run(key, "provider_comparison", target);
        JsonNode report = ok(gw.get("/v2/replay-runs/" + run + "/report", key));
        assertThat(report.at("/comparison/results/candidate/cost/total_micros").asLong()).as("BYOC at 0 platform cost").isZero();
        assertThat(report.at("/comparison/results/candidate/cost/byoc_zero_cost_traces").asLong()).isEqualTo(5);
        assertThat(report.at("/comparison/results/candidate/latency/latency_p95_ms").asLong()).as("the heartbeat's median").isEqualTo(800);
        assertThat(report.at("/comparison/results/candidate/latency/evidence_level").asText()).isEqualTo("trace_estimated");
        assertThat(report.at("/comparison/results/candidate/reuse/evidence_level").asText()).isEqualTo("unknown");
        assertThat(report.at("/comparison/provenance/byoc").asText()).contains("priced at 0");

        JsonNode a = ok(gw.post("/v2/byoc/clusters/" + id + "/activations", activation(LLAMA, run, ",\"alias\":\"team.chat\",\"weight\":3"),
                key));
        assertThat(a.get("id").asText()).startsWith("bca_");
        assertThat(a.get("status").asText()).isEqualTo("active");
        assertThat(a.get("criteria").toString()).isEqualTo(
                "{\"max_cost_ratio\":1.0,\"max_p95_latency_ratio\":1.1,\"min_qos_attainment_delta\":0.0}");
        assertThat(a.at("/evidence/cost/ratio").asDouble()).isZero();
        assertThat(a.at("/evidence/latency_p95_ms/baseline").asLong()).isEqualTo(2000);
        assertThat(a.at("/evidence/latency_p95_ms/candidate").asLong()).isEqualTo(800);
        assertThat(a.at("/evidence/latency_p95_ms/ratio").asDouble()).isEqualTo(0.4);
        assertThat(a.at("/evidence/qos_attainment/delta").asDouble()).isEqualTo(1.0);
        assertThat(a.at("/evidence/comparison_digest").asText()).isEqualTo(report.get("comparison_digest").asText());

        JsonNode release = ok(gw.get("/v2/model-aliases/team.chat", key));
        assertThat(release.get("id").asText()).isEqualTo(a.get("alias_release_id").asText()).isNotEqualTo(before.get("id").asText());
        assertThat(release.get("targets")).hasSize(2);
        assertThat(release.at("/targets/0/model").asText()).isEqualTo("gpt-4o");
        JsonNode added = release.at("/targets/1");
        assertThat(added.get("execution_profile").asText()).isEqualTo("byoc_epp");
        assertThat(added.get("cluster_id").asText()).isEqualTo(id);
        assertThat(added.get("model").asText()).isEqualTo(LLAMA);
        assertThat(added.get("weight").asInt()).isEqualTo(3);

        // A chat request through the alias is answered (routing is covered by HybridRoutingTest).
        assertThat(gw.post("/v1/chat/completions", "{\"model\":\"team.chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                key).statusCode()).isEqualTo(200);

        List<JsonNode> created = audit(key, "byoc.activation_created", 1);
        assertThat(created).hasSize(1);
        assertThat(created.getFirst().at("/details/activation_id").asText()).isEqualTo(a.get("id").asText());
        assertThat(created.getFirst().at("/details/alias_release_id").asText()).isEqualTo(release.get("id").asText());
        assertThat(created.getFirst().at("/details/evidence/latency_p95_ms/ratio").asDouble()).isEqualTo(0.4);

        // Routing's view: this model on this cluster, nothing else; the key opens for a call to the cluster.
        List<LiveCluster> live = gw.zumik().clusterDirectory().activeFor(project, LLAMA);
        assertThat(live).extracting(LiveCluster::id).containsExactly(id);
        assertThat(live.getFirst().activeModels()).containsExactly(LLAMA);
        assertThat(gw.zumik().clusterDirectory().activeFor(project, "mistralai/Mistral-7B-Instruct")).as("not activated").isEmpty();
        assertThat(gw.zumik().clusterDirectory().activeFor("prj_someone_else", LLAMA)).isEmpty();
        TestGateway.send(HttpRequest.newBuilder(URI.create(live.getFirst().baseUrl() + "/chat/completions"))
                .header("authorization", "Bearer " + live.getFirst().apiKey().open()).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + LLAMA + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build());
        assertThat(cluster.lastRequest().headers().get("authorization")).isEqualTo("Bearer " + canary);

        // The alias's routing is replayable with the cluster in it.
        JsonNode sim = ok(gw.post("/v2/replay-runs", "{\"replay_class\":\"routing_simulation\",\"baseline\":\"team.chat\","
                + "\"candidate\":\"openai/gpt-4o\",\"traces\":" + traces() + "}", key));
        JsonNode simReport = ok(gw.get("/v2/replay-runs/" + sim.get("id").asText() + "/report", key));
        assertThat(simReport.at("/comparison/results/baseline/targets").has(target)).as(simReport.toString()).isTrue();

        assertThat(error(gw.post("/v2/byoc/clusters/" + id + "/activations", activation(LLAMA, run, ""), key), 409)
                .get("code").asText()).isEqualTo("activation_exists");
        assertThat(error(gw.delete("/v2/byoc/clusters/" + id, key), 409).get("code").asText()).isEqualTo("cluster_has_active_activations");

        JsonNode off = ok(gw.delete("/v2/byoc/clusters/" + id + "/activations/" + a.get("id").asText(), key));
        assertThat(off.get("status").asText()).isEqualTo("deactivated");
        JsonNode after = ok(gw.get("/v2/model-aliases/team.chat", key));
        assertThat(after.get("id").asText()).isEqualTo(off.get("deactivation_release_id").asText()).isNotEqualTo(release.get("id").asText());
        assertThat(after.get("targets")).isEqualTo(before.get("targets"));
        assertThat(gw.zumik().clusterDirectory().activeFor(project, LLAMA)).isEmpty();
        assertThat(audit(key, "byoc.activation_deactivated", 1)).hasSize(1);
        assertThat(ok(gw.get("/v2/model-aliases/team.chat/releases", key)).get("data")).as("three releases, newest first").hasSize(3);
        assertThat(ok(gw.get("/v2/byoc/clusters/" + id + "/activations", key)).get("data")).hasSize(1);
        assertThat(ok(gw.delete("/v2/byoc/clusters/" + id + "/activations/" + a.get("id").asText(), key)).get("deactivation_release_id")
                .asText()).as("again: unchanged").isEqualTo(off.get("deactivation_release_id").asText());
        assertThat(ok(gw.delete("/v2/byoc/clusters/" + id, key)).get("deleted").asBoolean()).isTrue();
    }

    @Test
    void aCriterionTheReportFailsIsA409NamingItAndItsNumbersAndNothingIsWritten() throws Exception {
        String key = project("byoc-fail");
        String id = register(key, "byoc_dynamo", "sk-fail-123456789", LLAMA);
        heartbeat(key, id, "{\"healthy\":true,\"load\":0.3,\"latency_p50_ms\":800}");
        JsonNode before = ok(gw.post("/v2/model-aliases/team.fail/releases",
                "{\"targets\":[{\"provider\":\"openai\",\"model\":\"gpt-4o\",\"weight\":1}]}", key));
        String run = run(key, "provider_comparison", "byoc:" + id + "/" + LLAMA);

        JsonNode err = error(gw.post("/v2/byoc/clusters/" + id + "/activations", activation(LLAMA, run,
                ",\"alias\":\"team.fail\",\"criteria\":{\"max_p95_latency_ratio\":0.1}"), key), 409);
        assertThat(err.get("code").asText()).isEqualTo("activation_criteria_not_met");
        assertThat(err.get("param").asText()).isEqualTo("criteria.max_p95_latency_ratio");
        assertThat(err.get("message").asText()).contains("max_p95_latency_ratio", "800 ms", "0.4", "2000 ms", "0.1");
        assertThat(err.at("/evidence/failed_criteria").toString()).isEqualTo("[\"max_p95_latency_ratio\"]");

        assertThat(ok(gw.get("/v2/byoc/clusters/" + id + "/activations", key)).get("data")).as("nothing written").isEmpty();
        String project = ok(gw.get("/v2/byoc/clusters/" + id, key)).get("project_id").asText();
        assertThat(gw.zumik().clusterDirectory().activeFor(project, LLAMA)).isEmpty();
        assertThat(ok(gw.get("/v2/model-aliases/team.fail", key)).get("id").asText()).as("alias untouched").isEqualTo(before.get("id").asText());
        assertThat(audit(key, "byoc.activation_refused", 1).getFirst().at("/details/code").asText())
                .isEqualTo("activation_criteria_not_met");
    }

    @Test
    void anUnknownLatencyCannotPassALatencyCriterion() throws Exception {
        String key = project("byoc-unknown");
        String id = register(key, "byoc_epp", "sk-unknown-123456789", LLAMA);
        heartbeat(key, id, "{\"healthy\":true,\"load\":0.3}");
        String run = run(key, "provider_comparison", "byoc:" + id + "/" + LLAMA);
        JsonNode report = ok(gw.get("/v2/replay-runs/" + run + "/report", key));
        assertThat(report.at("/comparison/results/candidate/latency/evidence_level").asText()).isEqualTo("unknown");
        assertThat(report.at("/comparison/results/candidate/latency/latency_p95_ms").isNull()).isTrue();

        JsonNode err = error(gw.post("/v2/byoc/clusters/" + id + "/activations", activation(LLAMA, run, ""), key), 409);
        assertThat(err.get("code").asText()).isEqualTo("activation_latency_unknown");
        assertThat(err.get("param").asText()).isEqualTo("criteria.max_p95_latency_ratio");
        assertThat(err.get("message").asText()).contains("unknown for 5 traces", "latency_p50_ms");
        assertThat(err.at("/evidence/latency_p95_ms/candidate_evidence_level").asText()).isEqualTo("unknown");

        // Latency (and with it QoS) skipped on purpose: cost alone decides, and the activation says so.
        JsonNode a = ok(gw.post("/v2/byoc/clusters/" + id + "/activations", activation(LLAMA, run,
                ",\"criteria\":{\"max_p95_latency_ratio\":null,\"min_qos_attainment_delta\":null}"), key));
        assertThat(a.at("/criteria/max_p95_latency_ratio").isNull()).isTrue();
        assertThat(a.at("/criteria/max_cost_ratio").asDouble()).isEqualTo(1.0);
        assertThat(a.get("alias_release_id").isNull()).as("no alias, no release").isTrue();
    }

    @Test
    void onlyAVerifiedCompletedRunOfThisProjectWithThisCandidateCanActivate() throws Exception {
        String key = project("byoc-gate");
        String other = project("byoc-gate-other");
        String id = register(key, "byoc_epp", "sk-gate-123456789", LLAMA, "m/two");
        heartbeat(key, id, "{\"healthy\":true,\"load\":0.3,\"latency_p50_ms\":800}");
        String theirCluster = register(other, "byoc_epp", "sk-other-123456789", LLAMA);
        heartbeat(other, theirCluster, "{\"healthy\":true,\"load\":0.3,\"latency_p50_ms\":800}");
        String theirRun = run(other, "provider_comparison", "byoc:" + theirCluster + "/" + LLAMA);
        assertThat(error(gw.post("/v2/byoc/clusters/" + id + "/activations", activation(LLAMA, theirRun, ""), key), 404)
                .get("message").asText()).contains(theirRun);
        error(gw.post("/v2/byoc/clusters/" + theirCluster + "/activations", activation(LLAMA, theirRun, ""), key), 404);

        // The replay itself refuses a cluster that is not the project's, or a model it does not serve.
        JsonNode bad = error(gw.post("/v2/replay-runs", "{\"replay_class\":\"provider_comparison\",\"baseline\":\"managed\","
                + "\"candidate\":\"byoc:" + theirCluster + "/" + LLAMA + "\",\"traces\":" + traces() + "}", key), 400);
        assertThat(bad.get("param").asText()).isEqualTo("candidate");
        assertThat(error(gw.post("/v2/replay-runs", "{\"replay_class\":\"provider_comparison\",\"baseline\":\"byoc:" + id
                + "/m/three\",\"candidate\":\"managed\",\"traces\":" + traces() + "}", key), 400).get("param").asText())
                .isEqualTo("baseline");

        String otherModel = run(key, "provider_comparison", "byoc:" + id + "/m/two");
        assertThat(error(gw.post("/v2/byoc/clusters/" + id + "/activations", activation(LLAMA, otherModel, ""), key), 409)
                .get("code").asText()).isEqualTo("replay_candidate_mismatch");
        String managed = run(key, "provider_comparison", "openai/gpt-4o-mini");
        assertThat(error(gw.post("/v2/byoc/clusters/" + id + "/activations", activation(LLAMA, managed, ""), key), 409)
                .get("code").asText()).isEqualTo("replay_candidate_mismatch");
        String simulation = run(key, "routing_simulation", "byoc:" + id + "/" + LLAMA);
        JsonNode err = error(gw.post("/v2/byoc/clusters/" + id + "/activations", activation(LLAMA, simulation, ""), key), 409);
        assertThat(err.get("code").asText()).isEqualTo("activation_latency_unknown");
        assertThat(err.get("message").asText()).contains("a routing_simulation replay measures no latency");

        String queued = ok(gw.post("/v2/replay-runs", "{\"replay_class\":\"provider_comparison\",\"baseline\":\"openai/gpt-4o\","
                + "\"candidate\":\"byoc:" + id + "/" + LLAMA + "\",\"scheduled_for\":4102444800,\"traces\":" + traces() + "}", key))
                .get("id").asText();
        assertThat(error(gw.post("/v2/byoc/clusters/" + id + "/activations", activation(LLAMA, queued, ""), key), 409)
                .get("code").asText()).isEqualTo("replay_run_not_completed");

        // A report altered after signing no longer verifies: its numbers cannot activate anything.
        String good = run(key, "provider_comparison", "byoc:" + id + "/" + LLAMA);
        gw.zumik().database().call(c -> {
            try (var ps = c.prepareStatement("UPDATE replay_runs SET report = REPLACE(report, '\"latency_p95_ms\":2000', "
                    + "'\"latency_p95_ms\":2001') WHERE id = ?")) {
                ps.setString(1, good);
                return ps.executeUpdate();
            }
        });
        assertThat(error(gw.post("/v2/byoc/clusters/" + id + "/activations", activation(LLAMA, good, ""), key), 409)
                .get("code").asText()).isEqualTo("replay_report_unverified");
        assertThat(ok(gw.get("/v2/byoc/clusters/" + id + "/activations", key)).get("data")).as("nothing written").isEmpty();
    }
}
