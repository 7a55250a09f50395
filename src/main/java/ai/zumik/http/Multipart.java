package ai.zumik.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code multipart/form-data} (RFC 7578 over RFC 2046) read from a spooled body without copying
 * it: the parse finds where each part's content lies in the file, so a 200 MiB file part is
 * never held in memory and is later copied straight from the spool. Everything malformed is a
 * 400 naming {@code param}, with what exactly is wrong:
 * <pre>
 *   preamble CRLF? "--" boundary [padding] CRLF
 *     headers CRLF CRLF content CRLF "--" boundary [padding] CRLF      (next part)
 *     headers CRLF CRLF content CRLF "--" boundary "--" epilogue        (last part)
 * </pre>
 * Each part needs {@code Content-Disposition: form-data; name="..."} ({@code filename="..."}
 * or RFC 5987's {@code filename*=UTF-8''...} when it is a file); header blocks are at most 8 KiB.
 */
public final class Multipart {
    private static final int MAX_HEADER_BYTES = 8 * 1024;
    private static final byte CR = '\r';
    private static final byte LF = '\n';

    /** One part: its field name, its file name (null for a plain field), and where its content lies. */
    public record Part(String name, String filename, String contentType, long offset, long length) {}

    private Multipart() {}

    /** The boundary of a {@code multipart/form-data} Content-Type, or a 400 naming {@code param}. */
    public static String boundary(String contentType, String param) {
        if (contentType == null) {
            throw malformed(param, "the request has no Content-Type; send multipart/form-data with a 'file' part.");
        }
        String[] parts = splitParams(contentType);
        if (!parts[0].trim().equalsIgnoreCase("multipart/form-data")) {
            throw malformed(param, "the Content-Type is '" + parts[0].trim() + "'; uploads must be multipart/form-data.");
        }
        Map<String, String> params = params(parts);
        String b = params.get("boundary");
        if (b == null || b.isEmpty()) throw malformed(param, "the multipart/form-data Content-Type has no boundary.");
        if (b.length() > 70) throw malformed(param, "the multipart boundary is longer than 70 characters.");
        return b;
    }

    /** Finds the parts of the multipart body stored in {@code file}; at most {@code maxParts}. */
    public static List<Part> parse(Path file, String boundary, int maxParts, String param) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) throw malformed(param, "the body is too large to parse.");
            MappedByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            return parse(buf, boundary, maxParts, param);
        }
    }

    static List<Part> parse(ByteBuffer b, String boundary, int maxParts, String param) {
        byte[] dash = ("--" + boundary).getBytes(StandardCharsets.US_ASCII);
        byte[] delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.US_ASCII);
        int n = b.limit();
        // The first delimiter may open the body or follow a preamble line.
        int at;
        if (startsWith(b, 0, dash)) {
            at = dash.length;
        } else {
            int d = indexOf(b, delimiter, 0);
            if (d < 0) throw malformed(param, "the body does not contain the boundary given in the Content-Type.");
            at = d + delimiter.length;
        }
        List<Part> out = new ArrayList<>();
        while (true) {
            if (at + 1 < n && b.get(at) == '-' && b.get(at + 1) == '-') {
                if (out.isEmpty()) throw malformed(param, "the body has no parts.");
                return out;
            }
            at = lineEnd(b, at, param);
            if (out.size() == maxParts) throw malformed(param, "the body has more than " + maxParts + " parts.");
            int headersEnd;
            int contentStart;
            if (at + 1 < n && b.get(at) == CR && b.get(at + 1) == LF) {
                headersEnd = at; // a part without headers
                contentStart = at + 2;
            } else {
                int e = indexOf(b, new byte[] {CR, LF, CR, LF}, at, Math.min(n, at + MAX_HEADER_BYTES + 4));
                if (e < 0) {
                    throw malformed(param, at + MAX_HEADER_BYTES + 4 <= n
                            ? "a part's headers are longer than 8 KiB." : "a part's headers do not end with an empty line.");
                }
                headersEnd = e;
                contentStart = e + 4;
            }
            Map<String, String> headers = headers(b, at, headersEnd, param);
            int end = indexOf(b, delimiter, contentStart);
            if (end < 0) throw malformed(param, "the body ends before the closing boundary.");
            out.add(part(headers, contentStart, end - contentStart, param));
            at = end + delimiter.length;
        }
    }

    /** Skips transport padding after a delimiter and returns where the next line starts. */
    private static int lineEnd(ByteBuffer b, int at, String param) {
        int n = b.limit();
        while (at < n && (b.get(at) == ' ' || b.get(at) == '\t')) at++;
        if (at + 1 >= n || b.get(at) != CR || b.get(at + 1) != LF) {
            throw malformed(param, "a boundary line is not followed by CRLF.");
        }
        return at + 2;
    }

    private static Map<String, String> headers(ByteBuffer b, int from, int to, String param) {
        Map<String, String> out = new LinkedHashMap<>();
        if (to <= from) return out;
        String text;
        try {
            text = utf8(b, from, to - from);
        } catch (CharacterCodingException e) {
            throw malformed(param, "a part's headers are not valid UTF-8.");
        }
        for (String line : text.split("\r\n", -1)) {
            int colon = line.indexOf(':');
            if (colon <= 0) throw malformed(param, "a part header is not 'Name: value': '" + clip(line) + "'.");
            out.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        return out;
    }

    private static Part part(Map<String, String> headers, int offset, int length, String param) {
        String disposition = headers.get("content-disposition");
        if (disposition == null) throw malformed(param, "a part has no Content-Disposition header.");
        String[] pieces = splitParams(disposition);
        if (!pieces[0].trim().equalsIgnoreCase("form-data")) {
            throw malformed(param, "a part's Content-Disposition is '" + clip(pieces[0].trim()) + "', not form-data.");
        }
        Map<String, String> p = params(pieces);
        String name = p.get("name");
        if (name == null || name.isEmpty()) throw malformed(param, "a part's Content-Disposition has no name.");
        String filename = p.get("filename");
        String extended = p.get("filename*");
        if (extended != null) filename = decodeExtended(extended, param);
        return new Part(name, filename, headers.get("content-type"), offset, length);
    }

    /** RFC 5987: {@code UTF-8''percent-encoded} (a language tag between the quotes is allowed). */
    private static String decodeExtended(String v, String param) {
        int q = v.indexOf('\'');
        int q2 = q < 0 ? -1 : v.indexOf('\'', q + 1);
        if (q < 0 || q2 < 0 || !v.substring(0, q).equalsIgnoreCase("utf-8")) {
            throw malformed(param, "filename* must be UTF-8''<percent-encoded name>.");
        }
        try {
            return Query.decode(v.substring(q2 + 1), "filename*");
        } catch (ApiException e) {
            throw malformed(param, "filename* is not valid percent-encoded UTF-8.");
        }
    }

    /** Splits {@code value; a=b; c="d;e"} at the semicolons outside quotes. */
    private static String[] splitParams(String header) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < header.length(); i++) {
            char c = header.charAt(i);
            if (quoted && c == '\\' && i + 1 < header.length()) {
                cur.append(c).append(header.charAt(++i));
                continue;
            }
            if (c == '"') quoted = !quoted;
            if (c == ';' && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out.toArray(String[]::new);
    }

    /** The {@code name=value} parameters after the first piece; names lower-cased, quotes removed. */
    private static Map<String, String> params(String[] pieces) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 1; i < pieces.length; i++) {
            String piece = pieces[i].trim();
            int eq = piece.indexOf('=');
            if (eq <= 0) continue;
            String name = piece.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = piece.substring(eq + 1).trim();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                StringBuilder sb = new StringBuilder();
                for (int j = 1; j < value.length() - 1; j++) {
                    char c = value.charAt(j);
                    if (c == '\\' && j + 1 < value.length() - 1) c = value.charAt(++j);
                    sb.append(c);
                }
                value = sb.toString();
            }
            out.putIfAbsent(name, value);
        }
        return out;
    }

    /** The text of a small field (at most {@code maxBytes}), strictly UTF-8, or a 400 naming {@code fieldParam}. */
    public static String text(Path file, Part p, int maxBytes, String fieldParam) throws IOException {
        if (p.length() > maxBytes) {
            throw ApiError.invalid(fieldParam, "invalid_value", "Invalid '" + fieldParam + "': longer than " + maxBytes
                    + " bytes.").exception();
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate((int) p.length());
            while (b.hasRemaining() && ch.read(b, p.offset() + b.position()) > 0) {
                // read until full
            }
            b.flip();
            return utf8(b, 0, b.limit());
        } catch (CharacterCodingException e) {
            throw ApiError.invalid(fieldParam, "invalid_value", "Invalid '" + fieldParam + "': not valid UTF-8.").exception();
        }
    }

    private static String utf8(ByteBuffer b, int from, int length) throws CharacterCodingException {
        ByteBuffer slice = b.duplicate().position(from).limit(from + length);
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(slice).toString();
    }

    private static boolean startsWith(ByteBuffer b, int at, byte[] prefix) {
        if (at + prefix.length > b.limit()) return false;
        for (int i = 0; i < prefix.length; i++) if (b.get(at + i) != prefix[i]) return false;
        return true;
    }

    private static int indexOf(ByteBuffer b, byte[] needle, int from) {
        return indexOf(b, needle, from, b.limit());
    }

    /** The first index in [from, to) where {@code needle} starts and fits before {@code to}; -1 if none. */
    private static int indexOf(ByteBuffer b, byte[] needle, int from, int to) {
        byte first = needle[0];
        int last = to - needle.length;
        outer:
        for (int i = from; i <= last; i++) {
            if (b.get(i) != first) continue;
            for (int j = 1; j < needle.length; j++) if (b.get(i + j) != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    private static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    private static ApiException malformed(String param, String what) {
        return ApiError.invalid(param, "invalid_multipart", "The multipart body is malformed: " + what).exception();
    }
}
