package ai.zumik.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.zumik.evidence.Verification.Failure;
import ai.zumik.evidence.Verification.Invalid;
import ai.zumik.evidence.Verification.Valid;
import ai.zumik.json.Json;
import ai.zumik.secrets.MasterKey;
import ai.zumik.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signing and verifying receipts with keys kept in the database (SQLite here; PostgresTest repeats
 * the concurrent rotation on PostgreSQL): the round trip, every one-byte change of a signed
 * receipt, rotation, the key at rest, and verification by means that share no code with ours.
 */
@Timeout(120)
class SigningTest {
    static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    @TempDir
    Path dir;
    Database db;
    MasterKey master;
    SigningKeys keys;
    Signer signer;

    @BeforeEach
    void open() {
        db = Database.open(null, dir, false);
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        master = MasterKey.of(k);
        keys = new SigningKeys(db, master, Clock.systemUTC());
        signer = new Signer(keys);
    }

    @AfterEach
    void close() {
        db.close();
    }

    /** A small purge receipt, with a nested object, an array, a non-ASCII name and an escaped newline. */
    static ObjectNode receipt() {
        ObjectNode r = Json.object();
        r.put("id", "pur_01jy7n0a4c8m2t6v9q3wrxk7bd");
        r.put("object", "purge_receipt");
        r.put("requested_at", "2026-12-03T10:15:30Z");
        r.put("completed_at", 1764756931000L);
        ObjectNode scope = r.putObject("scope");
        scope.put("project_id", "prj_01jy7n0a4c8m2t6v9q3wrxk7bd");
        scope.putArray("artifact_ids").add("art_01jy7n3q8v6kzr4w2m9bd5xpfh");
        r.put("guarantee", "best_effort_expiry");
        r.put("note", "Société\nclose");
        r.put("retained_window_s", 3600);
        return r;
    }

    @Test
    void aSignedReceiptCarriesAlgKeyIdAndSignatureAndVerifies() {
        assertThat(keys.list()).as("no key before first use").isEmpty();
        ObjectNode original = receipt();
        ObjectNode signed = signer.sign(original);
        assertThat(original).as("the argument is not changed").isEqualTo(receipt());
        assertThat(signed.get("alg").textValue()).isEqualTo("Ed25519");
        String kid = signed.get("key_id").textValue();
        assertThat(kid).matches("sig_[0-9a-hjkmnp-tv-z]{26}");
        assertThat(Base64.getUrlDecoder().decode(signed.get("signature").textValue())).hasSize(64);
        assertThat(signed.get("signature").textValue()).doesNotContain("=");

        List<SigningKey> listed = keys.list();
        assertThat(listed).hasSize(1);
        assertThat(listed.getFirst().kid()).isEqualTo(kid);
        assertThat(listed.getFirst().status()).isEqualTo(SigningKey.Status.ACTIVE);
        assertThat(Verifier.verify(signed, KeyRing.ofKeys(listed))).isEqualTo(new Valid(kid, "active"));
        assertThat(Verifier.verify(Jcs.canonicalize(signed), KeyRing.ofKeys(listed))).isEqualTo(new Valid(kid, "active"));

        ObjectNode second = signer.sign(receipt());
        assertThat(second.get("key_id").textValue()).as("the same active key signs again").isEqualTo(kid);
        assertThat(second.get("signature")).as("Ed25519 is deterministic").isEqualTo(signed.get("signature"));
        assertThat(keys.list()).hasSize(1);
    }

    @Test
    void formattingIsNotSignedButEveryValueAndNameIs() throws Exception {
        ObjectNode signed = signer.sign(receipt());
        KeyRing ring = KeyRing.ofKeys(keys.list());
        byte[] pretty = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(signed);
        assertThat(Verifier.verify(pretty, ring).valid()).as("pretty-printed").isTrue();

        ObjectNode changed = signed.deepCopy();
        changed.put("retained_window_s", 3601);
        assertThat(Verifier.verify(changed, ring)).isInstanceOf(Invalid.class)
                .extracting(v -> ((Invalid) v).failure()).isEqualTo(Failure.BAD_SIGNATURE);
        ObjectNode added = signed.deepCopy();
        added.put("extra", true);
        assertThat(((Invalid) Verifier.verify(added, ring)).failure()).isEqualTo(Failure.BAD_SIGNATURE);
        ObjectNode renamed = signed.deepCopy();
        renamed.set("Note", renamed.remove("note"));
        assertThat(((Invalid) Verifier.verify(renamed, ring)).failure()).isEqualTo(Failure.BAD_SIGNATURE);
    }

