package ai.zumik.byoc;

import static ai.zumik.testing.Replies.ok;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hybrid routing: an alias whose release holds an activated cluster target sends its traffic to
 * the cluster while it is healthy, and overflows to the release's managed target — with reason
 * {@code byoc_overflow} and the cluster's state in the routing decision — when the cluster is down,
 * saturated, too slow for the deadline, or fails under load, without failing a request.
 */
@Timeout(120)
class HybridRoutingTest {
    static final String LLAMA = "meta-llama/Llama-3.1-8B-Instruct";
    static final String CLUSTER_KEY = "sk-cluster-hybrid-7f3a9c";
    static final AtomicBoolean clusterBroken = new AtomicBoolean();
    static final AtomicInteger clusterCalls = new AtomicInteger();
    static FakeProvider managed;
    static FakeProvider cluster;
    static TestGateway gw;
    static String key;
    static String clusterId;

    @BeforeAll
    static void start() throws Exception {
        managed = FakeProvider.start();
        cluster = FakeProvider.start("/v1", r -> {
            clusterCalls.incrementAndGet();
            return clusterBroken.get() ? new Script.Reset() : FakeProvider.echo(r);
        });
        gw = TestGateway.start("OPENAI_BASE_URL", managed.baseUrl(), "OPENAI_API_KEY", "sk-managed-account",
                "ZUMIK_MASTER_KEY", ai.zumik.secrets.MasterKey.generateEncoded(), "ZUMIK_ALLOW_PRIVATE_UPSTREAMS", "true",
                "ZUMIK_BYOC_HEARTBEAT_TIMEOUT_MS", "1500", "ZUMIK_CIRCUIT_OPEN_MS", "300");
        key = ok(gw.post("/v2/projects", "{\"name\":\"hybrid\"}")).at("/admin_key/key").asText();
        clusterId = ok(gw.post("/v2/byoc/clusters", "{\"name\":\"gpu pool\",\"base_url\":\"" + cluster.baseUrl() + "\","
                + "\"api_key\":\"" + CLUSTER_KEY + "\",\"flavour\":\"byoc_dynamo\",\"models\":[\"" + LLAMA + "\"],"
                + "\"region\":\"us\"}", key)).get("id").asText();
        heartbeat(0.2, 100);
        ok(gw.post("/v2/model-aliases/hot/releases", "{\"targets\":[{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\","
                + "\"weight\":1}]}", key));
        String traces = "[{\"trace_id\":\"t1\",\"privacy_mode\":\"metadata\",\"request\":{\"model\":\"hot\"},"
                + "\"observed\":{\"resolved_target\":\"openai/gpt-4o-mini\",\"latency_ms\":900,\"input_tokens\":100}}]";
        String run = ok(gw.post("/v2/replay-runs", "{\"replay_class\":\"routing_simulation\",\"baseline\":\"managed\","
                + "\"candidate\":\"byoc:" + clusterId + "/" + LLAMA + "\",\"traces\":" + traces + "}", key)).get("id").asText();
        ok(gw.post("/v2/byoc/clusters/" + clusterId + "/activations", "{\"model\":\"" + LLAMA + "\",\"replay_run_id\":\"" + run
                + "\",\"alias\":\"hot\",\"weight\":1,\"criteria\":{\"max_cost_ratio\":null,\"max_p95_latency_ratio\":null,"
                + "\"min_qos_attainment_delta\":null}}", key));
    }

    @AfterAll
    static void stop() {
        gw.close();
        managed.close();
        cluster.close();
    }

    @BeforeEach
    void healthy() throws InterruptedException {
        clusterBroken.set(false);
        Thread.sleep(350); // a circuit the load test opened on the cluster has closed again
        managed.reset();
        cluster.reset();
        clusterCalls.set(0);
        heartbeat(0.2, 100);
    }

    static void heartbeat(double load, long latencyP50) {
        ok(gw.post("/v2/byoc/clusters/" + clusterId + "/heartbeat", "{\"healthy\":true,\"load\":" + load
                + ",\"latency_p50_ms\":" + latencyP50 + "}", key));
    }

    static JsonNode respond(String qos) {
        return ok(gw.post("/v2/responses", "{\"model\":\"hot\",\"input\":\"hello\"" + qos + "}", key));
    }

    static String verdictOfCluster(JsonNode response) {
        for (JsonNode c : response.at("/routing_decision/candidates")) {
            if (clusterId.equals(c.path("cluster_id").asText())) return c.path("reason").asText();
        }
        throw new AssertionError("no cluster candidate in " + response.get("routing_decision"));
    }

