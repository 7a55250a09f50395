package ai.zumik.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.cli.Cli;
import ai.zumik.json.Json;
import ai.zumik.reuse.FingerprintKeys;
import ai.zumik.secrets.MasterKey;
import ai.zumik.store.Database;
import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code zumik master-key rewrap} round trip: credentials, signing keys and fingerprint keys made
 * under one master key are usable under the new one after the command, unusable under the old
 * one, and the sealed secrets themselves are byte-for-byte untouched.
 */
@Timeout(120)
class MasterKeyRewrapTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "sk-rewrap-customer-000000000000000";
    private static final String CLUSTER_KEY = "sk-rewrap-cluster-1111111111";

    @Test
    void rewrapMovesEverythingToTheNewKeyInOneGoAndTheOldKeyNoLongerOpensIt(@TempDir Path dir) throws Exception {
        String oldKey = MasterKey.generateEncoded();
        String newKey = MasterKey.generateEncoded();
        Path data = dir.resolve("data");
        try (FakeProvider customer = FakeProvider.start()) {
            Map<String, String> env = new LinkedHashMap<>(Map.of("ZUMIK_ALLOW_PRIVATE_UPSTREAMS", "true",
                    "ZUMIK_BOOTSTRAP_KEY", "zk_live_" + "r".repeat(32)));
            String credentialId;
            String fingerprintKeyId;
            String clusterId;
            String clusterFingerprint;
            try (TestGateway gw = start(data, env, oldKey)) {
                JsonNode c = json(gw.post("/v2/provider-credentials", "{\"provider\":\"openai\",\"secret\":\"" + SECRET
                        + "\",\"base_url\":\"" + customer.baseUrl() + "\"}"));
                credentialId = c.get("id").asText();
                gw.post("/v2/model-aliases/rw.byok/releases", "{\"targets\":[{\"execution_profile\":\"byok\",\"provider\":"
                        + "\"openai\",\"model\":\"gpt-4o-mini\",\"weight\":1,\"credential_id\":\"" + credentialId + "\"}]}");
                assertThat(chat(gw).statusCode()).isEqualTo(200);
                gw.zumik().signer().sign(Json.object().put("object", "test"));
                fingerprintKeyId = json(gw.get("/v2/fingerprint-keys")).at("/data/0/id").asText();
                JsonNode cluster = json(gw.post("/v2/byoc/clusters", "{\"name\":\"pool\",\"base_url\":\"" + customer.baseUrl()
                        + "\",\"api_key\":\"" + CLUSTER_KEY + "\",\"flavour\":\"byoc_epp\",\"models\":[\"m/llama\"],"
                        + "\"region\":\"us\"}"));
                clusterId = cluster.get("id").asText();
                clusterFingerprint = cluster.get("api_key_fingerprint").asText();
            }
            Map<String, String> before = columns(data, "sealed_secret", "wrapped_data_key", "secret_fingerprint");

            // --help, and refusals that change nothing.
            assertThat(cli(data, Map.of("ZUMIK_MASTER_KEY", oldKey), "master-key", "rewrap", "--help").out)
                    .contains("ZUMIK_NEW_MASTER_KEY").contains("one transaction");
            assertThat(cli(data, Map.of("ZUMIK_MASTER_KEY", oldKey), "master-key", "rewrap").code).isEqualTo(2);
            Result wrong = cli(data, Map.of("ZUMIK_MASTER_KEY", MasterKey.generateEncoded(),
                    "ZUMIK_NEW_MASTER_KEY", newKey), "master-key", "rewrap");
            assertThat(wrong.code).as(wrong.err).isEqualTo(1);
            assertThat(wrong.err).contains("Nothing was changed");
            assertThat(columns(data, "sealed_secret", "wrapped_data_key", "secret_fingerprint")).isEqualTo(before);

            Result ok = cli(data, Map.of("ZUMIK_MASTER_KEY", oldKey, "ZUMIK_NEW_MASTER_KEY", newKey), "master-key", "rewrap");
            assertThat(ok.code).as(ok.err).isZero();
            assertThat(ok.out).contains("1 provider credential data keys, 1 signing keys, 1 fingerprint keys, 1 BYOC cluster keys");
            Map<String, String> after = columns(data, "sealed_secret", "wrapped_data_key", "secret_fingerprint");
            assertThat(after.get("sealed_secret")).as("sealed secrets are not touched").isEqualTo(before.get("sealed_secret"));
            assertThat(after.get("wrapped_data_key")).isNotEqualTo(before.get("wrapped_data_key"));
            assertThat(after.get("secret_fingerprint")).isNotEqualTo(before.get("secret_fingerprint"));
            Result again = cli(data, Map.of("ZUMIK_MASTER_KEY", oldKey, "ZUMIK_NEW_MASTER_KEY", newKey), "master-key", "rewrap");
            assertThat(again.code).isZero();
            assertThat(again.out).contains("0 provider credential data keys").contains("4 were already under it");

            customer.reset();
            try (TestGateway gw = start(data, env, newKey)) {
                var r = chat(gw);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(customer.lastRequest().headers().get("authorization")).isEqualTo("Bearer " + SECRET);
                assertThat(gw.zumik().signer().sign(Json.object().put("object", "test")).get("signature").asText()).isNotEmpty();
                assertThat(json(gw.get("/v2/provider-credentials/" + credentialId)).get("secret_fingerprint").asText())
                        .isEqualTo(after.get("secret_fingerprint"));
                JsonNode cluster = json(gw.get("/v2/byoc/clusters/" + clusterId));
                assertThat(cluster.get("api_key_fingerprint").asText()).as("recomputed under the new key")
                        .startsWith("zfp_").isNotEqualTo(clusterFingerprint);
                String project = cluster.get("project_id").asText();
                assertThat(gw.zumik().clusterDirectory().byId(project, clusterId).orElseThrow().apiKey().open())
                        .as("the cluster's key opens under the new master key").isEqualTo(CLUSTER_KEY);
            }
            try (Database db = Database.open(null, data, false)) {
                var keys = new FingerprintKeys(db, MasterKey.load(newKey, data), Clock.systemUTC(),
                        Executors.newVirtualThreadPerTaskExecutor());
                assertThat(keys.active(defaultProject(db)).id())
                        .as("the same fingerprint key opens under the new master key").isEqualTo(fingerprintKeyId);
            }
            customer.reset();
            try (TestGateway gw = start(data, env, oldKey)) {
                var r = chat(gw);
                assertThat(r.statusCode()).as("the old key no longer opens the credential: " + r.body()).isEqualTo(500);
                assertThat(r.body()).contains(credentialId).contains("ZUMIK_MASTER_KEY").doesNotContain(SECRET);
                assertThat(customer.requests()).isEmpty();
            }
        }
    }

    private static TestGateway start(Path data, Map<String, String> env, String masterKey) {
        Map<String, String> all = new LinkedHashMap<>(env);
        all.put("ZUMIK_MASTER_KEY", masterKey);
        return TestGateway.start(data, all);
    }

    private static java.net.http.HttpResponse<String> chat(TestGateway gw) {
        return gw.post("/v1/chat/completions", "{\"model\":\"rw.byok\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }

    private static String defaultProject(Database db) {
        return db.call(c -> {
            try (ResultSet rs = c.createStatement().executeQuery("SELECT project_id FROM fingerprint_keys")) {
                rs.next();
                return rs.getString(1);
            }
        });
    }

    private static Map<String, String> columns(Path data, String... names) {
        try (Database db = Database.open(null, data, false)) {
            return db.call(c -> {
                Map<String, String> out = new LinkedHashMap<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT " + String.join(", ", names) + " FROM provider_credentials")) {
                    ResultSet rs = ps.executeQuery();
                    rs.next();
                    for (String n : names) out.put(n, rs.getString(n));
                }
                return out;
            });
        }
    }

    private static JsonNode json(java.net.http.HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private record Result(int code, String out, String err) {}

    private static Result cli(Path data, Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--data-dir";
        all[args.length + 1] = data.toString();
        if (args[args.length - 1].equals("--help")) all = args;
        int code = Cli.run(all, env, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
