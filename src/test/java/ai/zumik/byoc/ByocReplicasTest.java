package ai.zumik.byoc;

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
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two Zumik processes on one PostgreSQL schema (sharing ZUMIK_MASTER_KEY): a heartbeat taken by
 * replica A puts the cluster in rotation as replica B's directory sees it within the documented
 * bound (one refresh, {@link ClusterRegistry#REFRESH_MS}, plus a reload), and a missed heartbeat
 * takes it out on both by time alone.
 */
@Tag("postgres")
@Timeout(120)
class ByocReplicasTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "zk_live_BYOCreplicaBYOCreplica1234567890";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final long TIMEOUT_MS = 3_000;
    /** The bound the directory documents (one refresh) plus room for a reload and a busy test machine. */
    private static final long BOUND_MS = ClusterRegistry.REFRESH_MS + 1_000;

    @Test
    void aHeartbeatOnOneReplicaIsSeenOnTheOtherWithinTheBoundAndAMissedOneEndsRotationOnBoth() throws Exception {
        try (Replicas replicas = Replicas.start("b", Map.of("ZUMIK_BOOTSTRAP_KEY", KEY,
                "ZUMIK_MASTER_KEY", ai.zumik.secrets.MasterKey.generateEncoded(),
                "ZUMIK_BYOC_HEARTBEAT_TIMEOUT_MS", Long.toString(TIMEOUT_MS)))) {
            ZumikProcess a = replicas.a;
            ZumikProcess b = replicas.b;
            String canary = "sk-byoc-REPLICA-CANARY-42";
            JsonNode created = send(a, "POST", "/v2/byoc/clusters", "{\"name\":\"pool\",\"base_url\":\"https://203.0.113.10/v1\","
                    + "\"api_key\":\"" + canary + "\",\"flavour\":\"byoc_dynamo\",\"models\":[\"m/llama\"],\"region\":\"us-east-1\"}");
            String id = created.get("id").asText();
            assertThat(inRotation(b, id)).isFalse();

            send(a, "POST", "/v2/byoc/clusters/" + id + "/heartbeat", "{\"healthy\":true,\"load\":0.4}");
            long beat = System.nanoTime();
            long seenAfter = awaitRotation(b, id, true, beat);
            assertThat(seenAfter).as("B sees A's heartbeat within %d ms", BOUND_MS).isLessThanOrEqualTo(BOUND_MS);
            assertThat(send(b, "GET", "/v2/byoc/clusters/" + id, null).at("/heartbeat/load").asDouble()).isEqualTo(0.4);

            // No more heartbeats: out on both once the last one is older than the timeout.
            long outA = awaitRotation(a, id, false, beat);
            long outB = awaitRotation(b, id, false, beat);
            assertThat(outA).as("A takes it out by time").isBetween(TIMEOUT_MS - 200, TIMEOUT_MS + BOUND_MS);
            assertThat(outB).as("B takes it out by time").isBetween(TIMEOUT_MS - 200 - ClusterRegistry.REFRESH_MS, TIMEOUT_MS + BOUND_MS);

            // A heartbeat on B brings it back on A.
            send(b, "POST", "/v2/byoc/clusters/" + id + "/heartbeat", "{\"healthy\":true,\"load\":0.2}");
            assertThat(awaitRotation(a, id, true, System.nanoTime())).isLessThanOrEqualTo(BOUND_MS);
            assertThat(a.output() + b.output()).doesNotContain("CANARY");
        }
    }

    private static boolean inRotation(ZumikProcess z, String id) throws Exception {
        return send(z, "GET", "/v2/byoc/clusters/" + id, null).get("in_rotation").asBoolean();
    }

    /** Polls until {@code z} reports {@code expected}; returns the ms since {@code sinceNanos}. */
    private static long awaitRotation(ZumikProcess z, String id, boolean expected, long sinceNanos) throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (inRotation(z, id) != expected) {
            assertThat(System.nanoTime()).as("%s in_rotation becomes %s", id, expected).isLessThan(until);
            Thread.sleep(25);
        }
        return (System.nanoTime() - sinceNanos) / 1_000_000;
    }

    private static JsonNode send(ZumikProcess z, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + z.port() + path))
                .header("authorization", "Bearer " + KEY).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("content-type", "application/json");
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }
}
