package ai.zumik.telemetry;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Writes one-line JSON objects (log lines) straight into a reusable byte buffer: no intermediate
 * String; a value that is all printable ASCII (nearly every one: ids, routes, model names) is
 * checked once and copied in one go, anything else escaped or UTF-8 encoded character by character.
 * One instance per writer thread.
 */
final class JsonLine {
    private byte[] buf = new byte[1024];
    private int len;
    private boolean first;
    private long cachedSecond = Long.MIN_VALUE;
    private byte[] cachedSecondText;

    JsonLine begin() {
        len = 0;
        first = true;
        put((byte) '{');
        return this;
    }

    JsonLine field(String name, String value) {
        if (value == null) return this;
        key(name);
        put((byte) '"');
        escape(value);
        put((byte) '"');
        return this;
    }

    JsonLine field(String name, long value) {
        key(name);
        number(value);
        return this;
    }

    JsonLine field(String name, Long value) {
        return value == null ? this : field(name, value.longValue());
    }

    JsonLine field(String name, boolean value) {
        key(name);
        ascii(value ? "true" : "false");
        return this;
    }

    /** An RFC 3339 UTC timestamp with milliseconds; the seconds part is formatted once per second. */
    JsonLine timestamp(String name, long epochMs) {
        key(name);
        long second = Math.floorDiv(epochMs, 1000);
        if (second != cachedSecond) {
            String s = Instant.ofEpochSecond(second).toString(); // 2026-11-22T03:04:05Z
            cachedSecondText = s.substring(0, s.length() - 1).getBytes(StandardCharsets.US_ASCII);
            cachedSecond = second;
        }
        put((byte) '"');
        room(cachedSecondText.length);
        System.arraycopy(cachedSecondText, 0, buf, len, cachedSecondText.length);
        len += cachedSecondText.length;
        int ms = (int) Math.floorMod(epochMs, 1000);
        put((byte) '.');
        put((byte) ('0' + ms / 100));
        put((byte) ('0' + ms / 10 % 10));
        put((byte) ('0' + ms % 10));
        put((byte) 'Z');
        put((byte) '"');
        return this;
    }

    /** Closes the object, appends a newline and writes the line. */
    void end(OutputStream out) throws IOException {
        put((byte) '}');
        put((byte) '\n');
        out.write(buf, 0, len);
    }

    /** The line as text (tests and one-off use). */
    String endToString() {
        put((byte) '}');
        return new String(buf, 0, len, StandardCharsets.UTF_8);
    }

    private void key(String name) {
        if (!first) put((byte) ',');
        first = false;
        put((byte) '"');
        ascii(name);
        put((byte) '"');
        put((byte) ':');
    }

    /** {@code s} is ASCII (names, literals): copied as is. */
    @SuppressWarnings("deprecation") // getBytes(int, int, byte[], int) keeps the low byte of each char: exact for ASCII
    private void ascii(String s) {
        int n = s.length();
        room(n);
        s.getBytes(0, n, buf, len);
        len += n;
    }

    private void number(long v) {
        if (v < 0) {
            if (v == Long.MIN_VALUE) {
                ascii(Long.toString(v));
                return;
            }
            put((byte) '-');
            v = -v;
        }
        room(20);
        int digits = 1;
        for (long t = v; t >= 10; t /= 10) digits++;
        for (int at = len + digits - 1; at >= len; at--) {
            buf[at] = (byte) ('0' + v % 10);
            v /= 10;
        }
        len += digits;
    }

    /** True when every char of {@code s} stands for itself in a JSON string: printable ASCII, no quote or backslash. */
    private static boolean plain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return false;
        }
        return true;
    }

    private void escape(String s) {
        if (plain(s)) {
            ascii(s);
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                put((byte) '\\');
                put((byte) c);
            } else if (c < 0x20) {
                ascii(String.format("\\u%04x", (int) c));
            } else if (c < 0x80) {
                put((byte) c);
            } else {
                int end = i + 1;
                while (end < s.length() && s.charAt(end) >= 0x80) end++;
                for (byte b : s.substring(i, end).getBytes(StandardCharsets.UTF_8)) put(b);
                i = end - 1;
            }
        }
    }

    private void put(byte b) {
        if (len == buf.length) buf = java.util.Arrays.copyOf(buf, buf.length * 2);
        buf[len++] = b;
    }

    private void room(int n) {
        if (len + n > buf.length) buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }
}
