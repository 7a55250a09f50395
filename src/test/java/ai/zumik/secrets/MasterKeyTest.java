package ai.zumik.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The master key's sources and the AES-GCM sealing derived from it. */
class MasterKeyTest {
    private static final byte[] SECRET = "the private part, 32 bytes long!".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @Test
    void unsetItIsGeneratedOnceIntoThePrivateDataDirFileAndReusedAfterwards() throws Exception {
        MasterKey first = MasterKey.load(null, dir);
        Path file = dir.resolve("master.key");
        assertThat(first.fromFile()).isTrue();
        assertThat(first.source()).isEqualTo(file.toString());
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Base64.getDecoder().decode(Files.readString(file).trim())).hasSize(32);
        assertThat(first.toString()).isEqualTo("MasterKey[from " + file + "]");

        String sealed = first.sealer("signing-keys").seal(SECRET, "row-1");
        MasterKey again = MasterKey.load("  ", dir);
        assertThat(again.sealer("signing-keys").open(sealed, "row-1")).as("the same key on the next start").isEqualTo(SECRET);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no temporary file is left").containsExactly("master.key");
        }
    }

    @Test
    void twoProcessesStartingOnOneDataDirAgreeOnOneKey() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<String>> loads = new ArrayList<>();
            for (int i = 0; i < 8; i++) loads.add(() -> MasterKey.load(null, dir).sealer("p").seal(SECRET, "c"));
            List<String> sealed = new ArrayList<>();
            for (Future<String> f : pool.invokeAll(loads)) sealed.add(f.get());
            Sealer onDisk = MasterKey.load(null, dir).sealer("p");
            for (String s : sealed) assertThat(onDisk.open(s, "c")).isEqualTo(SECRET);
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void theEnvironmentKeyWinsAndNoFileIsWritten() throws Exception {
        String encoded = MasterKey.generateEncoded();
        MasterKey k = MasterKey.load(encoded, dir);
        assertThat(k.fromFile()).isFalse();
        assertThat(k.source()).isEqualTo("ZUMIK_MASTER_KEY");
        assertThat(Files.exists(dir.resolve("master.key"))).isFalse();
        String sealed = k.sealer("x").seal(SECRET, "c");
        byte[] raw = Base64.getDecoder().decode(encoded);
        assertThat(MasterKey.of(raw).sealer("x").open(sealed, "c")).isEqualTo(SECRET);
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        assertThat(MasterKey.load(urlSafe, dir).sealer("x").open(sealed, "c")).as("base64url is accepted too").isEqualTo(SECRET);
        assertThat(k.toString()).doesNotContain(encoded).doesNotContain(urlSafe);
    }

    @Test
    void aMalformedKeyIsRefusedByNameWithoutEchoingIt() {
        String short16 = Base64.getEncoder().encodeToString(new byte[16]);
        for (String bad : List.of(short16, "not base64 at all!!", Base64.getEncoder().encodeToString(new byte[33]))) {
            assertThatThrownBy(() -> MasterKey.load(bad, dir)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("ZUMIK_MASTER_KEY must hold 32 random bytes")
                    .message().doesNotContain(bad);
        }
    }

    @Test
    void sealedValuesHideTheSecretAndOpenOnlyUnderTheSameKeyPurposeAndContext() {
        MasterKey k = MasterKey.of(new byte[32]);
        Sealer s = k.sealer("signing-keys");
        String a = s.seal(SECRET, "sig_1");
        String b = s.seal(SECRET, "sig_1");
        assertThat(a).startsWith("v1:").isNotEqualTo(b);
        for (String form : encodings(SECRET)) assertThat(a).doesNotContain(form);
        assertThat(s.open(a, "sig_1")).isEqualTo(SECRET);

        assertThatThrownBy(() -> s.open(a, "sig_2")).isInstanceOf(Sealer.OpenFailed.class);
        assertThatThrownBy(() -> k.sealer("byok").open(a, "sig_1")).isInstanceOf(Sealer.OpenFailed.class);
        byte[] other = new byte[32];
        other[0] = 1;
        assertThatThrownBy(() -> MasterKey.of(other).sealer("signing-keys").open(a, "sig_1"))
                .isInstanceOf(Sealer.OpenFailed.class).hasMessageContaining("ZUMIK_MASTER_KEY");
        for (int i = 3; i < a.length(); i++) {
            char[] c = a.toCharArray();
            c[i] = c[i] == 'A' ? 'B' : 'A';
            String altered = new String(c);
            if (altered.equals(a)) continue;
            assertThatThrownBy(() -> s.open(altered, "sig_1")).as("altered at %d", i).isInstanceOf(Sealer.OpenFailed.class);
        }
        assertThatThrownBy(() -> s.open("v1:", "sig_1")).isInstanceOf(Sealer.OpenFailed.class);
        assertThatThrownBy(() -> s.open(HexFormat.of().formatHex(SECRET), "sig_1")).isInstanceOf(Sealer.OpenFailed.class);
    }

    /** The forms a leaked secret would take in text. */
    static List<String> encodings(byte[] secret) {
        return List.of(HexFormat.of().formatHex(secret), HexFormat.of().withUpperCase().formatHex(secret),
                Base64.getEncoder().encodeToString(secret), Base64.getEncoder().withoutPadding().encodeToString(secret),
                Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
    }
}
