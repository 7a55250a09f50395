package ai.zumik.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * Reads and rewrites the top-level members of a JSON object without building a tree: one
 * pass over the bytes finds where each member's value starts and ends, and a rewrite
 * copies the original bytes around the replaced spans. This is how OpenAI-compatible answers are
 * relayed: every byte Zumik does not need to change stays exactly as the provider sent it, and a
 * 100 KB embeddings answer costs a scan, not a parse into thousands of nodes and back.
 */
public final class TopLevel {
    /** The value spans of the members a caller asked about; -1 where absent. */
    private final byte[] json;
    private final String[] names;
    private final int[] valueStart;
    private final int[] valueEnd;
    private final int[] memberStart;
    private final boolean[] first;
    private final JsonNode[] trees;
    private final boolean[] wantTree;
    /** Where the object's closing brace is, and how many members it has. */
    private int closeAt;
    private int members;

    private TopLevel(byte[] json, String[] names, boolean[] wantTree) {
        this.json = json;
        this.names = names;
        this.wantTree = wantTree;
        this.valueStart = new int[names.length];
        this.valueEnd = new int[names.length];
        this.memberStart = new int[names.length];
        this.first = new boolean[names.length];
        this.trees = new JsonNode[names.length];
        java.util.Arrays.fill(valueStart, -1);
    }

    /**
     * Scans {@code json} (which must be one JSON object) for the top-level members {@code names};
     * members named in {@code treeNames} are also parsed into trees.
     *
     * <p>One pass over the bytes with no parser, no tokens and no strings made except the trees
     * asked for: every upstream answer is scanned, and this is several times cheaper than a
     * streaming parser. The grammar is checked in full (RFC 8259: strings and their escapes, numbers,
     * literals, nesting up to {@value #MAX_DEPTH}); a repeated top-level name is an error, as it would
     * make the spans ambiguous. Below the top level, repeated names and the bytes of multi-byte UTF-8
     * characters are relayed as they came.
     *
     * @throws IOException when the bytes are not a single JSON object
     */
    public static TopLevel scan(byte[] json, String[] names, String... treeNames) throws IOException {
        boolean[] wantTree = new boolean[names.length];
        for (int i = 0; i < names.length; i++) {
            for (String t : treeNames) if (t.equals(names[i])) wantTree[i] = true;
        }
        TopLevel t = new TopLevel(json, names, wantTree);
        new Scanner(json).members(t);
        return t;
    }

    /** Reads one member's value where the parser stands (the object goes on after it). */
    private static final ObjectReader MEMBER = Json.MAPPER.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /**
     * Notes the next member of the object, whose value spans {@code [start, end)} and which begins
     * after {@code memberStart} (the end of the previous value, or the brace); {@code index} is its
     * name's among those asked about, or -1. Returns {@code end}.
     */
    private int member(int index, int start, int end, int memberStart) {
        if (index >= 0) {
            valueStart[index] = start;
            valueEnd[index] = end;
            this.memberStart[index] = memberStart;
            first[index] = members == 0;
        }
        members++;
        return end;
    }

    /** A JSON object as a tree, with the spans of some of its top-level members (see {@link #parse}). */
    public record Parsed(ObjectNode tree, TopLevel spans) {}

