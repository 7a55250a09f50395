package ai.zumik.ids;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * Opaque object ids: a type prefix and 26 lowercase Crockford base32 characters laid out like a
 * ULID: 10 characters of creation time (milliseconds) followed by 16 characters (80 bits) from a
 * cryptographic random generator. Never derived from content, so identical inputs get unrelated
 * ids, and unguessable. The time prefix is what keeps database indexes append-only (inserts land
 * on the rightmost page instead of a random one) and lets a time range be read as an id range.
 */
public final class Ids {
    private static final char[] CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    public static final int SUFFIX_LENGTH = 26;
    private static final int TIME_CHARS = 10;
    /**
     * Platform threads (the event loops) each keep their own generator. A virtual thread lives for
     * one task, so a thread-local there would seed a new DRBG for every id-making task (a profile of
     * native-state turns showed that at 3.5 % of samples); virtual threads share a few generators
     * instead, picked by thread id, each used under its own lock.
     */
    private static final ThreadLocal<RandomBytes> RANDOM = ThreadLocal.withInitial(RandomBytes::new);
    private static final RandomBytes[] SHARED = new RandomBytes[8];

    static {
        for (int i = 0; i < SHARED.length; i++) SHARED[i] = new RandomBytes();
    }

    private Ids() {}

    /** {@code prefix} including its separator, e.g. {@code "rsp_"}. */
    public static String next(String prefix) {
        return next(prefix, System.currentTimeMillis());
    }

    /** An id stamped with {@code epochMs} (the moment the object came to be). */
    public static String next(String prefix, long epochMs) {
        char[] out = new char[prefix.length() + SUFFIX_LENGTH];
        prefix.getChars(0, prefix.length(), out, 0);
        int p = writeTime(out, prefix.length(), epochMs);
        long hi = randomLong();
        long lo = randomLong();
        // 80 random bits: 40 from each long.
        for (int i = 0; i < 8; i++) out[p++] = CROCKFORD[(int) ((hi >>> (35 - 5 * i)) & 31)];
        for (int i = 0; i < 8; i++) out[p++] = CROCKFORD[(int) ((lo >>> (35 - 5 * i)) & 31)];
        return new String(out);
    }

    /**
     * An id in a foreign format of 24 lowercase hex characters (OpenAI-style {@code file-…}): 11
     * characters of creation time (milliseconds, good until the year 2527) then 13 random ones (52
     * bits), so these ids too sort in creation order.
     */
    public static String nextHex24(String prefix, long epochMs) {
        StringBuilder sb = new StringBuilder(prefix.length() + 24).append(prefix);
        String time = Long.toHexString(epochMs);
        sb.repeat('0', Math.max(0, 11 - time.length())).append(time, Math.max(0, time.length() - 11), time.length());
        String random = Long.toHexString(randomLong() >>> 12);
        sb.repeat('0', 13 - random.length()).append(random);
        return sb.toString();
    }

    /** True when {@code id} is {@code prefix} followed by 24 lowercase hex characters. */
    public static boolean isValidHex24(String id, String prefix) {
        if (id == null || !id.startsWith(prefix) || id.length() != prefix.length() + 24) return false;
        for (int i = prefix.length(); i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) return false;
        }
        return true;
    }

    /**
     * The smallest id with this prefix created at or after {@code epochMs}: ids compare as strings
     * in creation order, so {@code id >= lowerBound(t)} selects ids created at or after t.
     */
    public static String lowerBound(String prefix, long epochMs) {
        char[] out = new char[prefix.length() + SUFFIX_LENGTH];
        prefix.getChars(0, prefix.length(), out, 0);
        int p = writeTime(out, prefix.length(), Math.max(0, epochMs));
        while (p < out.length) out[p++] = '0';
        return new String(out);
    }

    /** When the id was created, from its time characters; -1 when it is not a valid id. */
    public static long createdAtMs(String id, String prefix) {
        if (!isValid(id, prefix)) return -1;
        long t = 0;
        for (int i = 0; i < TIME_CHARS; i++) t = (t << 5) | decode(id.charAt(prefix.length() + i));
        return t;
    }

    /** True when {@code id} has the given prefix followed by exactly 26 Crockford characters. */
    public static boolean isValid(String id, String prefix) {
        if (id == null || !id.startsWith(prefix) || id.length() != prefix.length() + SUFFIX_LENGTH) return false;
        for (int i = prefix.length(); i < id.length(); i++) if (decode(id.charAt(i)) < 0) return false;
        return true;
    }

    private static int writeTime(char[] out, int p, long epochMs) {
        for (int i = TIME_CHARS - 1; i >= 0; i--) {
            out[p + i] = CROCKFORD[(int) (epochMs & 31)];
            epochMs >>>= 5;
        }
        return p + TIME_CHARS;
    }

    private static int decode(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c < 'a' || c > 'z' || c == 'i' || c == 'l' || c == 'o' || c == 'u') return -1;
        int v = c - 'a' + 10;
        if (c > 'i') v--;
        if (c > 'l') v--;
        if (c > 'o') v--;
        if (c > 'u') v--;
        return v;
    }

    private static long randomLong() {
        Thread t = Thread.currentThread();
        if (!t.isVirtual()) return RANDOM.get().nextLong();
        RandomBytes r = SHARED[(int) (t.threadId() & (SHARED.length - 1))];
        synchronized (r) {
            return r.nextLong();
        }
    }

    /** A DRBG read 256 bytes at a time: no syscall per id. */
    private static final class RandomBytes {
        private final SecureRandom random;
        private final byte[] buffer = new byte[256];
        private int next = buffer.length;

        RandomBytes() {
            SecureRandom r;
            try {
                r = SecureRandom.getInstance("DRBG");
            } catch (NoSuchAlgorithmException e) {
                r = new SecureRandom();
            }
            random = r;
        }

        long nextLong() {
            if (next + 8 > buffer.length) {
                random.nextBytes(buffer);
                next = 0;
            }
            long v = 0;
            for (int i = 0; i < 8; i++) v = (v << 8) | (buffer[next++] & 0xff);
            return v;
        }
    }
}
