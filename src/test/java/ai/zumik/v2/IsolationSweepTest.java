package ai.zumik.v2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.http.Route;
import ai.zumik.keys.Scope;
import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Walks every route the gateway serves with a second project's keys (issue 13, item 6). Project
 * A makes one of everything; project B then asks for each of A's objects by id on every route that
 * addresses one and must get 404, must not see A's ids in any list, must not reach A's objects
 * through a create that references them, and gets 403 {@code insufficient_scope} wherever its key
 * lacks the route's scope. Every route must have a sample here: a route added later without one
 * fails the sweep, so it cannot ship without the check.
 */
@Timeout(120)
class IsolationSweepTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a route's sample checks with project B's key. */
    enum Kind {
        /** Addresses one of A's objects: 404. */
        OBJECT,
        /** Lists B's own: 200 without any of A's ids. */
        LIST,
        /** Creates something that references A's objects: refused (4xx). */
        REFERENCES,
        /** Creates or changes B's own, or reads the shared catalogue: scope check only. */
        OWN,
        /** No key needed. */
        PUBLIC
    }

    record Sample(Kind kind, String method, String path, String body) {}

    static FakeProvider openai;
    static TestGateway gw;
    static String aKey;
    static String bAdmin;
    static String bInference;
    static String bRead;
    static final Map<String, String> a = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        openai = FakeProvider.start();
        gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-123456",
                "ZUMIK_MASTER_KEY", ai.zumik.secrets.MasterKey.generateEncoded(),
                "ZUMIK_ALLOW_PRIVATE_UPSTREAMS", "true");
        aKey = project("alpha");
        bAdmin = project("beta");
        bInference = key(bAdmin, "[\"inference\"]");
        bRead = key(bAdmin, "[\"read\"]");
        // One of everything in project A.
        a.put("art", ok(send("POST", "/v2/artifacts", "{\"artifact_type\":\"policy\",\"content\":\"secret policy\"}", aKey)).get("id").asText());
        a.put("bnd", ok(send("POST", "/v2/bundles", "{\"items\":[{\"artifact_id\":\"" + a.get("art") + "\",\"role\":\"system\"}]}", aKey))
                .get("id").asText());
        JsonNode ses = ok(send("POST", "/v2/sessions", "{\"base_bundle_ids\":[\"" + a.get("bnd") + "\"]}", aKey));
        a.put("ses", ses.get("id").asText());
        a.put("br", ses.get("default_branch_id").asText());
        String branch = "/v2/sessions/" + a.get("ses") + "/branches/" + a.get("br");
        a.put("evt", ok(send("POST", branch + "/events", "{\"expected_version\":0,\"expected_head_event_id\":null,"
                + "\"event\":{\"event_type\":\"user_message\",\"content\":\"hello\"}}", aKey)).get("id").asText());
        a.put("snp", ok(send("POST", branch + "/snapshots", "{}", aKey)).get("id").asText());
        a.put("fork", ok(send("POST", "/v2/sessions/" + a.get("ses") + "/branches", "{\"fork_from_branch_id\":\"" + a.get("br") + "\"}",
                aKey)).get("id").asText());
        a.put("rsp", ok(send("POST", "/v2/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\"}", aKey)).get("id").asText());
        a.put("resp", ok(send("POST", "/v1/responses", "{\"model\":\"openai/gpt-4o-mini\",\"input\":\"hi\"}", aKey)).get("id").asText());
        a.put("fpk", ok(send("GET", "/v2/fingerprint-keys", null, aKey)).at("/data/0/id").asText());
        a.put("key", ok(send("POST", "/v2/api-keys", "{\"name\":\"a-agent\"}", aKey)).get("id").asText());
        ok(send("POST", "/v2/model-aliases/alpha.only/releases", "{\"targets\":[{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\","
                + "\"weight\":1}]}", aKey));
        a.put("alias", "alpha.only");
        a.put("pcr", ok(send("POST", "/v2/provider-credentials", "{\"provider\":\"openai\",\"secret\":\"sk-alpha-own-key-0000000000\"}",
                aKey)).get("id").asText());
        String doomed = ok(send("POST", "/v2/artifacts", "{\"artifact_type\":\"document\",\"content\":\"doomed\"}", aKey)).get("id").asText();
        a.put("pjb", ok(send("POST", "/v2/purge-jobs", "{\"artifact_ids\":[\"" + doomed + "\"]}", aKey)).get("id").asText());
        String replayTraces = "[{\"trace_id\":\"a1\",\"privacy_mode\":\"metadata\",\"observed\":{\"input_tokens\":1}}]";
        a.put("rpl", ok(send("POST", "/v2/replay-runs", "{\"replay_class\":\"routing_simulation\",\"baseline\":\"managed\","
                + "\"candidate\":\"openai/gpt-4o\",\"traces\":" + replayTraces + "}", aKey)).get("id").asText());
        a.put("rpl_queued", ok(send("POST", "/v2/replay-runs", "{\"replay_class\":\"routing_simulation\",\"baseline\":\"managed\","
                + "\"candidate\":\"openai/gpt-4o\",\"scheduled_for\":4102444800,\"traces\":" + replayTraces + "}", aKey))
                .get("id").asText());
        a.put("dgn", ok(send("POST", "/v2/diagnostics", "{\"traces\":[{\"trace_id\":\"t1\",\"privacy_mode\":\"metadata\","
                + "\"prefix_family_id\":\"pf_alpha\",\"observed\":{\"input_tokens\":100}}]}", aKey)).get("id").asText());
        a.put("bcl", ok(send("POST", "/v2/byoc/clusters", "{\"name\":\"a pool\",\"base_url\":\"" + openai.baseUrl() + "\","
                + "\"api_key\":\"sk-a-cluster-123456\",\"flavour\":\"byoc_epp\",\"models\":[\"m/llama\"],\"region\":\"us\"}", aKey))
                .get("id").asText());
        ok(send("POST", "/v2/byoc/clusters/" + a.get("bcl") + "/heartbeat", "{\"healthy\":true,\"load\":0.1,\"latency_p50_ms\":10}",
                aKey));
        a.put("rpl_byoc", ok(send("POST", "/v2/replay-runs", "{\"replay_class\":\"routing_simulation\",\"baseline\":\"managed\","
                + "\"candidate\":\"byoc:" + a.get("bcl") + "/m/llama\",\"traces\":" + replayTraces + "}", aKey)).get("id").asText());
        a.put("bca", ok(send("POST", "/v2/byoc/clusters/" + a.get("bcl") + "/activations", "{\"model\":\"m/llama\","
                + "\"replay_run_id\":\"" + a.get("rpl_byoc") + "\",\"criteria\":{\"max_p95_latency_ratio\":null,"
                + "\"min_qos_attainment_delta\":null,\"max_cost_ratio\":null}}", aKey)).get("id").asText());
        String boundary = "sweep";
        HttpResponse<String> file = TestGateway.send(HttpRequest.newBuilder(URI.create(gw.url() + "/v1/files"))
                .header("authorization", "Bearer " + aKey).header("content-type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; "
                        + "filename=\"a.jsonl\"\r\n\r\n{\"custom_id\":\"1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
                        + "\"body\":{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}}\r\n--"
                        + boundary + "--\r\n")).build());
        a.put("file", ok(file).get("id").asText());
        a.put("batch", ok(send("POST", "/v1/batches", "{\"input_file_id\":\"" + a.get("file") + "\",\"endpoint\":"
                + "\"/v1/chat/completions\"}", aKey)).get("id").asText());
    }

    @AfterAll
    static void stop() {
        gw.close();
        openai.close();
    }

    static String project(String name) {
        JsonNode p = ok(send("POST", "/v2/projects", "{\"name\":\"" + name + "\"}", gw.adminKey()));
        return p.at("/admin_key/key").asText();
    }

    static String key(String admin, String scopes) {
        return ok(send("POST", "/v2/api-keys", "{\"name\":\"k\",\"scopes\":" + scopes + "}", admin)).get("key").asText();
    }

    static JsonNode ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        try {
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError(r.body(), e);
        }
    }

    static HttpResponse<String> send(String method, String path, String body, String key) {
        var b = HttpRequest.newBuilder(URI.create(gw.url() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("content-type", "application/json");
        if (key != null) b.header("authorization", "Bearer " + key);
        return TestGateway.send(b.build());
    }

    /** Every route's samples, keyed "METHOD path-pattern" as the routing table names them. */
    static Map<String, List<Sample>> samples() {
        Map<String, List<Sample>> m = new LinkedHashMap<>();
        String ses = "/v2/sessions/" + a.get("ses");
        String br = ses + "/branches/" + a.get("br");
        put(m, Kind.PUBLIC, "GET", "/healthz", "/healthz", null);
        put(m, Kind.PUBLIC, "GET", "/metrics", "/metrics", null);
        put(m, Kind.PUBLIC, "GET", "/v2/signing-keys", "/v2/signing-keys", null);
        put(m, Kind.OWN, "POST", "/v1/chat/completions", "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        put(m, Kind.OWN, "POST", "/v1/embeddings", "/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}");
        put(m, Kind.OWN, "GET", "/v1/models", "/v1/models", null);
        put(m, Kind.OWN, "GET", "/v1/models/*", "/v1/models/gpt-4o-mini", null);
        put(m, Kind.REFERENCES, "POST", "/v1/responses", "/v1/responses",
                "{\"model\":\"openai/gpt-4o-mini\",\"input\":\"x\",\"previous_response_id\":\"" + a.get("resp") + "\"}");
        put(m, Kind.OBJECT, "GET", "/v1/responses/*", "/v1/responses/" + a.get("resp"), null);
        put(m, Kind.OBJECT, "GET", "/v1/responses/*", "/v1/responses/" + a.get("resp") + "/input_items", null);
        put(m, Kind.OBJECT, "POST", "/v1/responses/*", "/v1/responses/" + a.get("resp") + "/cancel", "");
        put(m, Kind.OBJECT, "DELETE", "/v1/responses/*", "/v1/responses/" + a.get("resp"), null);
        put(m, Kind.OWN, "POST", "/v1/files", "/v1/files", "");
        put(m, Kind.LIST, "GET", "/v1/files", "/v1/files", null);
        put(m, Kind.OBJECT, "GET", "/v1/files/*", "/v1/files/" + a.get("file"), null);
        put(m, Kind.OBJECT, "GET", "/v1/files/*", "/v1/files/" + a.get("file") + "/content", null);
        put(m, Kind.OBJECT, "DELETE", "/v1/files/*", "/v1/files/" + a.get("file"), null);
        put(m, Kind.REFERENCES, "POST", "/v1/batches", "/v1/batches",
                "{\"input_file_id\":\"" + a.get("file") + "\",\"endpoint\":\"/v1/chat/completions\"}");
        put(m, Kind.LIST, "GET", "/v1/batches", "/v1/batches", null);
        put(m, Kind.OBJECT, "GET", "/v1/batches/*", "/v1/batches/" + a.get("batch"), null);
        put(m, Kind.OBJECT, "POST", "/v1/batches/*", "/v1/batches/" + a.get("batch") + "/cancel", "");
        put(m, Kind.REFERENCES, "POST", "/v2/responses", "/v2/responses",
                "{\"model\":\"gpt-4o-mini\",\"input\":\"x\",\"session_id\":\"" + a.get("ses") + "\"}");
        put(m, Kind.REFERENCES, "POST", "/v2/responses", "/v2/responses",
                "{\"model\":\"gpt-4o-mini\",\"input\":\"x\",\"snapshot_id\":\"" + a.get("snp") + "\"}");
        put(m, Kind.OBJECT, "GET", "/v2/responses/*", "/v2/responses/" + a.get("rsp"), null);
        put(m, Kind.OBJECT, "POST", "/v2/responses/*", "/v2/responses/" + a.get("rsp") + "/cancel", "");
        put(m, Kind.OWN, "POST", "/v2/artifacts", "/v2/artifacts", "{\"artifact_type\":\"policy\",\"content\":\"b's\"}");
        put(m, Kind.LIST, "GET", "/v2/artifacts", "/v2/artifacts", null);
        put(m, Kind.OBJECT, "GET", "/v2/artifacts/*", "/v2/artifacts/" + a.get("art"), null);
        put(m, Kind.OBJECT, "GET", "/v2/artifacts/*", "/v2/artifacts/" + a.get("art") + "/content", null);
        put(m, Kind.OBJECT, "DELETE", "/v2/artifacts/*", "/v2/artifacts/" + a.get("art"), null);
        put(m, Kind.REFERENCES, "POST", "/v2/bundles", "/v2/bundles",
                "{\"items\":[{\"artifact_id\":\"" + a.get("art") + "\",\"role\":\"system\"}]}");
        put(m, Kind.LIST, "GET", "/v2/bundles", "/v2/bundles", null);
        put(m, Kind.OBJECT, "GET", "/v2/bundles/*", "/v2/bundles/" + a.get("bnd"), null);
        put(m, Kind.OBJECT, "DELETE", "/v2/bundles/*", "/v2/bundles/" + a.get("bnd"), null);
        put(m, Kind.REFERENCES, "POST", "/v2/sessions", "/v2/sessions", "{\"base_bundle_ids\":[\"" + a.get("bnd") + "\"]}");
        put(m, Kind.LIST, "GET", "/v2/sessions", "/v2/sessions", null);
        for (String p : List.of(ses, ses + "/branches", br, br + "/events", br + "/snapshots", br + "/snapshots/" + a.get("snp"))) {
            put(m, Kind.OBJECT, "GET", "/v2/sessions/*", p, null);
        }
        put(m, Kind.OBJECT, "POST", "/v2/sessions/*", ses + "/branches", "{\"fork_from_branch_id\":\"" + a.get("br") + "\"}");
        put(m, Kind.OBJECT, "POST", "/v2/sessions/*", br + "/events",
                "{\"expected_version\":1,\"expected_head_event_id\":\"" + a.get("evt") + "\",\"event\":{\"event_type\":\"note\"}}");
        put(m, Kind.OBJECT, "POST", "/v2/sessions/*", br + "/snapshots", "{}");
        put(m, Kind.OBJECT, "DELETE", "/v2/sessions/*", br + "/snapshots/" + a.get("snp"), null);
        put(m, Kind.OBJECT, "DELETE", "/v2/sessions/*", ses + "/branches/" + a.get("fork"), null);
        put(m, Kind.OBJECT, "DELETE", "/v2/sessions/*", ses, null);
        put(m, Kind.LIST, "GET", "/v2/model-aliases", "/v2/model-aliases", null);
        put(m, Kind.OBJECT, "GET", "/v2/model-aliases/*", "/v2/model-aliases/" + a.get("alias"), null);
        put(m, Kind.OWN, "POST", "/v2/model-aliases/*", "/v2/model-aliases/beta.own/releases",
                "{\"targets\":[{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\",\"weight\":1}]}");
        put(m, Kind.REFERENCES, "POST", "/v2/model-aliases/*", "/v2/model-aliases/beta.stolen/releases",
                "{\"targets\":[{\"execution_profile\":\"byok\",\"provider\":\"openai\",\"model\":\"gpt-4o-mini\",\"weight\":1,"
                        + "\"credential_id\":\"" + a.get("pcr") + "\"}]}");
        put(m, Kind.OWN, "POST", "/v2/provider-credentials", "/v2/provider-credentials",
                "{\"provider\":\"openai\",\"secret\":\"sk-beta-own-key-00000000000\"}");
        put(m, Kind.LIST, "GET", "/v2/provider-credentials", "/v2/provider-credentials", null);
        put(m, Kind.OBJECT, "GET", "/v2/provider-credentials/*", "/v2/provider-credentials/" + a.get("pcr"), null);
        put(m, Kind.OBJECT, "POST", "/v2/provider-credentials/*", "/v2/provider-credentials/" + a.get("pcr") + "/rotate",
                "{\"secret\":\"sk-beta-takeover-000000000\"}");
        put(m, Kind.OBJECT, "DELETE", "/v2/provider-credentials/*", "/v2/provider-credentials/" + a.get("pcr"), null);
        put(m, Kind.LIST, "GET", "/v2/execution-policy", "/v2/execution-policy", null);
        put(m, Kind.REFERENCES, "PUT", "/v2/execution-policy", "/v2/execution-policy",
                "{\"byok_defaults\":{\"openai\":\"" + a.get("pcr") + "\"}}");
        put(m, Kind.LIST, "GET", "/v2/audit-events", "/v2/audit-events", null);
        put(m, Kind.OWN, "POST", "/v2/agent-hints", "/v2/agent-hints", "{\"qos\":{\"class\":\"standard\"}}");
        put(m, Kind.LIST, "GET", "/v2/regional-policy", "/v2/regional-policy", null);
        put(m, Kind.LIST, "GET", "/v2/governance/regional-policy", "/v2/governance/regional-policy", null);
        put(m, Kind.OWN, "POST", "/v2/regional-policy", "/v2/regional-policy", "{\"region_policy\":\"any\"}");
        put(m, Kind.OWN, "PUT", "/v2/governance/regional-policy", "/v2/governance/regional-policy", "{\"region_policy\":\"any\"}");
        put(m, Kind.OWN, "POST", "/v2/api-keys", "/v2/api-keys", "{\"name\":\"b2\"}");
        put(m, Kind.LIST, "GET", "/v2/api-keys", "/v2/api-keys", null);
        put(m, Kind.OBJECT, "GET", "/v2/api-keys/*", "/v2/api-keys/" + a.get("key"), null);
        put(m, Kind.OBJECT, "DELETE", "/v2/api-keys/*", "/v2/api-keys/" + a.get("key"), null);
        put(m, Kind.OBJECT, "POST", "/v2/api-keys/*", "/v2/api-keys/" + a.get("key") + "/rotate", "");
        put(m, Kind.OBJECT, "PATCH", "/v2/api-keys/*", "/v2/api-keys/" + a.get("key"), "{\"rpm_limit\":1}");
        put(m, Kind.LIST, "GET", "/v2/usage", "/v2/usage", null);
        put(m, Kind.LIST, "GET", "/v2/analytics/timeseries", "/v2/analytics/timeseries?bucket=day", null);
        put(m, Kind.LIST, "GET", "/v2/providers/health", "/v2/providers/health", null);
        put(m, Kind.LIST, "GET", "/v2/responses", "/v2/responses", null);
        put(m, Kind.PUBLIC, "GET", "/console", "/console", null);
        put(m, Kind.PUBLIC, "GET", "/console/", "/console/", null);
        put(m, Kind.PUBLIC, "GET", "/console/*", "/console/console.js", null);
        put(m, Kind.REFERENCES, "POST", "/v2/purge-jobs", "/v2/purge-jobs", "{\"artifact_ids\":[\"" + a.get("art") + "\"]}");
        put(m, Kind.REFERENCES, "POST", "/v2/purge-jobs", "/v2/purge-jobs", "{\"session_id\":\"" + a.get("ses") + "\"}");
        put(m, Kind.OBJECT, "GET", "/v2/purge-jobs/*", "/v2/purge-jobs/" + a.get("pjb"), null);
        put(m, Kind.LIST, "GET", "/v2/fingerprint-keys", "/v2/fingerprint-keys", null);
        put(m, Kind.OWN, "POST", "/v2/fingerprint-keys/rotate", "/v2/fingerprint-keys/rotate", "");
        put(m, Kind.OBJECT, "GET", "/v2/purge-jobs/*", "/v2/purge-jobs/" + a.get("pjb") + "/receipt", null);
        put(m, Kind.REFERENCES, "POST", "/v2/replay-runs", "/v2/replay-runs", "{\"replay_class\":\"routing_simulation\","
                + "\"baseline\":\"alpha.only\",\"candidate\":\"managed\",\"traffic_manifest_ref\":\"usage:5\"}");
        put(m, Kind.OBJECT, "GET", "/v2/replay-runs/*", "/v2/replay-runs/" + a.get("rpl"), null);
        put(m, Kind.OBJECT, "GET", "/v2/replay-runs/*", "/v2/replay-runs/" + a.get("rpl") + "/report", null);
        put(m, Kind.OBJECT, "POST", "/v2/replay-runs/*", "/v2/replay-runs/" + a.get("rpl_queued") + "/cancel", "");
        put(m, Kind.OWN, "POST", "/v2/diagnostics", "/v2/diagnostics", "{\"traces\":[{\"trace_id\":\"t1\",\"privacy_mode\":"
                + "\"metadata\",\"observed\":{\"input_tokens\":100}}]}");
        put(m, Kind.OBJECT, "GET", "/v2/diagnostics/*", "/v2/diagnostics/" + a.get("dgn"), null);
        String bcl = "/v2/byoc/clusters/" + a.get("bcl");
        put(m, Kind.OWN, "POST", "/v2/byoc/clusters", "/v2/byoc/clusters", "{\"name\":\"b\",\"base_url\":\"https://b.example.com\","
                + "\"api_key\":\"sk-b-cluster-123456\",\"flavour\":\"byoc_dynamo\",\"models\":[\"m/b\"],\"region\":\"eu\"}");
        put(m, Kind.LIST, "GET", "/v2/byoc/clusters", "/v2/byoc/clusters", null);
        put(m, Kind.OBJECT, "GET", "/v2/byoc/clusters/*", bcl, null);
        put(m, Kind.OBJECT, "GET", "/v2/byoc/clusters/*", bcl + "/activations", null);
        put(m, Kind.OBJECT, "POST", "/v2/byoc/clusters/*", bcl + "/heartbeat", "{\"healthy\":false,\"load\":1}");
        put(m, Kind.OBJECT, "POST", "/v2/byoc/clusters/*", bcl + "/activations", "{\"model\":\"m/llama\",\"replay_run_id\":\""
                + a.get("rpl_byoc") + "\"}");
        put(m, Kind.OBJECT, "DELETE", "/v2/byoc/clusters/*", bcl + "/activations/" + a.get("bca"), null);
        put(m, Kind.OBJECT, "DELETE", "/v2/byoc/clusters/*", bcl, null);
        put(m, Kind.REFERENCES, "POST", "/v2/replay-runs", "/v2/replay-runs", "{\"replay_class\":\"routing_simulation\","
                + "\"baseline\":\"managed\",\"candidate\":\"byoc:" + a.get("bcl") + "/m/llama\",\"traces\":[{\"trace_id\":\"b\","
                + "\"privacy_mode\":\"metadata\",\"observed\":{\"input_tokens\":1}}]}");
        put(m, Kind.REFERENCES, "POST", "/v2/model-aliases/*", "/v2/model-aliases/beta.byoc/releases", "{\"targets\":[{"
                + "\"execution_profile\":\"byoc_epp\",\"model\":\"m/llama\",\"cluster_id\":\"" + a.get("bcl") + "\",\"weight\":1}]}");
        put(m, Kind.OWN, "POST", "/v2/projects", "/v2/projects", "{\"name\":\"gamma\"}");
        put(m, Kind.OWN, "GET", "/v2/projects", "/v2/projects", null);
        put(m, Kind.OWN, "GET", "/v2/projects/*", "/v2/projects/prj_01aaaaaaaaaaaaaaaaaaaaaaaa", null);
        put(m, Kind.OWN, "PATCH", "/v2/projects/*", "/v2/projects/prj_01aaaaaaaaaaaaaaaaaaaaaaaa", "{\"rpm_limit\":1}");
        put(m, Kind.LIST, "GET", "/v2/billing/account", "/v2/billing/account", null);
        put(m, Kind.OWN, "POST", "/v2/billing/budget", "/v2/billing/budget", "{\"monthly_budget_usd\":100}");
        put(m, Kind.OWN, "POST", "/v2/billing/credits", "/v2/billing/credits", "{\"amount_usd\":5}");
        return m;
    }

    private static void put(Map<String, List<Sample>> m, Kind kind, String method, String pattern, String path, String body) {
        m.computeIfAbsent(method + " " + pattern, k -> new ArrayList<>()).add(new Sample(kind, method, path, body));
    }

    @Test
    void everyRouteHasASampleInTheSweep() {
        Map<String, List<Sample>> samples = samples();
        List<String> missing = new ArrayList<>();
        for (Route r : gw.zumik().routes()) {
            String key = r.method().name() + " " + r.path();
            if (!samples.containsKey(key)) missing.add(key);
        }
        assertThat(missing).as("routes without an isolation sample: add one to IsolationSweepTest.samples()").isEmpty();
    }

    @Test
    void anotherProjectSeesNoneOfTheFirstProjectsObjectsAnywhere() {
        List<String> failures = new ArrayList<>();
        for (var e : samples().entrySet()) {
            for (Sample s : e.getValue()) {
                if (s.kind() == Kind.PUBLIC || s.kind() == Kind.OWN) continue;
                HttpResponse<String> r = send(s.method(), s.path(), s.body(), bAdmin);
                String where = s.method() + " " + s.path() + " -> " + r.statusCode() + " " + abbreviated(r.body());
                switch (s.kind()) {
                    case OBJECT -> {
                        if (r.statusCode() != 404) failures.add("expected 404: " + where);
                    }
                    case REFERENCES -> {
                        if (r.statusCode() < 400 || r.statusCode() >= 500) failures.add("expected a 4xx: " + where);
                    }
                    case LIST -> {
                        if (r.statusCode() != 200 && r.statusCode() != 404) failures.add("expected 200 or 404: " + where);
                        for (String id : a.values()) if (r.body().contains(id)) failures.add("shows A's " + id + ": " + where);
                    }
                    default -> { }
                }
            }
        }
        assertThat(failures).isEmpty();
        // And nothing B did touched A's objects.
        assertThat(send("GET", "/v2/artifacts/" + a.get("art"), null, aKey).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/v2/sessions/" + a.get("ses") + "/branches/" + a.get("fork"), null, aKey).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/v1/responses/" + a.get("resp"), null, aKey).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/v2/api-keys/" + a.get("key"), null, aKey).statusCode()).isEqualTo(200);
        assertThat(ok(send("GET", "/v2/provider-credentials/" + a.get("pcr"), null, aKey)).get("version").asLong())
                .as("B's rotate and delete did not reach A's credential").isEqualTo(1);
        assertThat(send("GET", "/v1/files/" + a.get("file"), null, aKey).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/v1/batches/" + a.get("batch"), null, aKey).statusCode()).isEqualTo(200);
        JsonNode cluster = ok(send("GET", "/v2/byoc/clusters/" + a.get("bcl"), null, aKey));
        assertThat(cluster.at("/heartbeat/healthy").asBoolean()).as("B's heartbeat did not reach A's cluster").isTrue();
        assertThat(cluster.get("active_models").toString()).as("B's deactivation did not reach A's activation").isEqualTo("[\"m/llama\"]");
        assertThat(ok(send("GET", "/v2/replay-runs/" + a.get("rpl_queued"), null, aKey)).get("status").asText())
                .as("B's cancel did not reach A's run").isEqualTo("queued");
        JsonNode branch = ok(send("GET", "/v2/sessions/" + a.get("ses") + "/branches/" + a.get("br"), null, aKey));
        assertThat(branch.get("version").asLong()).as("B appended nothing").isEqualTo(1);
    }

    @Test
    void aKeyWithoutARoutesScopeIsRefusedWith403() {
        List<String> failures = new ArrayList<>();
        Map<String, List<Sample>> samples = samples();
        for (Route route : gw.zumik().routes()) {
            if (route.scope() == null) continue;
            Sample s = samples.get(route.method().name() + " " + route.path()).getFirst();
            String key = switch (route.scope()) {
                case INFERENCE -> bRead;
                case READ, ADMIN -> bInference;
                case PLATFORM -> bAdmin;
            };
            HttpResponse<String> r = send(s.method(), s.path(), s.body(), key);
            if (r.statusCode() != 403 || !r.body().contains("insufficient_scope")) {
                failures.add(route.scope() + " " + s.method() + " " + s.path() + " -> " + r.statusCode() + " " + abbreviated(r.body()));
            }
        }
        assertThat(failures).isEmpty();
        assertThat(Scope.values()).as("every scope is exercised above").hasSize(4);
    }

    private static String abbreviated(String body) {
        return body.length() > 200 ? body.substring(0, 200) + "…" : body;
    }
}
