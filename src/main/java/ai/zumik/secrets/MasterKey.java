package ai.zumik.secrets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The platform data key ({@code ZUMIK_MASTER_KEY}, 32 bytes in base64): every secret Zumik keeps in
 * its database is sealed under a key derived from it ({@link #sealer}). Unset, a key is generated
 * once into {@code master.key} in the data directory (mode 0600) and read from there on every
 * later start: fine for one node, but replicas sharing a PostgreSQL database must all be given the
 * same {@code ZUMIK_MASTER_KEY}, or one cannot open what another sealed. The key is never logged,
 * printed or rendered by {@link #toString()}.
 */
public final class MasterKey {
    public static final String ENV = "ZUMIK_MASTER_KEY";
    public static final String FILE = "master.key";
    private static final int LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] key;
    private final String source;

    private MasterKey(byte[] key, String source) {
        this.key = key;
        this.source = source;
    }

    /**
     * The configured key, or the data directory's {@code master.key}, created when missing.
     *
     * @param configured the value of {@code ZUMIK_MASTER_KEY}, or null
     * @throws IllegalArgumentException naming the variable (never its value) when it is not 32 bytes of base64
     */
    public static MasterKey load(String configured, Path dataDir) {
        if (configured != null && !configured.isBlank()) return new MasterKey(decode(configured.trim(), ENV), ENV);
        Path file = dataDir.resolve(FILE);
        try {
            Files.createDirectories(dataDir);
            if (!Files.exists(file)) create(file);
            return new MasterKey(decode(Files.readString(file, StandardCharsets.US_ASCII).trim(), file.toString()), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the master key file " + file, e);
        }
    }

    /** A key given directly (tests, tools). */
    public static MasterKey of(byte[] key) {
        if (key.length != LENGTH) throw new IllegalArgumentException("a master key is 32 bytes");
        return new MasterKey(key.clone(), "given");
    }

    /** A fresh random key in the form {@code ZUMIK_MASTER_KEY} takes (for operators: {@code openssl rand -base64 32} does the same). */
    public static String generateEncoded() {
        byte[] k = new byte[LENGTH];
        RANDOM.nextBytes(k);
        return Base64.getEncoder().encodeToString(k);
    }

    /**
     * Writes a new key so that no reader ever sees a partial file and two processes starting on one
     * data directory end up with the same key: the key goes to a private temporary file which is
     * then hard-linked to its name, which fails if another process linked its own first.
     */
    private static void create(Path file) throws IOException {
        Path tmp = Files.createTempFile(file.getParent(), ".master-key-", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(tmp, generateEncoded() + "\n", StandardCharsets.US_ASCII);
            try {
                Files.createLink(file, tmp);
            } catch (FileAlreadyExistsException lostTheRace) {
                // The other process's key stands.
            } catch (UnsupportedOperationException noHardLinks) {
                try {
                    Files.move(tmp, file);
                } catch (FileAlreadyExistsException lostTheRace) {
                    // as above
                }
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static byte[] decode(String encoded, String where) {
        byte[] k;
        try {
            k = encoded.indexOf('-') >= 0 || encoded.indexOf('_') >= 0
                    ? Base64.getUrlDecoder().decode(encoded) : Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            k = null;
        }
        if (k == null || k.length != LENGTH) {
            throw new IllegalArgumentException(where + " must hold 32 random bytes in base64 (e.g. from "
                    + "'openssl rand -base64 32')");
        }
        return k;
    }

    /** Where the key came from: {@code ZUMIK_MASTER_KEY}, the key file's path, or {@code given}. */
    public String source() {
        return source;
    }

    /** True when the key came from the data directory's file rather than the environment. */
    public boolean fromFile() {
        return !source.equals(ENV) && !source.equals("given");
    }

    /** The AES-256-GCM sealer for one purpose ({@code "signing-keys"}, ...): each purpose has its own derived key. */
    public Sealer sealer(String purpose) {
        return Sealer.derive(key, purpose);
    }

    /**
     * HMAC-SHA256 of {@code data} under a key derived from the master key for {@code purpose}
     * (fingerprints that must be comparable without revealing what they fingerprint).
     */
    /**
     * What a secret may be shown as: {@code zfp_} + the first 16 hex digits of HMAC-SHA256 under a
     * key derived for {@code purpose} (never a sealing key). The same secret under one master key
     * and purpose always gives the same fingerprint, so an operator can tell which secret is stored;
     * without the master key it cannot be checked against guesses offline.
     */
    public String fingerprint(String purpose, byte[] secret) {
        return "zfp_" + java.util.HexFormat.of().formatHex(hmac(purpose, secret), 0, 8);
    }

    public byte[] hmac(String purpose, byte[] data) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(Sealer.deriveMacKey(key, purpose));
            return mac.doFinal(data);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
        }
    }

    @Override
    public String toString() {
        return "MasterKey[from " + source + "]";
    }
}
