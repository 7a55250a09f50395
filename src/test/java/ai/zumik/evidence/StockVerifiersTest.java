package ai.zumik.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.zumik.json.Json;
import ai.zumik.secrets.MasterKey;
import ai.zumik.store.Database;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anyone can verify a receipt without Zumik's code: OpenSSL given the public key as PEM, the
 * README's shell recipe (jq + OpenSSL), and Node.js with its own canonical JSON (RFC 8785's
 * JavaScript form: JSON.stringify with member names sorted) and its own Ed25519 reading the JWK.
 * Each is skipped when its tool is not installed.
 */
@Timeout(60)
class StockVerifiersTest {
    @TempDir
    Path dir;
    Database db;
    SigningKeys keys;
    Signer signer;

    @BeforeEach
    void open() {
        db = Database.open(null, dir.resolve("db"), false);
        keys = new SigningKeys(db, MasterKey.of(new byte[32]), Clock.systemUTC());
        signer = new Signer(keys);
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void opensslVerifiesTheSignatureOverTheCanonicalBytesWithThePemPublicKey() throws Exception {
        assumeTrue(onPath("openssl"), "openssl is not installed");
        ObjectNode signed = signer.sign(SigningTest.receipt());
        byte[] x = Base64.getUrlDecoder().decode(Jwks.render(keys.list()).get("keys").get(0).get("x").asText());
        Files.writeString(dir.resolve("pub.pem"), "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getEncoder().encodeToString(SigningTest.concat(SigningTest.X509_PREFIX, x)) + "\n-----END PUBLIC KEY-----\n");
        ObjectNode unsigned = signed.deepCopy();
        Files.write(dir.resolve("sig.bin"), Base64.getUrlDecoder().decode(unsigned.remove("signature").asText()));
        byte[] canonical = Jcs.canonicalize(unsigned);
        Files.write(dir.resolve("canonical.json"), canonical);
        Run ok = run(List.of("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin",
                "-in", "canonical.json", "-sigfile", "sig.bin"));
        assertThat(ok.exit()).as(ok.output()).isZero();
        assertThat(ok.output()).contains("Signature Verified Successfully");

        canonical[10] ^= 1;
        Files.write(dir.resolve("canonical.json"), canonical);
        Run bad = run(List.of("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin",
                "-in", "canonical.json", "-sigfile", "sig.bin"));
        assertThat(bad.exit()).as(bad.output()).isNotZero();
        assertThat(bad.output()).contains("Signature Verification Failure");
    }

    /** The recipe in README "Signed evidence", run as written (keys from a file instead of curl). */
    @Test
    void theReadmeShellRecipeVerifiesAPrettyPrintedReceipt() throws Exception {
        assumeTrue(onPath("openssl") && onPath("jq") && onPath("bash") && onPath("base64"), "openssl, jq or bash missing");
        ObjectNode signed = signer.sign(SigningTest.receipt());
        Files.write(dir.resolve("receipt.json"), new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(signed));
        Files.write(dir.resolve("jwks.json"), Json.bytes(Jwks.render(keys.list())));
        Files.writeString(dir.resolve("verify.sh"), """
                set -euo pipefail
                b64url_decode() { local s; s=$(tr -- '-_' '+/'); while [ $(( ${#s} % 4 )) -ne 0 ]; do s="$s="; done; printf %s "$s" | base64 -d; }
                kid=$(jq -r .key_id receipt.json)
                { echo '-----BEGIN PUBLIC KEY-----'
                  { printf '\\x30\\x2a\\x30\\x05\\x06\\x03\\x2b\\x65\\x70\\x03\\x21\\x00'
                    jq -j --arg kid "$kid" '.keys[] | select(.kid == $kid) | .x' jwks.json | b64url_decode; } | base64
                  echo '-----END PUBLIC KEY-----'; } > pub.pem
                jq -j .signature receipt.json | b64url_decode > sig.bin
                jq -cjS 'del(.signature)' receipt.json > canonical.json
                openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in canonical.json -sigfile sig.bin
                """);
        Run ok = run(List.of("bash", "verify.sh"));
        assertThat(ok.exit()).as(ok.output()).isZero();
        assertThat(ok.output()).contains("Signature Verified Successfully");
        ObjectNode unsigned = signed.deepCopy();
        unsigned.remove("signature");
        assertThat(Files.readAllBytes(dir.resolve("canonical.json"))).as("jq's sorted compact form is the RFC 8785 form here")
                .isEqualTo(Jcs.canonicalize(unsigned));

        Files.writeString(dir.resolve("receipt.json"), Files.readString(dir.resolve("receipt.json"))
                .replace("best_effort_expiry", "verified_physical_purge"));
        Run bad = run(List.of("bash", "verify.sh"));
        assertThat(bad.exit()).as(bad.output()).isNotZero();
    }

    /**
     * Node.js canonicalizes on its own (ECMAScript number printing, UTF-16 sort of names) and
     * verifies with its own Ed25519 from the JWK: a document full of numbers and names that
     * canonicalization gets wrong easily must verify there.
     */
    @Test
    void nodeVerifiesWithItsOwnCanonicalJsonAndTheJwk() throws Exception {
        assumeTrue(onPath("node"), "node is not installed");
        ObjectNode doc = SigningTest.receipt();
        doc.putArray("numbers").add(0.1).add(1e21).add(1e-7).add(333333333.3333333).add(-0.0000033333333333333333)
                .add(9007199254740992L).add(4.5).add(1e23).add(5e-324).add(-0.0);
        doc.put("\uD83D\uDE02", "non-BMP name").put("\uFB33", "BMP name after it in UTF-16 order").put("\u00F6", "")
                .put("esc", "\u0000\u001f\u007f\"\\/\u2028");
        ObjectNode signed = signer.sign(doc);
        Files.write(dir.resolve("signed.json"), Jcs.canonicalize(signed));
        Files.write(dir.resolve("jwks.json"), Json.bytes(Jwks.render(keys.list())));
        Files.writeString(dir.resolve("verify.js"), """
                const fs = require('fs'), crypto = require('crypto');
                const doc = JSON.parse(fs.readFileSync('signed.json', 'utf8'));
                const jwks = JSON.parse(fs.readFileSync('jwks.json', 'utf8'));
                const canon = v => Array.isArray(v) ? '[' + v.map(canon).join(',') + ']'
                    : v !== null && typeof v === 'object'
                        ? '{' + Object.keys(v).sort().map(k => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}'
                        : JSON.stringify(v);
                const sig = Buffer.from(doc.signature, 'base64url');
                delete doc.signature;
                const jwk = jwks.keys.find(k => k.kid === doc.key_id);
                const key = crypto.createPublicKey({key: {kty: jwk.kty, crv: jwk.crv, x: jwk.x}, format: 'jwk'});
                const bytes = Buffer.from(canon(doc), 'utf8');
                fs.writeFileSync('node-canonical.json', bytes);
                const ok = crypto.verify(null, bytes, key, sig);
                console.log(ok ? 'verified' : 'NOT verified');
                process.exit(ok ? 0 : 1);
                """);
        Run ok = run(List.of("node", "verify.js"));
        ObjectNode unsigned = signed.deepCopy();
        unsigned.remove("signature");
        assertThat(Files.readString(dir.resolve("node-canonical.json"), StandardCharsets.UTF_8))
                .isEqualTo(new String(Jcs.canonicalize(unsigned), StandardCharsets.UTF_8));
        assertThat(ok.exit()).as(ok.output()).isZero();
        assertThat(ok.output()).contains("verified");
    }

    record Run(int exit, String output) {}

    private Run run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }
}
