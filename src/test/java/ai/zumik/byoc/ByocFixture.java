package ai.zumik.byoc;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Replies;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * One gateway per test class that allows private upstreams (the fake cluster listens on loopback)
 * and holds heartbeats for {@value #TIMEOUT_MS} ms, a fake OpenAI-compatible cluster, and helpers.
 */
abstract class ByocFixture {
    static final long TIMEOUT_MS = 800;
    static final String LLAMA = "meta-llama/Llama-3.1-8B-Instruct";
    static FakeProvider cluster;
    static TestGateway gw;

    @BeforeAll
    static void startGateway() {
        cluster = FakeProvider.start();
        gw = TestGateway.start("ZUMIK_ALLOW_PRIVATE_UPSTREAMS", "true", "ZUMIK_BYOC_HEARTBEAT_TIMEOUT_MS", Long.toString(TIMEOUT_MS));
    }

    @AfterAll
    static void stopGateway() {
        gw.close();
        cluster.close();
    }

    /** A new project; returns its admin key. */
    static String project(String name) {
        return Replies.project(gw, name);
    }

    static String register(String key, String flavour, String apiKey, String... models) {
        List<String> quoted = new ArrayList<>();
        for (String m : models) quoted.add("\"" + m + "\"");
        return ok(gw.post("/v2/byoc/clusters", "{\"name\":\"gpu pool\",\"base_url\":\"" + cluster.baseUrl() + "\",\"api_key\":\""
                + apiKey + "\",\"flavour\":\"" + flavour + "\",\"models\":" + quoted + ",\"region\":\"us-east-1\"}", key))
                .get("id").asText();
    }

    static JsonNode heartbeat(String key, String id, String body) {
        return ok(gw.post("/v2/byoc/clusters/" + id + "/heartbeat", body, key));
    }

    static JsonNode parse(String s) {
        return Replies.parse(s);
    }

    static JsonNode ok(HttpResponse<String> r) {
        return Replies.ok(r);
    }

    static JsonNode error(HttpResponse<String> r, int status) {
        return Replies.error(r, status);
    }

    /** The project's audit events of one type, waiting briefly: they are written off the request path. */
    static List<JsonNode> audit(String key, String type, int atLeast) throws InterruptedException {
        long until = System.nanoTime() + 5_000_000_000L;
        while (true) {
            List<JsonNode> out = new ArrayList<>();
            ok(gw.get("/v2/audit-events?type=" + type, key)).get("data").forEach(out::add);
            if (out.size() >= atLeast || System.nanoTime() > until) return out;
            Thread.sleep(20);
        }
    }
}
