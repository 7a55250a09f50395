package ai.zumik.reuse;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A project's secret fingerprint key, ready to compute HMAC-SHA256 (RFC 2104) incrementally: the
 * digest states after the key's inner and outer pads are computed once, and every fingerprint
 * clones them, so a request pays only for its own bytes and two short finishing blocks per mark.
 * Fingerprints never leave the project and say nothing without the key; rotating it ({@code id})
 * breaks equality with every older fingerprint on purpose.
 */
public final class FingerprintKey {
    private static final int BLOCK = 64;
    private final String id;
    private final MessageDigest innerStart;
    private final MessageDigest outerStart;

    private FingerprintKey(String id, MessageDigest innerStart, MessageDigest outerStart) {
        this.id = id;
        this.innerStart = innerStart;
        this.outerStart = outerStart;
    }

    /** @param secret 32 random bytes (longer keys are hashed first, as RFC 2104 says) */
    public static FingerprintKey of(String id, byte[] secret) {
        byte[] k = secret.length > BLOCK ? sha256().digest(secret) : secret;
        byte[] ipad = new byte[BLOCK];
        byte[] opad = new byte[BLOCK];
        for (int i = 0; i < BLOCK; i++) {
            byte b = i < k.length ? k[i] : 0;
            ipad[i] = (byte) (b ^ 0x36);
            opad[i] = (byte) (b ^ 0x5c);
        }
        MessageDigest inner = sha256();
        inner.update(ipad);
        MessageDigest outer = sha256();
        outer.update(opad);
        return new FingerprintKey(id, inner, outer);
    }

    public String id() {
        return id;
    }

    /** A running HMAC over the bytes fed so far (not thread-safe; one per computation). */
    MessageDigest begin() {
        return clone(innerStart);
    }

    /** The HMAC of everything {@code running} has seen, leaving {@code running} untouched. */
    byte[] mark(MessageDigest running) {
        byte[] inner = clone(running).digest();
        MessageDigest outer = clone(outerStart);
        outer.update(inner);
        return outer.digest();
    }

    private static MessageDigest clone(MessageDigest d) {
        try {
            return (MessageDigest) d.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests must be cloneable", e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "FingerprintKey[" + id + "]";
    }
}
