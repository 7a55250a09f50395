package ai.zumik.ids;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 of a byte array, as bytes or lower-case hex: what names content by its digest (artifact
 * versions, materialization keys, decision templates, idempotent bodies, report digests, ETags).
 */
public final class Sha256 {
    private Sha256() {}

    public static byte[] of(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The whole digest, 64 hex digits. */
    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(of(bytes));
    }

    /** The hex of the digest's first {@code n} bytes (an id or a tag, not an integrity check). */
    public static String hexPrefix(byte[] bytes, int n) {
        return HexFormat.of().formatHex(of(bytes), 0, n);
    }
}