    /**
     * Parses {@code json} with Jackson (the same parser, features and limits as {@link Json#parse})
     * into a tree, noting on the way where the top-level members {@code names} stand, so that
     * {@link #set} can rewrite the bytes without another pass over them. Null when the bytes are not
     * exactly one JSON object (the caller parses them again for its error); spans null when they
     * begin with a byte-order mark.
     *
     * @throws IOException when the bytes are not JSON
     */
    public static Parsed parse(byte[] json, String[] names) throws IOException {
        try (JsonParser p = Json.MAPPER.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return null;
            TopLevel t = new TopLevel(json, names, new boolean[names.length]);
            var tree = Json.NODES.objectNode();
            int previousValueEnd = (int) p.currentTokenLocation().getByteOffset() + 1;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                int start = (int) p.currentTokenLocation().getByteOffset();
                tree.set(name, (JsonNode) MEMBER.readTree(p));
                previousValueEnd = t.member(t.indexOf(name), start, (int) p.currentLocation().getByteOffset(), previousValueEnd);
            }
            t.closeAt = (int) p.currentTokenLocation().getByteOffset();
            if (p.nextToken() != null) return null;
            boolean bom = json.length >= 3 && (json[0] & 0xff) == 0xef && (json[1] & 0xff) == 0xbb && (json[2] & 0xff) == 0xbf;
            return new Parsed(tree, bom ? null : t);
        }
    }

    private static final int MAX_DEPTH = 500;

    /** The byte-level grammar behind {@link #scan}. */
    private static final class Scanner {
        private final byte[] b;
        private int p;

        Scanner(byte[] bytes) {
            this(bytes, 0);
        }

        Scanner(byte[] bytes, int at) {
            this.b = bytes;
            this.p = at;
        }

        /**
         * The tree of the (already checked) value here, built as Jackson's reader would build it
         * with Zumik's settings (ints and longs as such, decimals exact), without a parser; a string
         * with escapes is decoded by Jackson.
         */
        JsonNode tree() throws IOException {
            byte c = b[p];
            switch (c) {
                case '{' -> {
                    p++;
                    var node = Json.NODES.objectNode();
                    space();
                    if (b[p] == '}') {
                        p++;
                        return node;
                    }
                    while (true) {
                        String name = tree().textValue();
                        space();
                        p++; // ':'
                        space();
                        if (node.replace(name, tree()) != null) throw new IOException("JSON: the member \"" + name + "\" appears twice");
                        space();
                        if (b[p++] == '}') return node;
                        space();
                    }
                }
                case '[' -> {
                    p++;
                    var node = Json.NODES.arrayNode();
                    space();
                    if (b[p] == ']') {
                        p++;
                        return node;
                    }
                    while (true) {
                        node.add(tree());
                        space();
                        if (b[p++] == ']') return node;
                        space();
                    }
                }
                case '"' -> {
                    int from = p;
                    p++;
                    if (string()) return Json.NODES.textNode(Json.MAPPER.readValue(b, from, p - from, String.class));
                    return Json.NODES.textNode(new String(b, from + 1, p - from - 2, java.nio.charset.StandardCharsets.UTF_8));
                }
                case 't' -> {
                    p += 4;
                    return Json.NODES.booleanNode(true);
                }
                case 'f' -> {
                    p += 5;
                    return Json.NODES.booleanNode(false);
                }
                case 'n' -> {
                    p += 4;
                    return Json.NODES.nullNode();
                }
                default -> {
                    int from = p;
                    number();
                    boolean integral = true;
                    for (int k = from; k < p; k++) {
                        if (b[k] == '.' || b[k] == 'e' || b[k] == 'E') integral = false;
                    }
                    if (integral && p - from <= 18) {
                        boolean negative = b[from] == '-';
                        long v = 0;
                        for (int k = negative ? from + 1 : from; k < p; k++) v = v * 10 + (b[k] - '0');
                        if (negative) v = -v;
                        return v == (int) v ? Json.NODES.numberNode((int) v) : Json.NODES.numberNode(v);
                    }
                    String text = new String(b, from, p - from, java.nio.charset.StandardCharsets.ISO_8859_1);
                    if (!integral) return Json.NODES.numberNode(new java.math.BigDecimal(text));
                    var big = new java.math.BigInteger(text);
                    if (big.bitLength() < 32) return Json.NODES.numberNode(big.intValue());
                    if (big.bitLength() < 64) return Json.NODES.numberNode(big.longValue());
                    return Json.NODES.numberNode(big);
                }
            }
        }

        void members(TopLevel t) throws IOException {
            space();
            expect('{');
            int previousValueEnd = p;
            space();
            if (peek() == '}') {
                t.closeAt = p++;
            } else {
                while (true) {
                    if (peek() != '"') throw error("a member name");
                    int nameStart = ++p;
                    boolean escaped = string();
                    int index = escaped ? t.indexOf(Json.MAPPER.readValue(b, nameStart - 1, p - nameStart + 1, String.class))
                            : t.indexOf(b, nameStart, p - 1);
                    space();
                    expect(':');
                    space();
                    int start = p;
                    value(1);
                    if (index >= 0 && t.valueStart[index] >= 0) {
                        throw new IOException("JSON: the member \"" + t.names[index] + "\" appears twice");
                    }
                    previousValueEnd = t.member(index, start, p, previousValueEnd);
                    if (index >= 0 && t.wantTree[index]) {
                        try {
                            t.trees[index] = new Scanner(b, start).tree();
                        } catch (NumberFormatException | ArithmeticException e) {
                            throw new IOException("JSON: a number out of range in \"" + t.names[index] + "\"", e);
                        }
                    }
                    space();
                    byte c = next();
                    if (c == '}') {
                        t.closeAt = p - 1;
                        break;
                    }
                    if (c != ',') throw error("',' or '}'");
                    space();
                }
            }
            space();
            if (p != b.length) throw new IOException("JSON: trailing content at byte " + p);
        }

        private void value(int depth) throws IOException {
            if (depth > MAX_DEPTH) throw new IOException("JSON: nested deeper than " + MAX_DEPTH);
            byte c = peek();
            switch (c) {
                case '"' -> {
                    p++;
                    string();
                }
                case '{' -> {
                    p++;
                    space();
                    if (peek() == '}') {
                        p++;
                        return;
                    }
                    while (true) {
                        expect('"');
                        string();
                        space();
                        expect(':');
                        space();
                        value(depth + 1);
                        space();
                        byte d = next();
                        if (d == '}') return;
                        if (d != ',') throw error("',' or '}'");
                        space();
                    }
                }
                case '[' -> {
                    p++;
                    space();
                    if (peek() == ']') {
                        p++;
                        return;
                    }
                    while (true) {
                        value(depth + 1);
                        space();
                        byte d = next();
                        if (d == ']') return;
                        if (d != ',') throw error("',' or ']'");
                        space();
                    }
                }
                case 't' -> literal("true");
                case 'f' -> literal("false");
                case 'n' -> literal("null");
                default -> {
                    if (c == '-' || c >= '0' && c <= '9') number();
                    else throw error("a value");
                }
            }
        }

        /** Past the opening quote: moves past the closing one; true when the string has escapes. */
        private boolean string() throws IOException {
            boolean escaped = false;
            while (true) {
                if (p >= b.length) throw error("the end of a string");
                byte c = b[p++];
                if (c == '"') return escaped;
                if (c == '\\') {
                    escaped = true;
                    byte e = next();
                    if (e == 'u') {
                        for (int k = 0; k < 4; k++) {
                            byte h = next();
                            if (!(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F')) throw error("four hex digits");
                        }
                    } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
                        throw error("an escape");
                    }
                } else if (c >= 0 && c < 0x20) {
                    p--;
                    throw error("no control character in a string");
                }
            }
        }

        private void number() throws IOException {
            if (peek() == '-') p++;
            if (peek() == '0') {
                p++;
            } else {
                digits();
            }
            if (p < b.length && b[p] == '.') {
                p++;
                digits();
            }
            if (p < b.length && (b[p] == 'e' || b[p] == 'E')) {
                p++;
                if (p < b.length && (b[p] == '+' || b[p] == '-')) p++;
                digits();
            }
        }

        private void digits() throws IOException {
            int from = p;
            while (p < b.length && b[p] >= '0' && b[p] <= '9') p++;
            if (p == from) throw error("a digit");
        }

        private void literal(String word) throws IOException {
            for (int k = 0; k < word.length(); k++) {
                if (next() != word.charAt(k)) throw error("'" + word + "'");
            }
        }

        private void space() {
            while (p < b.length) {
                byte c = b[p];
                if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
                p++;
            }
        }

        private byte peek() throws IOException {
            if (p >= b.length) throw new IOException("JSON: unexpected end at byte " + p);
            return b[p];
        }

        private byte next() throws IOException {
            byte c = peek();
            p++;
            return c;
        }

        private void expect(char c) throws IOException {
            if (next() != c) {
                p--;
                throw error("'" + c + "'");
            }
        }

        private IOException error(String expected) {
            return new IOException("JSON: expected " + expected + " at byte " + p);
        }
    }

    /** The index of the name whose ASCII bytes are {@code json[from, to)}, or -1. */
    private int indexOf(byte[] json, int from, int to) {
        int length = to - from;
        outer:
        for (int i = 0; i < names.length; i++) {
            String n = names[i];
            if (n.length() != length) continue;
            for (int k = 0; k < length; k++) {
                if (json[from + k] != n.charAt(k)) continue outer;
            }
            return i;
        }
        return -1;
    }

    private int indexOf(String name) {
        for (int i = 0; i < names.length; i++) if (names[i].equals(name)) return i;
        return -1;
    }

    public boolean has(String name) {
        int i = indexOf(name);
        return i >= 0 && valueStart[i] >= 0;
    }

    /** The parsed value of a member named in {@code treeNames}, or null when absent. */
    public JsonNode tree(String name) {
        int i = indexOf(name);
        return i < 0 ? null : trees[i];
    }

    /** True when the member's value is the literal {@code null} (or the member is absent). */
    public boolean isNull(String name) {
        int i = indexOf(name);
        if (i < 0 || valueStart[i] < 0) return true;
        return valueEnd[i] - valueStart[i] == 4 && json[valueStart[i]] == 'n';
    }

    /** True when the member's value is an empty array. */
    public boolean isEmptyArray(String name) {
        int i = indexOf(name);
        if (i < 0 || valueStart[i] < 0 || json[valueStart[i]] != '[') return false;
        for (int k = valueStart[i] + 1; k < valueEnd[i] - 1; k++) {
            byte b = json[k];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') return false;
        }
        return true;
    }

    /**
     * The object with some members' values replaced by JSON strings and others removed. Members to
     * replace that are absent are left absent; everything else is copied byte for byte.
     *
     * @param replace pairs of member name and new string value
     */
    public byte[] rewrite(String[] replace, String... remove) {
        byte[][] values = new byte[names.length][];
        for (int k = 0; k < replace.length; k += 2) {
            int i = indexOf(replace[k]);
            if (i >= 0 && valueStart[i] >= 0) values[i] = Json.quoted(replace[k + 1]);
        }
        boolean[] drop = new boolean[names.length];
        for (String r : remove) {
            int i = indexOf(r);
            if (i >= 0) drop[i] = true;
        }
        return splice(values, drop);
    }

    /**
     * The object with one member's value replaced by {@code json}, which must be one encoded JSON
     * value (an object, {@code null}, ...); an absent member stays absent.
     */
    public byte[] replaceValue(String name, byte[] json) {
        byte[][] values = new byte[names.length][];
        int i = indexOf(name);
        if (i >= 0 && valueStart[i] >= 0) values[i] = json;
        return splice(values, null);
    }

    /**
     * The object with the scanned members set to {@code values[i]} (one encoded JSON value each, in
     * the order of the names scanned; null leaves that member as it is): a member present gets the
     * new value in its place, an absent one is added before the closing brace. Every other byte is
     * copied as it is.
     */
    public byte[] set(byte[]... values) {
        if (values.length != names.length) throw new IllegalArgumentException("one value per scanned name");
        return splice(values, null);
    }

    /**
     * The one way the object is rewritten: each present member with a value gets it in place of its
     * own, each present member in {@code drop} (may be null) goes with one comma beside it, each
     * absent member with a value is added before the closing brace; every other byte is copied as
     * it is, into an array of exactly the result's size.
     */
    private byte[] splice(byte[][] values, boolean[] drop) {
        int n = names.length;
        // The present members edited, in byte order (a few: insertion sort).
        int[] order = new int[n];
        int edited = 0;
        for (int i = 0; i < n; i++) {
            if (valueStart[i] < 0 || values[i] == null && !(drop != null && drop[i])) continue;
            int k = edited++;
            while (k > 0 && valueStart[order[k - 1]] > valueStart[i]) order[k] = order[--k];
            order[k] = i;
        }
        // Each edit cuts [from, to) and puts its new value there (nothing for a member dropped).
        int[] from = new int[edited];
        int[] to = new int[edited];
        int size = json.length;
        int kept = members;
        int cutEnd = 0;
        for (int k = 0; k < edited; k++) {
            int i = order[k];
            if (drop != null && drop[i]) {
                kept--;
                if (first[i] || memberStart[i] < cutEnd) {
                    // No member is left before it: it goes with the comma after it; the brace stays.
                    from[k] = Math.max(memberStart[i], cutEnd);
                    int after = skipSpace(valueEnd[i]);
                    to[k] = after < json.length && json[after] == ',' ? after + 1 : valueEnd[i];
                } else {
                    // A member is kept before it: it goes with the comma before it.
                    from[k] = memberStart[i];
                    to[k] = valueEnd[i];
                }
                size -= to[k] - from[k];
            } else {
                from[k] = valueStart[i];
                to[k] = valueEnd[i];
                size += values[i].length - (to[k] - from[k]);
            }
            cutEnd = to[k];
        }
        int added = kept;
        for (int i = 0; i < n; i++) {
            if (values[i] != null && valueStart[i] < 0) size += (added++ > 0 ? 1 : 0) + names[i].length() + 3 + values[i].length;
        }
        byte[] out = new byte[size];
        int at = 0;
        int copied = 0;
        for (int k = 0; k < edited; k++) {
            int i = order[k];
            at = copy(json, copied, from[k], out, at);
            if (drop == null || !drop[i]) at = copy(values[i], 0, values[i].length, out, at);
            copied = to[k];
        }
        at = copy(json, copied, closeAt, out, at);
        for (int i = 0; i < n; i++) {
            if (values[i] == null || valueStart[i] >= 0) continue;
            if (kept++ > 0) out[at++] = ',';
            out[at++] = '"';
            for (int c = 0; c < names[i].length(); c++) out[at++] = (byte) names[i].charAt(c);
            out[at++] = '"';
            out[at++] = ':';
            at = copy(values[i], 0, values[i].length, out, at);
        }
        copy(json, closeAt, json.length, out, at);
        return out;
    }

    private static int copy(byte[] from, int start, int end, byte[] to, int at) {
        System.arraycopy(from, start, to, at, end - start);
        return at + end - start;
    }

    private int skipSpace(int k) {
        while (k < json.length && (json[k] == ' ' || json[k] == '\n' || json[k] == '\r' || json[k] == '\t')) k++;
        return k;
    }
}
