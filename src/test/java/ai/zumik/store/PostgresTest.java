package ai.zumik.store;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.cli.Cli;
import ai.zumik.keys.ApiKeyService;
import ai.zumik.keys.RawKeys;
import ai.zumik.testing.SseClient;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The portable migrations and the whole gateway on a real PostgreSQL (127.0.0.1:5432, trust auth,
 * user {@code postgres}, database {@code test}), in a throwaway schema dropped afterwards. When
 * PostgreSQL is not reachable this class FAILS rather than skips: CI starts it, so its absence is
 * a broken environment, not a reason to pass.
 */
@Tag("postgres")
@Timeout(120)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PostgresTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    private static final String SCHEMA = "zumik_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private static final String URL = SERVER + "&currentSchema=" + SCHEMA;
    private static final String HI = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final List<String> TABLES = List.of("agent_hints", "alias_releases", "api_keys",
            "artifacts", "audit_events", "batch_lines", "batches", "branches", "bundles", "byoc_activations", "byoc_clusters",
            "credit_grants", "decision_templates", "diagnostics", "events", "execution_policies", "file_chunks", "files",
            "fingerprint_keys", "flyway_schema_history", "idempotency_keys", "projects", "provider_credentials", "purge_jobs",
            "regional_policies", "replay_runs", "response_state", "sessions", "signing_keys", "snapshot_chunks", "snapshots", "spend_totals",
            "usage_events", "v1_responses", "zumik_meta");

    private static boolean reachable;

    @BeforeAll
    static void requirePostgres() {
        try (Connection c = DriverManager.getConnection(SERVER + "&connectTimeout=5&socketTimeout=30");
             ResultSet rs = c.createStatement().executeQuery("SELECT 1 FROM pg_namespace WHERE nspname = '" + SCHEMA + "'")) {
            assertThat(rs.next()).as("schema %s must not exist yet", SCHEMA).isFalse();
            reachable = true;
        } catch (SQLException e) {
            throw new AssertionError("PostgreSQL is not reachable at 127.0.0.1:5432 (user postgres, database test, "
                    + "trust auth): " + e.getMessage() + " These tests need it running; .ci/run starts it "
                    + "(pg_ctlcluster <version> main start).", e);
        }
    }

    @AfterAll
    static void dropSchema() throws SQLException {
        if (!reachable) return;
        try (Connection c = DriverManager.getConnection(SERVER)) {
            c.createStatement().execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
    }

    @Test
    @Order(1)
    void migrationsCreateTheSchemaAndItsTablesAndAreIdempotent(@TempDir Path dir) throws Exception {
        try (Database db = Database.open(URL, dir, false)) {
            assertThat(db.dialect()).isEqualTo(Database.Dialect.POSTGRESQL);
            assertThat(tablesInSchema()).containsExactlyElementsOf(TABLES);
            String current = db.call(c -> {
                try (ResultSet rs = c.createStatement().executeQuery("SELECT current_schema()")) {
                    rs.next();
                    return rs.getString(1);
                }
            });
            assertThat(current).as("the pool's connections work in the schema").isEqualTo(SCHEMA);
            // The store works on it: projects, keys, lookup by hash.
            ApiKeyService keys = new ApiKeyService(db, Clock.systemUTC());
            var first = keys.bootstrap(null).orElseThrow();
            assertThat(keys.load(RawKeys.hash(first.rawKey()))).isInstanceOf(ApiKeyService.Check.Granted.class);
            assertThat(keys.revoke(keys.defaultProjectId(), first.key().id())).isPresent();
            assertThat(keys.load(RawKeys.hash(first.rawKey()))).isInstanceOf(ApiKeyService.Check.Revoked.class);
        }
        assertThat(columnType("usage_events", "prompt_tokens")).isEqualTo("bigint");
        assertThat(columnType("usage_events", "stream")).isEqualTo("smallint");
        assertThat(columnType("api_keys", "key_hash")).isEqualTo("text");
        assertThat(migrations()).containsExactly("1:true", "2:true", "3:true", "4:true", "5:true", "6:true", "7:true", "8:true",
                "9:true", "10:true", "11:true", "12:true", "13:true", "14:true", "15:true", "16:true", "17:true", "18:true");

        // Opening again migrates nothing and keeps the data.
        try (Database db = Database.open(URL, dir, false)) {
            ApiKeyService keys = new ApiKeyService(db, Clock.systemUTC());
            assertThat(keys.bootstrap(null)).as("no active key is left, so bootstrap makes one").isPresent();
            assertThat(keys.listAll()).hasSize(2);
        }
        assertThat(migrations()).containsExactly("1:true", "2:true", "3:true", "4:true", "5:true", "6:true", "7:true", "8:true",
                "9:true", "10:true", "11:true", "12:true", "13:true", "14:true", "15:true", "16:true", "17:true", "18:true");
    }

    @Test
    @Order(2)
    void theGatewayServesMetersAndManagesKeysOnPostgres() throws Exception {
        try (TestGateway gw = TestGateway.start("ZUMIK_DATABASE_URL", URL)) {
            assertThat(gw.zumik().database().dialect()).isEqualTo(Database.Dialect.POSTGRESQL);

            HttpResponse<String> chat = gw.post("/v1/chat/completions", HI);
            assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
            JsonNode completion = JSON.readTree(chat.body());
            assertThat(completion.at("/choices/0/message/content").asText()).startsWith("Placeholder reply from Zumik");
            String chatId = chat.headers().firstValue("agent-response-id").orElseThrow();
            Thread.sleep(5);
            String streamId;
            try (SseClient c = SseClient.post(gw, "/v1/chat/completions",
                    HI.replace("}]}", "}],\"stream\":true,\"stream_options\":{\"include_usage\":true}}"))) {
                assertThat(c.status).isEqualTo(200);
                streamId = c.header("agent-response-id");
                assertThat(c.all().getLast().done()).isTrue();
            }
            Thread.sleep(5);
            HttpResponse<String> emb = gw.post("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"hello\"}");
            assertThat(emb.statusCode()).as(emb.body()).isEqualTo(200);
            String embId = emb.headers().firstValue("agent-response-id").orElseThrow();
            long embPrompt = JSON.readTree(emb.body()).at("/usage/prompt_tokens").asLong();

            JsonNode usage = JSON.readTree(gw.get("/v2/usage").body());
            List<String> ids = new ArrayList<>();
            for (JsonNode e : usage.get("data")) ids.add(e.get("response_id").asText());
            assertThat(ids).containsExactly(embId, streamId, chatId);
            assertThat(usage.at("/summary/requests").asLong()).isEqualTo(3);
            assertThat(usage.at("/summary/completed").asLong()).isEqualTo(3);
            assertThat(usage.get("data").get(1).get("stream").asBoolean()).isTrue();
            assertThat(usage.get("data").get(2).get("stream").asBoolean()).isFalse();
            assertThat(usage.get("data").get(2).at("/usage/prompt_tokens").asLong())
                    .isEqualTo(completion.at("/usage/prompt_tokens").asLong());
            assertThat(usage.get("data").get(0).at("/usage/prompt_tokens").asLong()).isEqualTo(embPrompt);
            assertThat(usage.get("data").get(0).at("/usage/cached_tokens").isNull())
                    .as("a field the provider did not report stays null, not 0, on PostgreSQL too").isTrue();
            JsonNode limited = JSON.readTree(gw.get("/v2/usage?limit=1&provider=openai&model=gpt-4o-mini").body());
            assertThat(limited.get("data")).hasSize(1);
            assertThat(limited.get("data").get(0).get("response_id").asText()).isEqualTo(streamId);
            assertThat(limited.get("has_more").asBoolean()).isTrue();
            assertThat(count("SELECT count(*) FROM " + SCHEMA + ".usage_events")).isEqualTo(3);

            JsonNode created = JSON.readTree(gw.post("/v2/api-keys", "{\"name\":\"pg key\",\"scopes\":[\"inference\"]}").body());
            String raw = created.get("key").asText();
            String id = created.get("id").asText();
            assertThat(gw.post("/v1/chat/completions", HI, raw).statusCode()).isEqualTo(200);
            assertThat(string("SELECT key_hash FROM " + SCHEMA + ".api_keys WHERE id = '" + id + "'")).isEqualTo(RawKeys.hash(raw));
            assertThat(gw.delete("/v2/api-keys/" + id, gw.adminKey()).statusCode()).isEqualTo(200);
            assertThat(gw.post("/v1/chat/completions", HI, raw).statusCode()).isEqualTo(401);
            assertThat(string("SELECT status FROM " + SCHEMA + ".api_keys WHERE id = '" + id + "'")).isEqualTo("revoked");
            assertThat(count("SELECT count(*) FROM " + SCHEMA + ".usage_events")).isEqualTo(4);
            // Three chats planned alike share one decision template, the embeddings call has its own;
            // the response record joins it back into the whole decision.
            assertThat(count("SELECT count(*) FROM " + SCHEMA + ".decision_templates")).isEqualTo(2);
            JsonNode decision = JSON.readTree(gw.get("/v2/responses/" + chatId).body()).get("routing_decision");
            assertThat(decision.get("requested_model").asText()).isEqualTo("gpt-4o-mini");
            assertThat(decision.get("candidates")).isNotEmpty();
            assertThat(decision.get("seed").asText()).isNotBlank();
            assertThat(decision.get("order")).isNotNull();

            // A regional policy installed, replaced and read back through PostgreSQL.
            assertThat(gw.post("/v2/regional-policy", "{\"region_policy\":\"us_only\"}").statusCode()).isEqualTo(200);
            JsonNode policy = JSON.readTree(gw.post("/v2/regional-policy",
                    "{\"region_policy\":\"any\",\"allowed_regions\":[\"eu\"],\"data_boundary\":\"strict\"}").body());
            assertThat(count("SELECT count(*) FROM " + SCHEMA + ".regional_policies")).isEqualTo(1);
            // A stored /v1 response (insert, then the upsert of a later turn's chain) lives in PostgreSQL too.
            var first = JSON.readTree(gw.post("/v1/responses", "{\"model\":\"anthropic/claude-haiku-4-5\",\"input\":\"hi\"}").body());
            var second = gw.post("/v1/responses", "{\"model\":\"anthropic/claude-haiku-4-5\",\"input\":\"again\","
                    + "\"previous_response_id\":\"" + first.get("id").asText() + "\"}");
            assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
            assertThat(count("SELECT count(*) FROM " + SCHEMA + ".v1_responses")).isEqualTo(2);
            try (TestGateway replica = TestGateway.start("ZUMIK_DATABASE_URL", URL)) {
                assertThat(JSON.readTree(replica.get("/v2/regional-policy").body()))
                        .as("another replica reads the policy from PostgreSQL").isEqualTo(policy);
                assertThat(replica.get("/v1/responses/" + first.get("id").asText()).statusCode()).isEqualTo(200);
            }

            // The operator CLI reaches the same database through ZUMIK_DATABASE_URL.
            Map<String, String> env = new HashMap<>();
            env.put("ZUMIK_DATABASE_URL", URL);
            env.put("ZUMIK_DATA_DIR", gw.dataDir().toString());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int exit = Cli.run(new String[] {"keys", "list"}, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            assertThat(exit).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).contains(id).contains("revoked").doesNotContain(raw);
        }
        assertThat(tablesInSchema()).containsExactlyElementsOf(TABLES);
    }

    /**
     * Signing keys shared by replicas: two pools rotating at once leave one active key (the unique
     * partial index and the retried rotation), and two gateways with one ZUMIK_MASTER_KEY sign with
     * whichever key is active and publish the same set, retired keys included.
     */
    @Test
    @Order(4)
    void byokCredentialsSealRotateRewrapAndDeleteOnPostgres(@TempDir Path dir) throws Exception {
        var oldKey = ai.zumik.secrets.MasterKey.of(new byte[32]);
        byte[] k2 = new byte[32];
        k2[0] = 1;
        var newKey = ai.zumik.secrets.MasterKey.of(k2);
        try (Database db = Database.open(URL, dir, false)) {
            var store = new ai.zumik.credentials.ProviderCredentials(db, oldKey, Clock.systemUTC());
            var c = store.create("prj_pg", ai.zumik.provider.ProviderId.OPENAI, "pg", null,
                    "sk-pg-secret-0000000000".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            var rotated = store.rotate("prj_pg", c.id(), "sk-pg-rotated-000000000".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                    .orElseThrow();
            assertThat(rotated.version()).isEqualTo(2);
            assertThat(store.rotate("prj_other", c.id(), new byte[] {'x'})).as("another project's id").isEmpty();
            var policies = new ai.zumik.credentials.ExecutionPolicies(db, Clock.systemUTC());
            policies.install("prj_pg", java.util.Map.of(ai.zumik.provider.ProviderId.OPENAI, c.id()));
            var fresh = new ai.zumik.credentials.ExecutionPolicies(db, Clock.systemUTC());
            fresh.refresh();
            assertThat(fresh.byokDefault("prj_pg", ai.zumik.provider.ProviderId.OPENAI)).isEqualTo(c.id());
            // Earlier tests left signing keys sealed under other master keys: the rewrap refuses as a whole.
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ai.zumik.credentials.MasterKeyRewrap.run(db, oldKey, newKey))
                    .isInstanceOf(ai.zumik.credentials.MasterKeyRewrap.Unopenable.class);
            var unchanged = new ai.zumik.credentials.ProviderCredentials(db, oldKey, Clock.systemUTC());
            unchanged.refresh();
            assertThat(unchanged.open(unchanged.live("prj_pg", c.id()).orElseThrow())).as("nothing was rewrapped").isNotEmpty();
            db.call(conn -> conn.createStatement().executeUpdate("DELETE FROM signing_keys"));
            db.call(conn -> conn.createStatement().executeUpdate("DELETE FROM fingerprint_keys"));
            assertThat(ai.zumik.credentials.MasterKeyRewrap.run(db, oldKey, newKey).credentials()).isEqualTo(1);
            var reopened = new ai.zumik.credentials.ProviderCredentials(db, newKey, Clock.systemUTC());
            reopened.refresh();
            var live = reopened.live("prj_pg", c.id()).orElseThrow();
            assertThat(new String(reopened.open(live), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("sk-pg-rotated-000000000");
            assertThat(reopened.delete("prj_pg", c.id())).isTrue();
            assertThat(reopened.list("prj_pg")).isEmpty();
        }
    }

    @Test
    @Order(3)
    void signingKeysRotateSafelyAcrossReplicasOnPostgres(@TempDir Path dir) throws Exception {
        String master = ai.zumik.secrets.MasterKey.generateEncoded();
        var masterKey = ai.zumik.secrets.MasterKey.load(master, dir);
        try (Database a = Database.open(URL, dir, false); Database b = Database.open(URL, dir, false)) {
            var pool = java.util.concurrent.Executors.newFixedThreadPool(6);
            try {
                List<java.util.concurrent.Callable<Integer>> work = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    var keys = new ai.zumik.evidence.SigningKeys(i % 2 == 0 ? a : b, masterKey, Clock.systemUTC());
                    work.add(() -> {
                        for (int j = 0; j < 5; j++) keys.rotate();
                        return 5;
                    });
                }
                for (var f : pool.invokeAll(work)) assertThat(f.get()).isEqualTo(5);
            } finally {
                pool.shutdown();
            }
        }
        assertThat(count("SELECT count(*) FROM " + SCHEMA + ".signing_keys")).isEqualTo(30);
        assertThat(count("SELECT count(*) FROM " + SCHEMA + ".signing_keys WHERE status = 'active'")).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM " + SCHEMA + ".signing_keys WHERE status = 'retired' AND retired_at IS NOT NULL"))
                .isEqualTo(29);

        try (TestGateway one = TestGateway.start("ZUMIK_DATABASE_URL", URL, "ZUMIK_MASTER_KEY", master);
             TestGateway two = TestGateway.start("ZUMIK_DATABASE_URL", URL, "ZUMIK_MASTER_KEY", master)) {
            var receipt = ai.zumik.json.Json.object().put("id", "pur_pg").put("object", "purge_receipt");
            var before = one.zumik().signer().sign(receipt);
            var fresh = two.zumik().signingKeys().rotate();
            var after = one.zumik().signer().sign(receipt);
            assertThat(after.get("key_id").asText()).as("replica one signs with the key replica two made")
                    .isEqualTo(fresh.kid()).isNotEqualTo(before.get("key_id").asText());
            Thread.sleep(1_100);
            for (TestGateway gw : List.of(one, two)) {
                var set = ai.zumik.evidence.Jwks.parse(ai.zumik.json.Json.parse(
                        gw.get("/v2/signing-keys", null).body().getBytes(StandardCharsets.UTF_8)));
                assertThat(set.size()).isEqualTo(31);
                assertThat(ai.zumik.evidence.Verifier.verify(before, set))
                        .isEqualTo(new ai.zumik.evidence.Verification.Valid(before.get("key_id").asText(), "retired"));
                assertThat(ai.zumik.evidence.Verifier.verify(after, set).valid()).isTrue();
            }
        }
    }

    private static List<String> tablesInSchema() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(SERVER);
             PreparedStatement ps = c.prepareStatement(
                     "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name")) {
            ps.setString(1, SCHEMA);
            ResultSet rs = ps.executeQuery();
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }

    private static String columnType(String table, String column) throws SQLException {
        try (Connection c = DriverManager.getConnection(SERVER);
             PreparedStatement ps = c.prepareStatement("SELECT data_type FROM information_schema.columns "
                     + "WHERE table_schema = ? AND table_name = ? AND column_name = ?")) {
            ps.setString(1, SCHEMA);
            ps.setString(2, table);
            ps.setString(3, column);
            ResultSet rs = ps.executeQuery();
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static List<String> migrations() throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(SERVER);
             ResultSet rs = c.createStatement().executeQuery(
                     "SELECT version, success FROM " + SCHEMA + ".flyway_schema_history WHERE version IS NOT NULL ORDER BY installed_rank")) {
            while (rs.next()) out.add(rs.getString(1) + ":" + rs.getBoolean(2));
        }
        return out;
    }

    private static long count(String sql) throws SQLException {
        return Long.parseLong(string(sql));
    }

    private static String string(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(SERVER); ResultSet rs = c.createStatement().executeQuery(sql)) {
            assertThat(rs.next()).as(sql).isTrue();
            return rs.getString(1);
        }
    }
}
