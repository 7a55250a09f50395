package ai.zumik.replay;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.Replicas;
import ai.zumik.testing.ZumikProcess;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two Zumik processes on one PostgreSQL schema race for the same due background runs: each run is
 * claimed by exactly one of them and completes once, readable from either.
 */
@Tag("postgres")
@Timeout(120)
class ReplayReplicasTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "zk_live_REPLAYreplicaREPLAYreplica123456";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final int RUNS = 8;

    @Test
    void eachDueRunIsClaimedByExactlyOneReplica() throws Exception {
        // One master key for both: either replica may sign a report with the key the other made.
        try (Replicas replicas = Replicas.start("r", Map.of("ZUMIK_BOOTSTRAP_KEY", KEY,
                "ZUMIK_MASTER_KEY", ai.zumik.secrets.MasterKey.generateEncoded()))) {
            ZumikProcess a = replicas.a;
            ZumikProcess b = replicas.b;
            // Due together in two seconds, so both replicas' runners find them due on the same ticks.
            long due = System.currentTimeMillis() / 1000 + 2;
            String traces = "[{\"trace_id\":\"t\",\"privacy_mode\":\"metadata\",\"observed\":{\"resolved_target\":\"openai/gpt-4o-mini\","
                    + "\"latency_ms\":500,\"input_tokens\":100}}]";
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < RUNS; i++) {
                HttpResponse<String> r = send(i % 2 == 0 ? a : b, HttpRequest.newBuilder(uri(i % 2 == 0 ? a : b, "/v2/replay-runs"))
                        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                                "{\"replay_class\":\"provider_comparison\",\"baseline\":\"managed\",\"candidate\":\"openai/gpt-4o\","
                                        + "\"scheduled_for\":" + due + ",\"traces\":" + traces + "}")));
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                ids.add(JSON.readTree(r.body()).get("id").asText());
            }
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            for (String id : ids) {
                while (true) {
                    JsonNode run = JSON.readTree(send(b, HttpRequest.newBuilder(uri(b, "/v2/replay-runs/" + id))).body());
                    if (run.get("status").asText().equals("completed")) break;
                    assertThat(run.get("status").asText()).as(run.toString()).isIn("queued", "running");
                    assertThat(System.nanoTime()).as("%s completes", id).isLessThan(until);
                    Thread.sleep(100);
                }
            }
            String logs = a.output() + b.output();
            for (String id : ids) {
                assertThat(logs.split("replay run " + id + " claimed by runner", -1).length - 1).as("claims of %s", id).isEqualTo(1);
            }
            assertThat(logs).doesNotContain("finished after its lease was lost");
        }
    }

    private static URI uri(ZumikProcess z, String path) {
        return URI.create("http://127.0.0.1:" + z.port() + path);
    }

    private static HttpResponse<String> send(ZumikProcess z, HttpRequest.Builder b) throws Exception {
        return HTTP.send(b.header("authorization", "Bearer " + KEY).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
