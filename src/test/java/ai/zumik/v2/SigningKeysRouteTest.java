package ai.zumik.v2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.evidence.Ed25519;
import ai.zumik.evidence.Jcs;
import ai.zumik.evidence.Jwks;
import ai.zumik.evidence.SigningKey;
import ai.zumik.evidence.Verification;
import ai.zumik.evidence.Verifier;
import ai.zumik.json.Json;
import ai.zumik.secrets.MasterKey;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.EdECPrivateKey;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code GET /v2/signing-keys} on a running gateway, and the Signer the composition root hands out. */
@Timeout(120)
class SigningKeysRouteTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode receipt(String id) {
        ObjectNode r = Json.object();
        r.put("id", id);
        r.put("object", "purge_receipt");
        r.put("guarantee", "verified_namespace_invalidation");
        r.put("completed_at", "2026-12-03T10:15:31Z");
        return r;
    }

    @Test
    void publicKeysAreServedWithoutAuthAndOldKeysStayListedAfterARotation() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream err = System.err;
        PrintStream out = System.out;
        System.setErr(new PrintStream(console, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(console, true, StandardCharsets.UTF_8));
        PrivateKey firstPrivate;
        try (TestGateway gw = TestGateway.start(Map.of())) {
            HttpResponse<String> empty = gw.get("/v2/signing-keys", null);
            assertThat(empty.statusCode()).as(empty.body()).isEqualTo(200);
            assertThat(empty.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
            assertThat(JSON.readTree(empty.body())).isEqualTo(JSON.readTree("{\"keys\":[]}"));

            ObjectNode before = gw.zumik().signer().sign(receipt("pur_01"));
            String oldKid = before.get("key_id").asText();
            JsonNode one = JSON.readTree(gw.get("/v2/signing-keys", null).body());
            assertThat(one.get("keys")).hasSize(1);
            JsonNode jwk = one.get("keys").get(0);
            assertThat(jwk.get("kty").asText()).isEqualTo("OKP");
            assertThat(jwk.get("crv").asText()).isEqualTo("Ed25519");
            assertThat(jwk.get("kid").asText()).isEqualTo(oldKid);
            assertThat(jwk.get("status").asText()).isEqualTo("active");
            assertThat(Base64.getUrlDecoder().decode(jwk.get("x").asText())).hasSize(32);
            assertThat(jwk.get("x").asText()).doesNotContain("=");
            Instant created = Instant.parse(jwk.get("created_at").asText());
            assertThat(created).isBetween(Instant.now().minusSeconds(60), Instant.now());
            assertThat(jwk.has("d")).as("never the private part").isFalse();
            assertThat(jwk.has("retired_at")).isFalse();

            SigningKey fresh = gw.zumik().signingKeys().rotate();
            ObjectNode after = gw.zumik().signer().sign(receipt("pur_02"));
            assertThat(after.get("key_id").asText()).isEqualTo(fresh.kid()).isNotEqualTo(oldKid);

            HttpResponse<String> both = gw.get("/v2/signing-keys", "zk_live_not_a_real_key_but_ignored_here00");
            assertThat(both.statusCode()).isEqualTo(200);
            JsonNode keys = JSON.readTree(both.body()).get("keys");
            assertThat(keys).hasSize(2);
            assertThat(keys.get(0).get("kid").asText()).isEqualTo(fresh.kid());
            assertThat(keys.get(0).get("status").asText()).isEqualTo("active");
            assertThat(keys.get(1).get("kid").asText()).isEqualTo(oldKid);
            assertThat(keys.get(1).get("status").asText()).isEqualTo("retired");
            assertThat(Instant.parse(keys.get(1).get("retired_at").asText())).isAfterOrEqualTo(created);

            var published = Jwks.parse(Json.parse(both.body().getBytes(StandardCharsets.UTF_8)));
            assertThat(Verifier.verify(Jcs.canonicalize(before), published)).isEqualTo(new Verification.Valid(oldKid, "retired"));
            assertThat(Verifier.verify(Jcs.canonicalize(after), published)).isEqualTo(new Verification.Valid(fresh.kid(), "active"));

            var masterFile = gw.dataDir().resolve("master.key");
            assertThat(Files.getPosixFilePermissions(masterFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            // The retired key's private half, opened the way the gateway does, for the leak checks below.
            String sealed = gw.zumik().database().call(c -> {
                try (var ps = c.prepareStatement("SELECT private_sealed FROM signing_keys WHERE kid = ?")) {
                    ps.setString(1, oldKid);
                    var rs = ps.executeQuery();
                    rs.next();
                    return rs.getString(1);
                }
            });
            byte[] seed = MasterKey.load(null, gw.dataDir()).sealer("signing-keys").open(sealed, oldKid);
            firstPrivate = KeyFactory.getInstance("Ed25519").generatePrivate(
                    new java.security.spec.EdECPrivateKeySpec(java.security.spec.NamedParameterSpec.ED25519, seed));
            String masterKey = Files.readString(masterFile).trim();
            String accessLog = Files.readString(gw.accessLog());
            assertThat(accessLog).contains("/v2/signing-keys");
            System.setErr(err);
            System.setOut(out);
            String logged = console.toString(StandardCharsets.UTF_8) + accessLog;
            byte[] raw = ((EdECPrivateKey) firstPrivate).getBytes().orElseThrow();
            assertThat(logged).doesNotContain(masterKey);
            for (byte[] secret : List.of(raw, firstPrivate.getEncoded(), Base64.getDecoder().decode(masterKey))) {
                for (String form : List.of(HexFormat.of().formatHex(secret), Base64.getEncoder().encodeToString(secret),
                        Ed25519.base64url(secret))) {
                    assertThat(logged).doesNotContain(form);
                }
            }
        } finally {
            System.setErr(err);
            System.setOut(out);
        }
    }

    @Test
    void withZumikMasterKeySetNoKeyFileIsWritten() throws Exception {
        try (TestGateway gw = TestGateway.start("ZUMIK_MASTER_KEY", MasterKey.generateEncoded())) {
            ObjectNode signed = gw.zumik().signer().sign(receipt("pur_03"));
            var published = Jwks.parse(Json.parse(gw.get("/v2/signing-keys", null).body().getBytes(StandardCharsets.UTF_8)));
            assertThat(Verifier.verify(signed, published).valid()).isTrue();
            assertThat(Files.exists(gw.dataDir().resolve("master.key"))).isFalse();
        }
    }
}
