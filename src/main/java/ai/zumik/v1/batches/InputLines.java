package ai.zumik.v1.batches;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The lines of a JSONL input file, one at a time, each at most {@code maxLineBytes}: a longer line
 * is skipped to its end without being held and reported as too long, so a file with no newline
 * at all (not JSONL) costs no more memory than a line. A trailing CR (CRLF files) is dropped.
 */
final class InputLines {
    /** One line: its 1-based number and bytes, or {@code tooLong} (bytes then empty). */
    record Line(int number, byte[] bytes, boolean tooLong) {
        boolean blank() {
            if (tooLong) return false;
            for (byte b : bytes) if (b != ' ' && b != '\t' && b != '\r') return false;
            return true;
        }
    }

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int limit;
    private boolean eof;
    private int number;

    InputLines(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /** The next line, or null at the end of the input. */
    Line next() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        boolean tooLong = false;
        boolean any = false;
        while (true) {
            if (pos == limit) {
                if (eof) break;
                limit = in.read(buf, 0, buf.length);
                pos = 0;
                if (limit <= 0) {
                    limit = 0;
                    eof = true;
                    break;
                }
            }
            any = true;
            int nl = -1;
            for (int i = pos; i < limit; i++) {
                if (buf[i] == '\n') {
                    nl = i;
                    break;
                }
            }
            int end = nl < 0 ? limit : nl;
            if (!tooLong) {
                if (line.size() + (end - pos) > maxLineBytes + 1) { // +1: room for a trailing CR
                    tooLong = true;
                    line = new ByteArrayOutputStream(0);
                } else {
                    line.write(buf, pos, end - pos);
                }
            }
            if (nl >= 0) {
                pos = nl + 1;
                return line(tooLong, line);
            }
            pos = limit;
        }
        return any ? line(tooLong, line) : null;
    }

    private Line line(boolean tooLong, ByteArrayOutputStream line) {
        number++;
        byte[] b = line.toByteArray();
        if (b.length > 0 && b[b.length - 1] == '\r') b = java.util.Arrays.copyOf(b, b.length - 1);
        if (!tooLong && b.length > maxLineBytes) return new Line(number, new byte[0], true);
        return new Line(number, tooLong ? new byte[0] : b, tooLong);
    }
}
