package ai.zumik.ids;

import java.security.SecureRandom;

/**
 * Opaque object ids: a type prefix plus 26 random Crockford base32 characters (130 bits).
 * Never derived from content, so identical inputs get unrelated ids.
 */
public final class Ids {
    private static final char[] CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    /** A DRBG per thread: in-memory, seeded from the OS once, no lock or syscall per id. */
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(() -> {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (java.security.NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    });
    public static final int SUFFIX_LENGTH = 26;

    private Ids() {}

    /** {@code prefix} including its separator, e.g. {@code "rsp_"}. */
    public static String next(String prefix) {
        byte[] bytes = new byte[17];
        RANDOM.get().nextBytes(bytes);
        char[] out = new char[prefix.length() + SUFFIX_LENGTH];
        prefix.getChars(0, prefix.length(), out, 0);
        int p = prefix.length();
        int buffer = 0;
        int bits = 0;
        int next = 0;
        for (int i = 0; i < SUFFIX_LENGTH; i++) {
            if (bits < 5) {
                buffer = (buffer << 8) | (bytes[next++] & 0xff);
                bits += 8;
            }
            out[p++] = CROCKFORD[(buffer >>> (bits - 5)) & 31];
            bits -= 5;
            buffer &= (1 << bits) - 1;
        }
        return new String(out);
    }

    /** True when {@code id} has the given prefix followed by exactly 26 Crockford characters. */
    public static boolean isValid(String id, String prefix) {
        if (id == null || !id.startsWith(prefix) || id.length() != prefix.length() + SUFFIX_LENGTH) return false;
        for (int i = prefix.length(); i < id.length(); i++) {
            char c = id.charAt(i);
            boolean digit = c >= '0' && c <= '9';
            boolean letter = c >= 'a' && c <= 'z' && c != 'i' && c != 'l' && c != 'o' && c != 'u';
            if (!digit && !letter) return false;
        }
        return true;
    }
}
