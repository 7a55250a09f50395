package ai.zumik.v2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.keys.Scope;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code /v2/api-keys}: the raw key is shown once and stored only as its SHA-256, revocation is
 * immediate on this node, another project's key is indistinguishable from a missing one, and the
 * raw key never reaches a response after creation, the database or the access log.
 */
@Timeout(60)
class ApiKeysApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEYS = "/v2/api-keys";
    private static final String CHAT = "/v1/chat/completions";
    private static final String HI = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String RAW_KEY = "^zk_live_[A-Za-z0-9_-]{32}$";
    private static final String KEY_ID = "^key_[0-9a-z]{26}$";

    static TestGateway gw;
    static String defaultProject;

    @BeforeAll
    static void start() {
        gw = TestGateway.start();
        defaultProject = gw.zumik().keys().defaultProjectId();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @Test
    void createReturnsTheRawKeyOnceWithItsRecord() throws Exception {
        HttpResponse<String> r = gw.post(KEYS, "{\"name\":\"ci deploy\",\"scopes\":[\"read\",\"inference\"]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode k = JSON.readTree(r.body());
        String raw = k.get("key").asText();
        assertThat(raw).matches(RAW_KEY);
        assertThat(k.get("id").asText()).matches(KEY_ID);
        assertThat(k.get("object").asText()).isEqualTo("api_key");
        assertThat(k.get("project_id").asText()).isEqualTo(defaultProject);
        assertThat(k.get("name").asText()).isEqualTo("ci deploy");
        assertThat(k.get("masked").asText()).isEqualTo("zk_live_" + raw.substring(8, 12) + "…" + raw.substring(36));
        assertThat(k.get("masked").asText()).doesNotContain(raw.substring(12, 36));
        assertThat(texts(k.get("scopes"))).containsExactlyInAnyOrder("inference", "read");
        assertThat(k.get("status").asText()).isEqualTo("active");
        assertThat(Instant.parse(k.get("created_at").asText())).isBetween(Instant.now().minusSeconds(60), Instant.now());
        assertThat(k.has("revoked_at")).isFalse();

        String id = k.get("id").asText();
        HttpResponse<String> one = gw.get(KEYS + "/" + id);
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(one.body()).doesNotContain(raw).doesNotContain(raw.substring(8));
        JsonNode again = JSON.readTree(one.body());
        assertThat(again.has("key")).isFalse();
        assertThat(again.get("masked").asText()).isEqualTo(k.get("masked").asText());
        assertThat(again.get("status").asText()).isEqualTo("active");

        HttpResponse<String> list = gw.get(KEYS);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).doesNotContain(raw).doesNotContain(raw.substring(8));
        JsonNode listed = JSON.readTree(list.body());
        assertThat(listed.get("object").asText()).isEqualTo("list");
        assertThat(listed.get("has_more").asBoolean()).isFalse();
        assertThat(ids(listed)).contains(id);
        for (JsonNode e : listed.get("data")) {
            assertThat(e.has("key")).as("no listed key carries a raw key").isFalse();
            assertThat(e.get("project_id").asText()).isEqualTo(defaultProject);
        }
    }

    @Test
    void scopesDefaultToInference() throws Exception {
        JsonNode k = JSON.readTree(gw.post(KEYS, "{\"name\":\"defaulted\"}").body());
        assertThat(texts(k.get("scopes"))).containsExactly("inference");
    }

    @Test
    void theNewKeyWorksWithinItsScopes() throws Exception {
        JsonNode k = JSON.readTree(gw.post(KEYS, "{\"name\":\"worker\",\"scopes\":[\"inference\",\"read\"]}").body());
        String raw = k.get("key").asText();
        assertThat(gw.post(CHAT, HI, raw).statusCode()).isEqualTo(200);
        assertThat(gw.get("/v2/usage", raw).statusCode()).isEqualTo(200);
        assertThat(gw.get(KEYS + "/" + k.get("id").asText(), raw).statusCode()).isEqualTo(200);
        assertThat(gw.post(KEYS, "{\"name\":\"escalate\"}", raw).statusCode()).isEqualTo(403);
        assertThat(gw.delete(KEYS + "/" + k.get("id").asText(), raw).statusCode()).isEqualTo(403);
    }

    @Test
    void deleteRevokesAtOnce() throws Exception {
        JsonNode k = JSON.readTree(gw.post(KEYS, "{\"name\":\"to delete\",\"scopes\":[\"inference\"]}").body());
        String raw = k.get("key").asText();
        String id = k.get("id").asText();
        assertThat(gw.post(CHAT, HI, raw).statusCode()).as("used once, so it is in the auth cache").isEqualTo(200);

        HttpResponse<String> r = gw.delete(KEYS + "/" + id, gw.adminKey());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode revoked = JSON.readTree(r.body());
        assertThat(revoked.get("id").asText()).isEqualTo(id);
        assertThat(revoked.get("status").asText()).isEqualTo("revoked");
        assertThat(revoked.has("key")).isFalse();
        String revokedAt = revoked.get("revoked_at").asText();
        assertThat(Instant.parse(revokedAt)).isBetween(Instant.now().minusSeconds(60), Instant.now());

        assertRejectedAsRevoked(raw);
        assertThat(JSON.readTree(gw.get(KEYS + "/" + id).body()).get("status").asText()).isEqualTo("revoked");
        // Revoking again is harmless and keeps the first revocation time.
        JsonNode twice = JSON.readTree(gw.delete(KEYS + "/" + id, gw.adminKey()).body());
        assertThat(twice.get("status").asText()).isEqualTo("revoked");
        assertThat(twice.get("revoked_at").asText()).isEqualTo(revokedAt);
        assertRejectedAsRevoked(raw);
    }

    @Test
    void postRevokeActionRevokesAtOnce() throws Exception {
        JsonNode k = JSON.readTree(gw.post(KEYS, "{\"name\":\"to revoke\",\"scopes\":[\"read\"]}").body());
        String raw = k.get("key").asText();
        String id = k.get("id").asText();
        assertThat(gw.get("/v2/usage", raw).statusCode()).isEqualTo(200);

        HttpResponse<String> r = gw.post(KEYS + "/" + id + "/revoke", "");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).get("status").asText()).isEqualTo("revoked");
        assertThat(gw.get("/v2/usage", raw).statusCode()).isEqualTo(401);
        assertThat(gw.get(KEYS, raw).statusCode()).isEqualTo(401);
        JsonNode listed = JSON.readTree(gw.get(KEYS).body());
        for (JsonNode e : listed.get("data")) {
            if (e.get("id").asText().equals(id)) assertThat(e.get("status").asText()).isEqualTo("revoked");
        }
    }

    @Test
    void anotherProjectsKeyIsA404ExactlyLikeAMissingId() throws Exception {
        String otherProject = "prj_" + "other".repeat(5) + "x";
        gw.zumik().database().call(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)")) {
                ps.setString(1, otherProject);
                ps.setString(2, "other");
                ps.setLong(3, System.currentTimeMillis());
                return ps.executeUpdate();
            }
        });
        var theirs = gw.zumik().keys().create(otherProject, "theirs", EnumSet.allOf(Scope.class));
        String theirId = theirs.key().id();
        String missingId = "key_00000000000000000000000000";

        List<String[]> calls = List.of(new String[] {"GET", ""}, new String[] {"DELETE", ""}, new String[] {"POST", "/revoke"});
        for (String[] call : calls) {
            HttpResponse<String> foreign = call(call[0], KEYS + "/" + theirId + call[1]);
            HttpResponse<String> missing = call(call[0], KEYS + "/" + missingId + call[1]);
            assertThat(foreign.statusCode()).as(call[0] + " " + foreign.body()).isEqualTo(404);
            assertThat(missing.statusCode()).isEqualTo(404);
            JsonNode f = JSON.readTree(foreign.body()).get("error");
            JsonNode m = JSON.readTree(missing.body()).get("error");
            assertThat(f.get("type")).isEqualTo(m.get("type"));
            assertThat(f.get("code")).isEqualTo(m.get("code"));
            assertThat(f.get("param")).isEqualTo(m.get("param"));
            assertThat(f.get("message").asText().replace(theirId, "ID"))
                    .isEqualTo(m.get("message").asText().replace(missingId, "ID"));
            assertThat(foreign.body()).doesNotContain(otherProject).doesNotContain("theirs");
        }
        // The failed revocations did nothing: their key still works, in their project only.
        String theirRaw = theirs.rawKey();
        assertThat(gw.post(CHAT, HI, theirRaw).statusCode()).isEqualTo(200);
        assertThat(ids(JSON.readTree(gw.get(KEYS).body()))).doesNotContain(theirId);
        JsonNode theirList = JSON.readTree(gw.get(KEYS, theirRaw).body());
        assertThat(ids(theirList)).containsExactly(theirId);
        // ... and the reverse holds for them.
        String ourId = JSON.readTree(gw.post(KEYS, "{\"name\":\"ours\"}").body()).get("id").asText();
        assertThat(gw.get(KEYS + "/" + ourId, theirRaw).statusCode()).isEqualTo(404);
        assertThat(gw.delete(KEYS + "/" + ourId, theirRaw).statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(gw.get(KEYS + "/" + ourId).body()).get("status").asText()).isEqualTo("active");
        // A key they create lands in their project.
        JsonNode created = JSON.readTree(gw.post(KEYS, "{\"name\":\"theirs too\"}", theirRaw).body());
        assertThat(created.get("project_id").asText()).isEqualTo(otherProject);
    }

    @Test
    void validationErrorsNameTheParam() throws Exception {
        Map<String, String[]> cases = new TreeMap<>();
        cases.put("{}", new String[] {"missing_required_parameter", "name"});
        cases.put("{\"name\":null}", new String[] {"missing_required_parameter", "name"});
        cases.put("{\"name\":\"\"}", new String[] {"empty_string", "name"});
        cases.put("{\"name\":\"   \"}", new String[] {"invalid_value", "name"});
        cases.put("{\"name\":5}", new String[] {"invalid_type", "name"});
        cases.put("{\"name\":\"" + "n".repeat(201) + "\"}", new String[] {"invalid_value", "name"});
        cases.put("{\"name\":\"x\",\"scopes\":[\"inference\",\"root\"]}", new String[] {"invalid_value", "scopes[1]"});
        cases.put("{\"name\":\"x\",\"scopes\":[\"INFERENCE\"]}", new String[] {"invalid_value", "scopes[0]"});
        cases.put("{\"name\":\"x\",\"scopes\":[]}", new String[] {"invalid_value", "scopes"});
        cases.put("{\"name\":\"x\",\"scopes\":\"admin\"}", new String[] {"invalid_type", "scopes"});
        cases.put("{\"name\":\"x\",\"scopes\":[1]}", new String[] {"invalid_type", "scopes[0]"});
        cases.put("[\"name\"]", new String[] {"invalid_type", null});
        cases.put("{\"name\":", new String[] {"invalid_json", null});
        int before = JSON.readTree(gw.get(KEYS).body()).get("data").size();
        for (var e : cases.entrySet()) {
            HttpResponse<String> r = gw.post(KEYS, e.getKey());
            assertThat(r.statusCode()).as(e.getKey() + " -> " + r.body()).isEqualTo(400);
            JsonNode err = JSON.readTree(r.body()).get("error");
            assertThat(err.get("type").asText()).isEqualTo("invalid_request_error");
            assertThat(err.get("code").asText()).as(e.getKey()).isEqualTo(e.getValue()[0]);
            assertThat(err.get("param").isNull() ? null : err.get("param").asText()).as(e.getKey()).isEqualTo(e.getValue()[1]);
        }
        assertThat(JSON.readTree(gw.get(KEYS).body()).get("data").size()).as("no key was created").isEqualTo(before);
    }

    @Test
    void keysAreStoredOnlyAsTheirSha256() throws Exception {
        JsonNode k = JSON.readTree(gw.post(KEYS, "{\"name\":\"hashed\",\"scopes\":[\"inference\"]}").body());
        String raw = k.get("key").asText();
        String secret = raw.substring(8);
        String expectedHash = HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.US_ASCII)));

        List<Map<String, String>> rows = gw.zumik().database().call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM api_keys")) {
                ResultSet rs = ps.executeQuery();
                List<Map<String, String>> out = new ArrayList<>();
                while (rs.next()) {
                    Map<String, String> row = new TreeMap<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        row.put(rs.getMetaData().getColumnName(i).toLowerCase(java.util.Locale.ROOT), rs.getString(i));
                    }
                    out.add(row);
                }
                return out;
            }
        });
        Map<String, String> ours = rows.stream().filter(r -> r.get("id").equals(k.get("id").asText())).findFirst().orElseThrow();
        assertThat(ours.get("key_hash")).isEqualTo(expectedHash);
        for (Map<String, String> row : rows) {
            for (var cell : row.entrySet()) {
                if (cell.getValue() == null) continue;
                assertThat(cell.getValue()).as("api_keys.%s", cell.getKey()).doesNotContain(secret);
            }
        }
        // Nor anywhere on disk: the SQLite file, its WAL and shared memory.
        try (Stream<Path> files = Files.list(gw.dataDir())) {
            List<Path> dbFiles = files.filter(p -> p.getFileName().toString().startsWith("zumik.db")).toList();
            assertThat(dbFiles).isNotEmpty();
            boolean hashSeen = false;
            for (Path f : dbFiles) {
                String bytes = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                assertThat(bytes.contains(secret)).as("raw key bytes in %s", f.getFileName()).isFalse();
                hashSeen |= bytes.contains(expectedHash);
            }
            assertThat(hashSeen).as("the scan reads the files the key row is in").isTrue();
        }
    }

    @Test
    void theRawKeyNeverReachesTheAccessLog() throws Exception {
        HttpResponse<String> created = gw.post(KEYS, "{\"name\":\"logged\",\"scopes\":[\"inference\",\"read\"]}");
        JsonNode k = JSON.readTree(created.body());
        String raw = k.get("key").asText();
        String id = k.get("id").asText();
        gw.post(CHAT, HI, raw);
        gw.get("/v2/usage", raw);
        gw.get(KEYS + "/" + raw, gw.adminKey()); // the key in a URL by mistake
        gw.post(CHAT, "{\"model\":\"" + raw + "\",\"messages\":[]}", raw); // and in a rejected body
        gw.delete(KEYS + "/" + id, gw.adminKey());
        HttpResponse<String> last = gw.post(CHAT, HI, raw);
        assertThat(last.statusCode()).isEqualTo(401);
        String lastTrace = last.headers().firstValue("agent-trace-id").orElseThrow();

        String log = waitForLog(lastTrace);
        assertThat(log).contains(created.headers().firstValue("agent-trace-id").orElseThrow());
        assertThat(log).contains(id);
        assertThat(log).doesNotContain(raw).doesNotContain(raw.substring(8));
    }

    /** The access log is written off the event loop: wait until the line for {@code traceId} is there. */
    private static String waitForLog(String traceId) throws IOException, InterruptedException {
        for (int i = 0; i < 200; i++) {
            if (Files.exists(gw.accessLog())) {
                String log = Files.readString(gw.accessLog());
                if (log.contains(traceId)) return log;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("access log never got trace " + traceId);
    }

    private static void assertRejectedAsRevoked(String raw) throws IOException {
        HttpResponse<String> r = gw.post(CHAT, HI, raw);
        assertThat(r.statusCode()).isEqualTo(401);
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertThat(e.get("code").asText()).isEqualTo("invalid_api_key");
        assertThat(e.get("message").asText()).contains("revoked");
        assertThat(r.body()).doesNotContain(raw);
    }

    private static HttpResponse<String> call(String method, String path) {
        return switch (method) {
            case "GET" -> gw.get(path);
            case "DELETE" -> gw.delete(path, gw.adminKey());
            default -> gw.post(path, "");
        };
    }

    private static List<String> ids(JsonNode list) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : list.get("data")) out.add(e.get("id").asText());
        return out;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : array) out.add(e.asText());
        return out;
    }
}
