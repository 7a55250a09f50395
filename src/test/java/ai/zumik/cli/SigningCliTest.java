package ai.zumik.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.evidence.Jcs;
import ai.zumik.evidence.Jwks;
import ai.zumik.evidence.Signer;
import ai.zumik.evidence.SigningKeys;
import ai.zumik.json.Json;
import ai.zumik.secrets.MasterKey;
import ai.zumik.store.Database;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code zumik signing-keys rotate|list} and {@code zumik verify-receipt} on a data directory: a
 * receipt verifies offline from a key file, from the database and from a running gateway's URL,
 * keeps verifying after a rotation, and any one changed byte makes the command exit non-zero.
 */
@Timeout(120)
class SigningCliTest {
    private static final Pattern ROTATED = Pattern.compile("(?m)^rotated: (sig_[0-9a-z]{26}) is the active signing key$");

    @TempDir
    Path dataDir;
    @TempDir
    Path work;

    record Run(int exit, String out, String err) {}

    private Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = Cli.run(args, Map.of("ZUMIK_DATA_DIR", dataDir.toString()), o, e);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Signs a receipt the way the server does: same data dir, same master key file. */
    private ObjectNode signOnDataDir() {
        try (Database db = Database.open(null, dataDir, false)) {
            SigningKeys keys = new SigningKeys(db, MasterKey.load(null, dataDir), Clock.systemUTC());
            ObjectNode r = Json.object();
            r.put("id", "pur_01jy7n0a4c8m2t6v9q3wrxk7bd");
            r.put("object", "purge_receipt");
            r.put("guarantee", "verified_namespace_invalidation");
            r.put("completed_at", 1764756931000L);
            r.putObject("scope").put("project_id", "prj_01jy7n0a4c8m2t6v9q3wrxk7bd").putArray("artifact_ids").add("art_1");
            return new Signer(keys).sign(r);
        }
    }

    private Path writeKeys() throws Exception {
        Path keys = work.resolve("keys.json");
        try (Database db = Database.open(null, dataDir, false)) {
            Files.write(keys, Json.bytes(Jwks.render(SigningKeys.readOnly(db, Clock.systemUTC()).list())));
        }
        return keys;
    }

    @Test
    void rotateAndListActOnTheDataDir() {
        Run empty = cli("signing-keys", "list");
        assertThat(empty.exit()).as(empty.err()).isZero();
        assertThat(empty.out().lines()).hasSize(1).first().asString().startsWith("KID ");

        Run first = cli("signing-keys", "rotate");
        assertThat(first.exit()).as(first.err()).isZero();
        Matcher m1 = ROTATED.matcher(first.out());
        assertThat(m1.find()).as(first.out()).isTrue();
        assertThat(first.out()).doesNotContain("retired:");
        assertThat(Files.exists(dataDir.resolve("master.key"))).isTrue();

        Run second = cli("signing-keys", "rotate");
        Matcher m2 = ROTATED.matcher(second.out());
        assertThat(m2.find()).as(second.out()).isTrue();
        assertThat(second.out()).contains("retired: " + m1.group(1));

        Run list = cli("signing-keys", "list");
        assertThat(list.out().lines().toList()).hasSize(3);
        assertThat(line(list.out(), m2.group(1))).contains(" active ");
        assertThat(line(list.out(), m1.group(1))).contains(" retired ");

        assertThat(cli("signing-keys").exit()).isEqualTo(2);
        assertThat(cli("signing-keys", "revoke").exit()).isEqualTo(2);
        assertThat(cli("signing-keys", "list", "extra").exit()).isEqualTo(2);
    }

    @Test
    void aReceiptVerifiesOfflineFromAKeyFileAndFromTheDatabaseBeforeAndAfterARotation() throws Exception {
        ObjectNode signed = signOnDataDir();
        String kid = signed.get("key_id").asText();
        Path receipt = work.resolve("receipt.json");
        Files.write(receipt, Jcs.canonicalize(signed));
        Path keys = writeKeys();

        Run offline = cli("verify-receipt", receipt.toString(), "--keys", keys.toString());
        assertThat(offline.exit()).as(offline.out() + offline.err()).isZero();
        assertThat(offline.out().strip())
                .isEqualTo("OK: pur_01jy7n0a4c8m2t6v9q3wrxk7bd (purge_receipt) signed by " + kid + " (active)");
        Run fromDb = cli("verify-receipt", receipt.toString());
        assertThat(fromDb.exit()).as(fromDb.out() + fromDb.err()).isZero();

        assertThat(cli("signing-keys", "rotate").exit()).isZero();
        Run afterRotation = cli("verify-receipt", receipt.toString());
        assertThat(afterRotation.exit()).as(afterRotation.out()).isZero();
        assertThat(afterRotation.out()).contains("signed by " + kid + " (retired)");
        // Pretty-printed, as someone might save it, it is the same document.
        Files.write(receipt, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(signed));
        assertThat(cli("verify-receipt", receipt.toString(), "--keys", writeKeys().toString()).exit()).isZero();
    }