    @Test
    void aHealthyActiveClusterServesItsHotPathWithItsOwnKey() {
        // The cluster target weighs 1 against the managed target's 100: it still goes first, as the hot path.
        for (int i = 0; i < 5; i++) assertThat(respond("").get("execution_profile").asText()).isEqualTo("byoc_dynamo");
        cluster.reset();
        JsonNode r = respond("");
        assertThat(r.get("execution_profile").asText()).isEqualTo("byoc_dynamo");
        assertThat(r.at("/qos_outcome/reason_code").asText()).isEqualTo("ok");
        assertThat(cluster.requests()).hasSize(1);
        assertThat(cluster.lastRequest().headers().get("authorization")).isEqualTo("Bearer " + CLUSTER_KEY);
        assertThat(cluster.lastRequest().json().get("model").asText()).isEqualTo(LLAMA);
        assertThat(managed.requests()).as("the hot path never touches the managed account").isEmpty();
        assertThat(r.at("/reuse/reuse_evidence_level").asText()).as("the cluster's own counter").isEqualTo("runtime_confirmed");
        assertThat(r.at("/reuse/cache_tier").asText()).isEqualTo("gpu");
    }

    @Test
    void aSaturatedClusterOverflowsToManagedWithTheReason() {
        heartbeat(0.95, 100);
        JsonNode r = respond("");
        assertThat(r.get("execution_profile").asText()).isEqualTo("managed_provider");
        assertThat(r.at("/qos_outcome/reason_code").asText()).isEqualTo("byoc_overflow");
        assertThat(verdictOfCluster(r)).isEqualTo("cluster_saturated");
        assertThat(cluster.requests()).isEmpty();
        assertThat(managed.requests()).hasSize(1);
    }

    @Test
    void aClusterThatMissesItsHeartbeatsIsOutAtOnceAndBackAfterAHealthyOne() throws Exception {
        Thread.sleep(1_700);
        JsonNode r = respond("");
        assertThat(r.get("execution_profile").asText()).isEqualTo("managed_provider");
        assertThat(r.at("/qos_outcome/reason_code").asText()).isEqualTo("byoc_overflow");
        assertThat(verdictOfCluster(r)).isEqualTo("cluster_down");
        heartbeat(0.2, 100);
        assertThat(respond("").get("execution_profile").asText()).isEqualTo("byoc_dynamo");
    }

    @Test
    void aDeadlineTheClusterCannotMeetGoesToManaged() {
        heartbeat(0.2, 1_500);
        JsonNode r = respond(",\"qos\":{\"class\":\"interactive\",\"deadline_ms\":2000}");
        assertThat(r.get("execution_profile").asText()).isEqualTo("managed_provider");
        assertThat(verdictOfCluster(r)).isEqualTo("deadline_at_risk");
        assertThat(r.at("/qos_outcome/reason_code").asText()).isEqualTo("byoc_overflow");
        JsonNode relaxed = respond(",\"qos\":{\"class\":\"interactive\",\"deadline_ms\":10000}");
        assertThat(relaxed.get("execution_profile").asText()).as("a deadline it can meet: " + relaxed.get("routing_decision"))
                .isEqualTo("byoc_dynamo");
    }

    @Test
    void aClusterFailingUnderLoadMovesTrafficToManagedWithoutAFailedRequest() throws Exception {
        int n = 40;
        List<Future<HttpResponse<String>>> fs = new ArrayList<>();
        try (var pool = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < n; i++) {
                if (i == 12) clusterBroken.set(true); // the cluster dies mid-load: connections reset
                fs.add(pool.submit(() -> gw.post("/v1/chat/completions",
                        "{\"model\":\"hot\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", key)));
                Thread.sleep(10);
            }
            int byCluster = 0;
            int overflowed = 0;
            for (Future<HttpResponse<String>> f : fs) {
                HttpResponse<String> r = f.get();
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                String profile = r.headers().firstValue("agent-execution-profile").orElseThrow();
                if (profile.equals("byoc_dynamo")) byCluster++;
                else {
                    assertThat(profile).isEqualTo("managed_provider");
                    assertThat(r.headers().firstValue("agent-reason-code").orElseThrow()).isEqualTo("byoc_overflow");
                    overflowed++;
                }
            }
            assertThat(byCluster).as("served by the cluster before it died").isPositive();
            assertThat(overflowed).as("moved to managed after").isPositive();
            assertThat(byCluster + overflowed).isEqualTo(n);
        }
    }
}
