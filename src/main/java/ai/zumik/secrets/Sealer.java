package ai.zumik.secrets;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.KDF;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.HKDFParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals small secrets for the database with AES-256-GCM. The AES key is derived from the master
 * key with HKDF-SHA256 (RFC 5869; the JDK's {@link KDF}), one key per purpose, so a secret sealed
 * for one purpose cannot be opened as another. Each secret gets a fresh 96-bit random nonce, and
 * the caller's {@code context} (the row's id) is authenticated with it, so a sealed value moved to
 * another row no longer opens. Sealed form: {@code v1:} + base64url(nonce ‖ ciphertext ‖ tag).
 */
public final class Sealer {
    private static final String VERSION = "v1:";
    private static final byte[] SALT = "zumik master key v1".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKey key;

    private Sealer(SecretKey key) {
        this.key = key;
    }

    /**
     * A sealer whose AES-256 key is {@code key} itself (32 random bytes), not derived: envelope
     * encryption's per-secret data keys ({@code credentials.Envelope}).
     */
    public static Sealer forDataKey(byte[] key) {
        if (key.length != 32) throw new IllegalArgumentException("a data key is 32 bytes");
        return new Sealer(new SecretKeySpec(key, "AES"));
    }

    static Sealer derive(byte[] master, String purpose) {
        try {
            KDF hkdf = KDF.getInstance("HKDF-SHA256");
            var params = HKDFParameterSpec.ofExtract()
                    .addIKM(new SecretKeySpec(master, "Generic"))
                    .addSalt(SALT)
                    .thenExpand(("zumik sealing: " + purpose).getBytes(StandardCharsets.UTF_8), 32);
            return new Sealer(hkdf.deriveKey("AES", params));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HKDF-SHA256 is not available in this JDK", e);
        }
    }

    /** An HMAC-SHA256 key derived from the master key for one purpose (distinct from every sealing key). */
    static SecretKey deriveMacKey(byte[] master, String purpose) {
        try {
            KDF hkdf = KDF.getInstance("HKDF-SHA256");
            var params = HKDFParameterSpec.ofExtract()
                    .addIKM(new SecretKeySpec(master, "Generic"))
                    .addSalt(SALT)
                    .thenExpand(("zumik hmac: " + purpose).getBytes(StandardCharsets.UTF_8), 32);
            return hkdf.deriveKey("HmacSHA256", params);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HKDF-SHA256 is not available in this JDK", e);
        }
    }

    /** Seals {@code plaintext}, bound to {@code context}. */
    public String seal(byte[] plaintext, String context) {
        byte[] nonce = new byte[NONCE];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = c.doFinal(plaintext);
            byte[] out = new byte[NONCE + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE);
            System.arraycopy(sealed, 0, out, NONCE, sealed.length);
            return VERSION + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JDK", e);
        }
    }

    /**
     * Opens what {@link #seal} produced for the same {@code context}.
     *
     * @throws OpenFailed when the value was sealed under another master key or purpose, for another
     *     context, or has been altered
     */
    public byte[] open(String sealed, String context) {
        if (sealed == null || !sealed.startsWith(VERSION)) throw new OpenFailed("not a sealed value (no " + VERSION + " prefix)");
        byte[] in;
        try {
            in = Base64.getUrlDecoder().decode(sealed.substring(VERSION.length()));
        } catch (IllegalArgumentException e) {
            throw new OpenFailed("the sealed value is not base64url");
        }
        if (in.length < NONCE + TAG_BITS / 8) throw new OpenFailed("the sealed value is too short");
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE));
            c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return c.doFinal(in, NONCE, in.length - NONCE);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new OpenFailed("it was sealed under another master key (replicas must share one ZUMIK_MASTER_KEY), "
                    + "or it was altered");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JDK", e);
        }
    }

    @Override
    public String toString() {
        return "Sealer[AES-256-GCM]";
    }

    /** A sealed value that does not open; the message says why, never what it holds. */
    public static final class OpenFailed extends RuntimeException {
        public OpenFailed(String why) {
            super("cannot open a sealed secret: " + why);
        }
    }
}