    /** Every byte of the saved receipt changed four ways: the command never exits 0. */
    @Test
    void anyOneChangedByteMakesVerifyReceiptExitNonZero() throws Exception {
        byte[] bytes = Jcs.canonicalize(signOnDataDir());
        Path keys = writeKeys();
        Path receipt = work.resolve("receipt.json");
        int malformed = 0;
        int badSignature = 0;
        for (int i = 0; i < bytes.length; i++) {
            for (int change = 0; change < 4; change++) {
                byte[] changed = bytes.clone();
                changed[i] = change == 3 ? (byte) (bytes[i] + 1) : (byte) (bytes[i] ^ new int[] {0x01, 0x20, 0x80}[change]);
                Files.write(receipt, changed);
                Run r = cli("verify-receipt", receipt.toString(), "--keys", keys.toString());
                assertThat(r.exit()).as("byte %d changed: %s", i, r.out()).isEqualTo(1);
                assertThat(r.out()).startsWith("FAILED (");
                if (r.out().startsWith("FAILED (malformed)")) malformed++;
                if (r.out().startsWith("FAILED (bad_signature)")) badSignature++;
            }
        }
        assertThat(malformed).isPositive();
        assertThat(badSignature).isPositive();
        Files.write(receipt, bytes);
        assertThat(cli("verify-receipt", receipt.toString(), "--keys", keys.toString()).exit()).isZero();
    }

    @Test
    void keysFromARunningGatewaysUrl() throws Exception {
        ObjectNode signed;
        Path receipt = work.resolve("receipt.json");
        try (TestGateway gw = TestGateway.start(dataDir, Map.of())) {
            signed = gw.zumik().signer().sign(Json.object().put("id", "rpt_1").put("object", "replay_report"));
            Files.write(receipt, Jcs.canonicalize(signed));
            Run full = cli("verify-receipt", receipt.toString(), "--keys", gw.url() + "/v2/signing-keys");
            assertThat(full.exit()).as(full.out() + full.err()).isZero();
            assertThat(full.out()).contains("OK: rpt_1 (replay_report) signed by " + signed.get("key_id").asText());
            Run base = cli("verify-receipt", receipt.toString(), "--keys", gw.url() + "/");
            assertThat(base.exit()).as(base.out() + base.err()).isZero();
            // A rotation by the CLI while the gateway runs: the old key stays published (within 1 s).
            assertThat(cli("signing-keys", "rotate").exit()).isZero();
            Thread.sleep(1_100);
            Run after = cli("verify-receipt", receipt.toString(), "--keys", gw.url());
            assertThat(after.out()).contains("(retired)");
            assertThat(after.exit()).isZero();
            String newKid = Json.parse(gw.get("/v2/signing-keys", null).body().getBytes(StandardCharsets.UTF_8))
                    .get("keys").get(0).get("kid").asText();
            assertThat(gw.zumik().signer().sign(Json.object().put("id", "rpt_2")).get("key_id").asText())
                    .as("the gateway signs with the key the CLI made").isEqualTo(newKid);
        }
    }

    @Test
    void whatCannotBeReadExits3AndUsageErrorsExit2() throws Exception {
        Files.write(work.resolve("receipt.json"), Jcs.canonicalize(signOnDataDir()));
        String receipt = work.resolve("receipt.json").toString();
        Run missing = cli("verify-receipt", work.resolve("nope.json").toString(), "--keys", writeKeys().toString());
        assertThat(missing.exit()).isEqualTo(3);
        assertThat(missing.err()).contains("no such file");
        Files.writeString(work.resolve("bad-keys.json"), "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"k\",\"x\":\"AA\"}]}");
        Run badKeys = cli("verify-receipt", receipt, "--keys", work.resolve("bad-keys.json").toString());
        assertThat(badKeys.exit()).isEqualTo(3);
        assertThat(badKeys.err()).contains("does not hold a signing key set");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Run unreachable = cli("verify-receipt", receipt, "--keys", "http://127.0.0.1:" + port);
        assertThat(unreachable.exit()).isEqualTo(3);
        assertThat(unreachable.err()).contains("cannot fetch keys");
        Run noDb = cli("verify-receipt", receipt, "--data-dir", work.resolve("empty").toString());
        assertThat(noDb.exit()).isEqualTo(3);
        assertThat(noDb.err()).contains("no Zumik database");
        assertThat(Files.exists(work.resolve("empty"))).as("nothing is created").isFalse();
        Run unknownKey = cli("verify-receipt", receipt, "--keys", writeEmptyKeys().toString());
        assertThat(unknownKey.exit()).isEqualTo(1);
        assertThat(unknownKey.out()).startsWith("FAILED (unknown_key)");

        assertThat(cli("verify-receipt").exit()).isEqualTo(2);
        assertThat(cli("verify-receipt", receipt, receipt).exit()).isEqualTo(2);
        assertThat(cli("verify-receipt", receipt, "--key", "x").exit()).isEqualTo(2);
    }

    private Path writeEmptyKeys() throws Exception {
        Path p = work.resolve("empty-keys.json");
        Files.writeString(p, "{\"keys\":[]}");
        return p;
    }

    private static String line(String text, String containing) {
        return text.lines().filter(l -> l.contains(containing)).findFirst().orElseThrow(() -> new AssertionError(containing + " in " + text));
    }
}
