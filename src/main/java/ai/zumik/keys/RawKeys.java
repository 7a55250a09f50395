package ai.zumik.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The raw key format {@code zk_live_} + 32 URL-safe characters (192 random bits), its hash and its
 * masked form. Keys carry enough entropy that an unsalted SHA-256 cannot be brute-forced, and an
 * unsalted hash is what lets authentication be a single indexed lookup.
 */
public final class RawKeys {
    public static final String PREFIX = "zk_live_";
    private static final int BODY_LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    private RawKeys() {}

    public static String generate() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** True when {@code raw} has the exact shape of a Zumik key. */
    public static boolean wellFormed(String raw) {
        if (raw == null || raw.length() != PREFIX.length() + BODY_LENGTH || !raw.startsWith(PREFIX)) return false;
        for (int i = PREFIX.length(); i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    public static String hash(String raw) {
        MessageDigest md = SHA256.get();
        return HexFormat.of().formatHex(md.digest(raw.getBytes(StandardCharsets.US_ASCII)));
    }

    /** {@code zk_live_4ab2…cdef}: enough to recognise a key, useless to an attacker. */
    public static String mask(String raw) {
        return PREFIX + raw.substring(PREFIX.length(), PREFIX.length() + 4) + "…" + raw.substring(raw.length() - 4);
    }
}
