package ai.zumik.store;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.Replicas;
import ai.zumik.testing.ZumikProcess;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two Zumik processes on one PostgreSQL schema and one Redis, driven concurrently: a key's request
 * limit admits exactly its limit across both; a key's budget is never overshot and is used up to
 * within one request; every response is metered exactly once (issue 11); a cancel reaches the
 * replica that runs the response, and an idempotency key holds across replicas (issue 12). The
 * fake provider reports 1 prompt token and {@code max_tokens} completion tokens, so each request's
 * estimate (7 prompt + max_tokens) is an upper bound of its cost, as a real provider's usage is for
 * OpenAI's tokenizer; a request whose message is "stall" gets one chunk, then nothing.
 */
@Tag("postgres")
@Tag("redis")
@Timeout(180)
class ReplicasTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "zk_live_REPLICAreplicaREPLICAreplica1234";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** gpt-4o-mini: 1 x 150 + 10 x 600 nanos per request; estimated 7 x 150 + 10 x 600. */
    private static final long ACTUAL_NANOS = 6_150;
    private static final long ESTIMATE_NANOS = 7_050;

    static FakeProvider openai;
    static Replicas replicas;
    static ZumikProcess a;
    static ZumikProcess b;

    @BeforeAll
    static void start() throws Exception {
        openai = FakeProvider.start("/v1", r -> {
            if (r.path().endsWith("/responses")) return r.body().contains("stall") ? new Script.Hang() : FakeProvider.echo(r);
            JsonNode req = parse(r.body());
            if (r.body().contains("\"stall\"")) {
                return Script.sse(Script.data("{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":"
                        + "\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"wait\"}}]}"),
                        new Script.Stall());
            }
            long out = req.path("max_tokens").asLong(7);
            return Script.json("{\"id\":\"chatcmpl-r\",\"object\":\"chat.completion\",\"created\":1700000000,"
                    + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},"
                    + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":" + out
                    + ",\"total_tokens\":" + (out + 1) + "}}");
        });
        String prefix = "zumik_t_" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> env = Map.of(
                "ZUMIK_REDIS_URL", "redis://127.0.0.1:6379", "ZUMIK_REDIS_PREFIX", prefix, "ZUMIK_BOOTSTRAP_KEY", KEY,
                "OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-replicas",
                // These tests are about one shared limit; a replica that gives up on Redis counts alone
                // (CountersTest covers that), and on a loaded 2-vCPU machine 100 ms is sometimes too short.
                "ZUMIK_REDIS_TIMEOUT_MS", "2000",
                // Replicas share sealed secrets (fingerprint keys, signing keys): one master key for both.
                "ZUMIK_MASTER_KEY", java.util.Base64.getEncoder().encodeToString(new byte[32]));
        replicas = Replicas.start("t", env);
        a = replicas.a;
        b = replicas.b;
    }

    @AfterAll
    static void stop() throws Exception {
        if (replicas != null) replicas.close();
        if (openai != null) openai.close();
    }

    static JsonNode parse(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(s, e);
        }
    }

    static HttpResponse<String> post(ZumikProcess z, String path, String body, String key) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + z.port() + path))
                .timeout(Duration.ofSeconds(30)).header("authorization", "Bearer " + key)
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(ZumikProcess z, String path, String key) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + z.port() + path))
                .timeout(Duration.ofSeconds(30)).header("authorization", "Bearer " + key).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    /** Sends {@code n} chat requests at once, alternating replicas; returns them. */
    static List<HttpResponse<String>> burst(int n, String key) throws Exception {
        List<HttpResponse<String>> out = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ZumikProcess z = i % 2 == 0 ? a : b;
                fs.add(pool.submit(() -> post(z, "/v1/chat/completions", CHAT, key)));
            }
            for (var f : fs) out.add(f.get());
        }
        return out;
    }

    @Test
    void aKeysRequestLimitIsOneLimitAcrossReplicasAndEveryResponseIsMeteredOnce() throws Exception {
        JsonNode key = parse(post(a, "/v2/api-keys", "{\"name\":\"shared rpm\",\"rpm_limit\":20}", KEY).body());
        String raw = key.get("key").asText();
        List<HttpResponse<String>> all = burst(60, raw);
        long ok = all.stream().filter(r -> r.statusCode() == 200).count();
        long limited = all.stream().filter(r -> r.statusCode() == 429).count();
        assertThat(ok).as("exactly the limit, none lost, none double counted").isEqualTo(20);
        assertThat(limited).isEqualTo(40);
        assertThat(all.stream().filter(r -> r.statusCode() == 200).map(r -> r.headers().firstValue("agent-resolved-provider")
                .orElse("")).distinct()).containsExactly("openai");

        // Every response, served or refused, has exactly one usage row in the shared store.
        Set<String> ids = new HashSet<>();
        for (var r : all) ids.add(r.headers().firstValue("agent-response-id").orElseThrow());
        assertThat(ids).hasSize(60);
        // Reading usage waits for each replica's own writer; ask both.
        get(a, "/v2/usage?limit=1", KEY);
        get(b, "/v2/usage?limit=1", KEY);
        try (Connection c = DriverManager.getConnection(replicas.jdbcUrl())) {
            ResultSet rs = c.createStatement().executeQuery("SELECT response_id, count(*) FROM usage_events WHERE key_id = '"
                    + key.get("id").asText() + "' GROUP BY response_id");
            Set<String> stored = new HashSet<>();
            while (rs.next()) {
                assertThat(rs.getInt(2)).as(rs.getString(1)).isEqualTo(1);
                stored.add(rs.getString(1));
            }
            assertThat(stored).isEqualTo(ids);
        }
    }

    @Test
    void aKeysBudgetIsNeverOvershotAcrossReplicasAndIsUsedUp() throws Exception {
        long budgetNanos = 100_000;
        JsonNode key = parse(post(a, "/v2/api-keys", "{\"name\":\"shared budget\",\"budget_micros\":" + budgetNanos / 1_000
                + "}", KEY).body());
        String raw = key.get("key").asText();
        ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
        for (var r : burst(40, raw)) statuses.add(r.statusCode());
        assertThat(statuses).containsOnly(200, 429);
        // Then one at a time until refused: the budget is used up, nothing is stuck in reservations.
        for (int i = 0; i < 20; i++) {
            if (post(i % 2 == 0 ? a : b, "/v1/chat/completions", CHAT, raw).statusCode() == 429) break;
        }
        long served = spentRows(key.get("id").asText());
        long spent = served * ACTUAL_NANOS;
        assertThat(spent).as("never past the budget").isLessThanOrEqualTo(budgetNanos);
        assertThat(spent + ESTIMATE_NANOS).as("used up to within one request").isGreaterThan(budgetNanos);
        JsonNode k = parse(get(b, "/v2/api-keys/" + key.get("id").asText(), KEY).body());
        assertThat(k.get("spent_micros").asLong()).isEqualTo(Math.floorDiv(spent + 500, 1_000));
    }

    @Test
    void aCancelOnOneReplicaReachesTheResponseRunningOnTheOther() throws Exception {
        // A stream on replica A that sends one chunk and then waits forever.
        HttpResponse<java.util.stream.Stream<String>> running = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + a.port() + "/v2/responses")).timeout(Duration.ofSeconds(30))
                .header("authorization", "Bearer " + KEY).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"stream\":true,\"input\":\"stall\"}"))
                .build(), HttpResponse.BodyHandlers.ofLines());
        var lines = running.body().iterator();
        String id = null;
        while (id == null && lines.hasNext()) {
            String line = lines.next();
            if (line.startsWith("data: ") && line.contains("response_id")) id = parse(line.substring(6)).get("response_id").asText();
        }
        assertThat(id).as("the response is running on replica A").startsWith("rsp_");
        HttpResponse<String> cancel = post(b, "/v2/responses/" + id + "/cancel", "", KEY);
        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);
        assertThat(parse(cancel.body()).get("status").asText()).isEqualTo("cancelled");
        List<String> rest = new ArrayList<>();
        lines.forEachRemaining(rest::add);
        assertThat(rest).anyMatch(l -> l.equals("event: response.cancelled"));
        assertThat(post(b, "/v2/responses/" + id + "/cancel", "", KEY).statusCode()).as("finished now").isEqualTo(409);
        assertThat(post(b, "/v2/responses/rsp_01aaaaaaaaaaaaaaaaaaaaaaaa/cancel", "", KEY).statusCode()).isEqualTo(404);
    }

    @Test
    void aBackgroundV1ResponseRunningOnOneReplicaIsCancelledFromTheOther() throws Exception {
        int abortsBefore = openai.aborts().size();
        HttpResponse<String> created = post(a, "/v1/responses",
                "{\"model\":\"gpt-4o-mini\",\"input\":\"stall\",\"background\":true}", KEY);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String id = parse(created.body()).get("id").asText();
        assertThat(parse(get(b, "/v1/responses/" + id, KEY).body()).get("status").asText()).as("visible on B").isEqualTo("queued");
        HttpResponse<String> cancel = post(b, "/v1/responses/" + id + "/cancel", "", KEY);
        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);
        assertThat(parse(cancel.body()).get("status").asText()).isEqualTo("cancelled");
        assertThat(openai.awaitAborts(abortsBefore + 1, 5_000)).as("replica A abandoned the upstream request").isTrue();
        assertThat(parse(get(a, "/v1/responses/" + id, KEY).body()).get("status").asText()).isEqualTo("cancelled");
    }

    @Test
    void twoReplicasMakingAProjectsFirstFingerprintKeyAtOnceAgreeOnOne() throws Exception {
        String key = parse(post(a, "/v2/projects", "{\"name\":\"fingerprints\"}", KEY).body()).at("/admin_key/key").asText();
        List<String> families = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> fs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                ZumikProcess z = i % 2 == 0 ? a : b;
                fs.add(pool.submit(() -> post(z, "/v1/chat/completions", CHAT, key)));
            }
            for (int i = 0; i < fs.size(); i++) {
                HttpResponse<String> r = fs.get(i).get();
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                String id = r.headers().firstValue("agent-response-id").orElseThrow();
                families.add(parse(get(i % 2 == 0 ? b : a, "/v2/responses/" + id, key).body()).at("/reuse/prefix_family_id").asText());
            }
        }
        assertThat(families).as("one key, so one family for one prompt, whichever replica fingerprinted it")
                .allMatch(f -> f.startsWith("pf_")).containsOnly(families.getFirst());
        JsonNode keys = parse(get(b, "/v2/fingerprint-keys", key).body()).get("data");
        assertThat(keys).hasSize(1);
    }

    @Test
    void concurrentAppendersOnTwoReplicasWinEachBranchVersionExactlyOnce() throws Exception {
        JsonNode session = parse(post(a, "/v2/sessions", "{}", KEY).body());
        String path = "/v2/sessions/" + session.get("id").asText() + "/branches/" + session.get("default_branch_id").asText();
        int writers = 6;
        int each = 8;
        java.util.concurrent.atomic.AtomicInteger conflicts = new java.util.concurrent.atomic.AtomicInteger();
        try (var pool = Executors.newFixedThreadPool(writers)) {
            List<Future<Object>> fs = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                ZumikProcess z = w % 2 == 0 ? a : b;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        while (true) {
                            JsonNode br = parse(get(z, path, KEY).body());
                            String head = br.get("head_event_id").isNull() ? "null" : "\"" + br.get("head_event_id").asText() + "\"";
                            HttpResponse<String> r = post(z, path + "/events", "{\"expected_version\":" + br.get("version").asLong()
                                    + ",\"expected_head_event_id\":" + head + ",\"event\":{\"event_type\":\"note\",\"content\":\"x\"}}", KEY);
                            if (r.statusCode() == 200) break;
                            assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
                            conflicts.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (var f : fs) f.get();
        }
        JsonNode events = parse(get(b, path + "/events?limit=100", KEY).body()).get("data");
        assertThat(events).hasSize(writers * each);
        String parent = null;
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).get("sequence").asLong()).isEqualTo(i + 1);
            assertThat(events.get(i).get("parent_event_id").isNull() ? null : events.get(i).get("parent_event_id").asText())
                    .as("one line, no lost or duplicated event").isEqualTo(parent);
            parent = events.get(i).get("id").asText();
        }
        assertThat(parse(get(a, path, KEY).body()).get("version").asLong()).isEqualTo(writers * each);
        assertThat(conflicts.get()).as("the replicas really raced").isPositive();
    }

    /**
     * Each replica caches the lines, bundles and artifact texts its turns read (StateCache): what the
     * other replica changes in between — an appended event, a purged payload, a deleted bundle —
     * shows in the next turn on the first one, through the branch head, generation and state epoch
     * read with every turn.
     */
    @Test
    void aTurnOnOneReplicaSeesWhatTheOtherChangedSinceItsLastTurn() throws Exception {
        String art = parse(post(a, "/v2/artifacts", "{\"artifact_type\":\"policy\",\"content\":\"Policy R.\"}", KEY).body())
                .get("id").asText();
        String bundle = parse(post(a, "/v2/bundles", "{\"items\":[{\"artifact_id\":\"" + art + "\",\"role\":\"system\"}]}", KEY)
                .body()).get("id").asText();
        JsonNode session = parse(post(a, "/v2/sessions", "{\"base_bundle_ids\":[\"" + bundle + "\"]}", KEY).body());
        String sid = session.get("id").asText();
        String br = session.get("default_branch_id").asText();
        String turn = "{\"model\":\"gpt-4o-mini\",\"max_output_tokens\":10,\"branch_id\":\"" + br + "\",\"input\":\"%s\"}";
        HttpResponse<String> first = post(a, "/v2/responses", turn.formatted("q1"), KEY);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);

        JsonNode head = parse(get(b, "/v2/sessions/" + sid + "/branches/" + br, KEY).body());
        HttpResponse<String> note = post(b, "/v2/sessions/" + sid + "/branches/" + br + "/events", "{\"expected_version\":2,"
                + "\"expected_head_event_id\":\"" + head.get("head_event_id").asText() + "\",\"event\":{\"event_type\":"
                + "\"tool_result\",\"content\":\"from replica b\"}}", KEY);
        assertThat(note.statusCode()).as(note.body()).isEqualTo(200);
        assertThat(post(a, "/v2/responses", turn.formatted("q2"), KEY).statusCode()).isEqualTo(200);
        assertThat(openai.lastRequest().json().get("messages")).extracting(m -> m.get("content").asText())
                .containsExactly("Policy R.", "q1", "ok", "from replica b", "q2");

        String payload = parse(note.body()).get("payload_ref").asText();
        assertThat(parse(post(b, "/v2/purge-jobs", "{\"artifact_ids\":[\"" + payload + "\"]}", KEY).body()).get("status").asText())
                .isEqualTo("completed");
        assertThat(post(a, "/v2/responses", turn.formatted("q3"), KEY).statusCode()).isEqualTo(200);
        assertThat(openai.lastRequest().body()).contains("q2").doesNotContain("from replica b");

        HttpResponse<String> deleted = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.port() + "/v2/bundles/" + bundle))
                .header("authorization", "Bearer " + KEY).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        HttpResponse<String> after = post(a, "/v2/responses", turn.formatted("q4"), KEY);
        assertThat(after.statusCode()).as(after.body()).isEqualTo(400);
        assertThat(parse(after.body()).at("/error/code").asText()).isEqualTo("bundle_not_found");
    }

    @Test
    void anIdempotencyKeyHoldsAcrossReplicas() throws Exception {
        String body = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"once\"}]}";
        int before = openai.requests().size();
        HttpResponse<String> first = postWithKey(a, body, "retry-me-42");
        HttpResponse<String> again = postWithKey(b, body, "retry-me-42");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).as("byte for byte").isEqualTo(first.body());
        assertThat(again.headers().firstValue("agent-idempotent-replay")).hasValue("true");
        assertThat(first.headers().firstValue("agent-idempotent-replay")).hasValue("false");
        assertThat(again.headers().firstValue("agent-response-id")).isEqualTo(first.headers().firstValue("agent-response-id"));
        assertThat(openai.requests().size() - before).as("run once").isEqualTo(1);
        HttpResponse<String> other = postWithKey(b, body.replace("once", "twice"), "retry-me-42");
        assertThat(other.statusCode()).isEqualTo(409);
        assertThat(parse(other.body()).at("/error/type").asText()).isEqualTo("idempotency_conflict");
    }

    private static HttpResponse<String> postWithKey(ZumikProcess z, String body, String key) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + z.port() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30)).header("authorization", "Bearer " + KEY)
                .header("content-type", "application/json").header("Agent-Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Charged responses of {@code keyId} in the shared store. */
    private static long spentRows(String keyId) throws Exception {
        get(a, "/v2/usage?limit=1", KEY);
        get(b, "/v2/usage?limit=1", KEY);
        try (Connection c = DriverManager.getConnection(replicas.jdbcUrl())) {
            ResultSet rs = c.createStatement().executeQuery("SELECT count(*), COALESCE(SUM(cost_nanos), 0) FROM usage_events "
                    + "WHERE key_id = '" + keyId + "' AND charged = 1");
            rs.next();
            assertThat(rs.getLong(2)).as("every charged response cost the same").isEqualTo(rs.getLong(1) * ACTUAL_NANOS);
            return rs.getLong(1);
        }
    }
}