    @Test
    void eachCheckReportsWhatFailed() throws Exception {
        ObjectNode signed = signer.sign(receipt());
        KeyRing ring = KeyRing.ofKeys(keys.list());
        assertThat(failure(Verifier.verify("[1]".getBytes(StandardCharsets.UTF_8), ring))).isEqualTo(Failure.MALFORMED);
        assertThat(failure(Verifier.verify("{\"a\":1,\"a\":2}".getBytes(StandardCharsets.UTF_8), ring))).isEqualTo(Failure.MALFORMED);
        assertThat(failure(Verifier.verify((Json.text(signed) + " x").getBytes(StandardCharsets.UTF_8), ring)))
                .isEqualTo(Failure.MALFORMED);
        assertThat(failure(Verifier.verify(without(signed, "signature"), ring))).isEqualTo(Failure.MALFORMED);
        assertThat(failure(Verifier.verify(without(signed, "key_id"), ring))).isEqualTo(Failure.MALFORMED);
        assertThat(failure(Verifier.verify(without(signed, "alg"), ring))).isEqualTo(Failure.MALFORMED);
        assertThat(failure(Verifier.verify(signed.deepCopy().put("signature", Ed25519.base64url(new byte[63])), ring)))
                .isEqualTo(Failure.MALFORMED);
        assertThat(failure(Verifier.verify(signed.deepCopy().put("signature", signed.get("signature").textValue() + "=="), ring)))
                .isEqualTo(Failure.MALFORMED);
        assertThat(failure(Verifier.verify(signed.deepCopy().put("alg", "EdDSA"), ring))).isEqualTo(Failure.BAD_ALG);
        assertThat(failure(Verifier.verify(signed.deepCopy().put("alg", "none"), ring))).isEqualTo(Failure.BAD_ALG);
        assertThat(failure(Verifier.verify(signed.deepCopy().put("key_id", "sig_01jy7n0a4c8m2t6v9q3wrxk7bd"), ring)))
                .isEqualTo(Failure.UNKNOWN_KEY);
        assertThat(failure(Verifier.verify(signed, KeyRing.of(List.of())))).isEqualTo(Failure.UNKNOWN_KEY);
        Verification escaped = Verifier.verify(signed.deepCopy().put("key_id", "\u001b[31mred"), ring);
        assertThat(((Invalid) escaped).detail()).as("document values are quoted, never raw on a terminal")
                .contains("\"\\u001B[31mred\"").doesNotContain("\u001b");
        // The right kid with another key's public half: the signature does not match.
        PublicKey other = Ed25519.generate().getPublic();
        KeyRing impostor = KeyRing.of(List.of(new KeyRing.Entry(signed.get("key_id").textValue(), other, "active")));
        assertThat(failure(Verifier.verify(signed, impostor))).isEqualTo(Failure.BAD_SIGNATURE);

        assertThatThrownBy(() -> signer.sign(signed)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already has");
    }

    /**
     * Every byte of a signed receipt's canonical serialization, changed four ways (its lowest bit,
     * bit 5 which swaps letter case, its top bit, and plus one, which turns a base64url character
     * into its neighbour in the alphabet): where the result still parses it must fail the signature
     * check (or name an unknown key or algorithm), where it does not it is malformed; never valid.
     */
    @Test
    void everyOneByteChangeAnywhereInASignedReceiptFails() {
        ObjectNode signed = signer.sign(receipt());
        KeyRing ring = KeyRing.ofKeys(keys.list());
        byte[] bytes = Jcs.canonicalize(signed);
        assertThat(Verifier.verify(bytes, ring).valid()).isTrue();
        Map<Failure, Integer> seen = new EnumMap<>(Failure.class);
        for (int i = 0; i < bytes.length; i++) {
            for (int change = 0; change < 4; change++) {
                byte[] changed = bytes.clone();
                changed[i] = change == 3 ? (byte) (bytes[i] + 1) : (byte) (bytes[i] ^ new int[] {0x01, 0x20, 0x80}[change]);
                Verification v = Verifier.verify(changed, ring);
                assertThat(v.valid()).as("byte %d ('%s') changed to 0x%02x: %s", i, (char) bytes[i], changed[i] & 0xff,
                        new String(changed, StandardCharsets.UTF_8)).isFalse();
                seen.merge(((Invalid) v).failure(), 1, Integer::sum);
            }
        }
        assertThat(seen.keySet()).as("changes that still parse and changes that do not both occur: %s", seen)
                .contains(Failure.MALFORMED, Failure.BAD_SIGNATURE, Failure.UNKNOWN_KEY, Failure.BAD_ALG);
        assertThat(seen.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(4 * bytes.length);
    }

    @Test
    void aReceiptSignedBeforeARotationVerifiesAfterIt() {
        ObjectNode before = signer.sign(receipt());
        String oldKid = before.get("key_id").textValue();
        SigningKey fresh = keys.rotate();
        assertThat(fresh.kid()).isNotEqualTo(oldKid);
        assertThat(fresh.status()).isEqualTo(SigningKey.Status.ACTIVE);
        ObjectNode after = signer.sign(receipt());
        assertThat(after.get("key_id").textValue()).as("new documents use the new key").isEqualTo(fresh.kid());

        List<SigningKey> listed = keys.list();
        assertThat(listed).extracting(SigningKey::kid).containsExactly(fresh.kid(), oldKid);
        assertThat(listed).extracting(SigningKey::status).containsExactly(SigningKey.Status.ACTIVE, SigningKey.Status.RETIRED);
        assertThat(listed.get(0).retiredAtMs()).isNull();
        assertThat(listed.get(1).retiredAtMs()).isNotNull().isGreaterThanOrEqualTo(listed.get(1).createdAtMs());
        KeyRing ring = KeyRing.ofKeys(listed);
        assertThat(Verifier.verify(before, ring)).isEqualTo(new Valid(oldKid, "retired"));
        assertThat(Verifier.verify(after, ring)).isEqualTo(new Valid(fresh.kid(), "active"));
        // Published and read back as a JWK set, as a verifier elsewhere would.
        KeyRing published = Jwks.parse(Jwks.render(listed));
        assertThat(Verifier.verify(Jcs.canonicalize(before), published)).isEqualTo(new Valid(oldKid, "retired"));
    }

    @Test
    void rotatingBeforeAnyKeyExistsMakesTheFirstOne() {
        SigningKey first = keys.rotate();
        assertThat(keys.list()).extracting(SigningKey::kid).containsExactly(first.kid());
        assertThat(signer.sign(receipt()).get("key_id").textValue()).isEqualTo(first.kid());
    }

    /**
     * The private key at rest is sealed: neither the row nor the database files hold its 32 bytes
     * or its PKCS#8 encoding, raw or in hex or base64; and nothing written to the console holds them.
     */
    @Test
    void thePrivateKeyIsSealedAtRestAndNeverPrinted() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream err = System.err;
        PrintStream out = System.out;
        PrivateKey privateKey;
        try (PrintStream capture = new PrintStream(console, true, StandardCharsets.UTF_8)) {
            System.setErr(capture);
            System.setOut(capture);
            signer.sign(receipt());
            keys.rotate();
            signer.sign(receipt());
            privateKey = keys.active().key();
        } finally {
            System.setErr(err);
            System.setOut(out);
        }
        byte[] seed = Ed25519.rawPrivate(privateKey);
        byte[] pkcs8 = privateKey.getEncoded();
        assertThat(pkcs8).hasSize(48).endsWith(seed);
        String kid = keys.list().getFirst().kid();
        String row = db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM signing_keys WHERE kid = ?")) {
                ps.setString(1, kid);
                ResultSet rs = ps.executeQuery();
                assertThat(rs.next()).isTrue();
                StringBuilder all = new StringBuilder();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) all.append(rs.getString(i)).append('|');
                return all.toString();
            }
        });
        assertThat(row).contains("v1:");
        String logged = console.toString(StandardCharsets.UTF_8);
        for (byte[] secret : List.of(seed, pkcs8)) {
            for (String form : encodings(secret)) {
                assertThat(row).doesNotContain(form);
                assertThat(logged).doesNotContain(form);
            }
            assertThat(indexOf(logged.getBytes(StandardCharsets.ISO_8859_1), secret)).isEqualTo(-1);
        }
        db.close();
        for (String file : List.of("zumik.db", "zumik.db-wal")) {
            Path p = dir.resolve(file);
            if (!Files.exists(p)) continue;
            byte[] content = Files.readAllBytes(p);
            String text = new String(content, StandardCharsets.ISO_8859_1);
            assertThat(indexOf(content, seed)).as("raw key bytes in %s", file).isEqualTo(-1);
            for (String form : encodings(seed)) assertThat(text).as(file).doesNotContain(form);
        }
        db = Database.open(null, dir, false);
    }

    @Test
    void aKeySealedUnderAnotherMasterKeyCannotSignButItsSignaturesStillVerify() {
        ObjectNode signed = signer.sign(receipt());
        byte[] other = new byte[32];
        new SecureRandom().nextBytes(other);
        SigningKeys elsewhere = new SigningKeys(db, MasterKey.of(other), Clock.systemUTC());
        assertThatThrownBy(() -> new Signer(elsewhere).sign(receipt())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(signed.get("key_id").textValue()).hasMessageContaining("ZUMIK_MASTER_KEY");
        assertThat(Verifier.verify(signed, KeyRing.ofKeys(elsewhere.list())).valid()).isTrue();
    }

    /** Replicas (separate pools on one database) rotating at once: every rotation lands, one key stays active. */
    @Test
    void concurrentRotationsAndFirstUsesLeaveExactlyOneActiveKey() throws Exception {
        List<Database> replicas = List.of(Database.open(null, dir, false), Database.open(null, dir, false));
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Callable<String>> work = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                SigningKeys k = new SigningKeys(replicas.get(i % 2), master, Clock.systemUTC());
                work.add(() -> new Signer(k).sign(receipt()).get("key_id").textValue());
            }
            Set<String> firstUse = new HashSet<>();
            for (Future<String> f : pool.invokeAll(work)) firstUse.add(f.get());
            assertThat(firstUse).as("all first uses agree on one key").hasSize(1);

            List<Callable<String>> rotations = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                SigningKeys k = new SigningKeys(replicas.get(i % 2), master, Clock.systemUTC());
                rotations.add(() -> {
                    String last = null;
                    for (int j = 0; j < 4; j++) last = k.rotate().kid();
                    return last;
                });
            }
            for (Future<String> f : pool.invokeAll(rotations)) f.get();
        } finally {
            pool.shutdown();
            for (Database r : replicas) r.close();
        }
        List<SigningKey> all = keys.list();
        assertThat(all).hasSize(1 + 24);
        assertThat(all.stream().filter(k -> k.status() == SigningKey.Status.ACTIVE)).hasSize(1);
        assertThat(all.stream().map(SigningKey::kid).distinct()).hasSize(25);
        assertThat(signer.sign(receipt()).get("key_id").textValue())
                .isEqualTo(all.stream().filter(k -> k.status() == SigningKey.Status.ACTIVE).findFirst().orElseThrow().kid());
    }

    /**
     * Verification that shares no code with Verifier: the JDK's stock Ed25519 given only the JWK's
     * {@code x} (behind the fixed X.509 prefix) and the canonical bytes of the receipt without its
     * signature.
     */
    @Test
    void aStockEd25519VerifierGivenOnlyTheJwkXAcceptsTheSignature() throws Exception {
        ObjectNode signed = signer.sign(receipt());
        JsonNode jwks = new ObjectMapper().readTree(Json.text(Jwks.render(keys.list())));
        JsonNode jwk = jwks.get("keys").get(0);
        assertThat(jwk.get("kty").asText()).isEqualTo("OKP");
        assertThat(jwk.get("crv").asText()).isEqualTo("Ed25519");
        assertThat(jwk.get("kid").asText()).isEqualTo(signed.get("key_id").asText());
        byte[] x = Base64.getUrlDecoder().decode(jwk.get("x").asText());
        PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(X509_PREFIX, x)));
        ObjectNode unsigned = signed.deepCopy();
        byte[] signature = Base64.getUrlDecoder().decode(unsigned.remove("signature").asText());
        byte[] canonical = Jcs.canonicalize(unsigned);
        assertThat(new String(canonical, StandardCharsets.UTF_8)).startsWith("{\"alg\":\"Ed25519\",\"completed_at\":1764756931000,")
                .contains(",\"key_id\":\"" + signed.get("key_id").asText() + "\",").doesNotContain("signature");
        Signature stock = Signature.getInstance("Ed25519");
        stock.initVerify(key);
        stock.update(canonical);
        assertThat(stock.verify(signature)).isTrue();
        canonical[canonical.length - 2] ^= 1;
        stock.initVerify(key);
        stock.update(canonical);
        assertThat(stock.verify(signature)).isFalse();
    }

    static List<String> encodings(byte[] secret) {
        return List.of(HexFormat.of().formatHex(secret), HexFormat.of().withUpperCase().formatHex(secret),
                Base64.getEncoder().encodeToString(secret), Base64.getEncoder().withoutPadding().encodeToString(secret),
                Base64.getUrlEncoder().withoutPadding().encodeToString(secret), Arrays.toString(secret));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static ObjectNode without(ObjectNode doc, String member) {
        ObjectNode copy = doc.deepCopy();
        copy.remove(member);
        return copy;
    }

    private static Failure failure(Verification v) {
        assertThat(v).isInstanceOf(Invalid.class);
        return ((Invalid) v).failure();
    }
}
