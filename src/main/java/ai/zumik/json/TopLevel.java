package ai.zumik.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * Reads and rewrites the top-level members of a JSON object without building a tree: one
 * streaming pass over the bytes finds where each member's value starts and ends, and a rewrite
 * copies the original bytes around the replaced spans. This is how OpenAI-compatible answers are
 * relayed: every byte Zumik does not need to change stays exactly as the provider sent it, and a
 * 100 KB embeddings answer costs a scan, not a parse into thousands of nodes and back.
 */
public final class TopLevel {
    /** Reads one member's value; the trailing-token check belongs to whole documents, not members. */
    private static final com.fasterxml.jackson.databind.ObjectReader SUBTREE = Json.MAPPER.reader()
            .without(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** The value spans of the members a caller asked about; -1 where absent. */
    private final byte[] json;
    private final String[] names;
    private final int[] valueStart;
    private final int[] valueEnd;
    private final int[] memberStart;
    private final boolean[] first;
    private final JsonNode[] trees;
    private final boolean[] wantTree;

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
     * @throws IOException when the bytes are not a single JSON object
     */
    public static TopLevel scan(byte[] json, String[] names, String... treeNames) throws IOException {
        boolean[] wantTree = new boolean[names.length];
        for (int i = 0; i < names.length; i++) {
            for (String t : treeNames) if (t.equals(names[i])) wantTree[i] = true;
        }
        TopLevel t = new TopLevel(json, names, wantTree);
        try (JsonParser p = Json.MAPPER.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException("not a JSON object");
            int previousValueEnd = (int) p.currentLocation().getByteOffset();
            boolean isFirst = true;
            JsonToken tok;
            while ((tok = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                int start = (int) p.currentTokenLocation().getByteOffset();
                int index = t.indexOf(name);
                if (index >= 0 && t.wantTree[index]) {
                    t.trees[index] = SUBTREE.readTree(p);
                } else if (p.currentToken().isStructStart()) {
                    p.skipChildren();
                } else {
                    p.finishToken();
                }
                int end = (int) p.currentLocation().getByteOffset();
                if (index >= 0) {
                    t.valueStart[index] = start;
                    t.valueEnd[index] = end;
                    t.memberStart[index] = previousValueEnd;
                    t.first[index] = isFirst;
                }
                previousValueEnd = end;
                isFirst = false;
            }
            if (tok != JsonToken.END_OBJECT || p.nextToken() != null) throw new IOException("trailing content");
        }
        return t;
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
        byte[][] replacement = new byte[names.length][];
        for (int k = 0; k < replace.length; k += 2) {
            int i = indexOf(replace[k]);
            if (i >= 0 && valueStart[i] >= 0) replacement[i] = Json.quoted(replace[k + 1]);
        }
        return edit(replacement, remove);
    }

    /**
     * The object with one member's value replaced by {@code json}, which must be one encoded JSON
     * value (an object, {@code null}, ...); an absent member stays absent.
     */
    public byte[] replaceValue(String name, byte[] json) {
        byte[][] replacement = new byte[names.length][];
        int i = indexOf(name);
        if (i >= 0 && valueStart[i] >= 0) replacement[i] = json;
        return edit(replacement);
    }

    private byte[] edit(byte[][] replacement, String... remove) {
        int n = names.length;
        boolean[] drop = new boolean[n];
        for (String r : remove) {
            int i = indexOf(r);
            if (i >= 0 && valueStart[i] >= 0) drop[i] = true;
        }
        // Edits in byte order; members are few, a selection sort is fine.
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Integer.compare(valueStart[a], valueStart[b]));
        ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + 64);
        int copied = 0;
        for (int i : order) {
            if (valueStart[i] < 0 || replacement[i] == null && !drop[i]) continue;
            if (drop[i]) {
                int from = memberStart[i];
                if (first[i]) {
                    // First member: drop it and the comma after it; the brace stays.
                    int to = valueEnd[i];
                    int after = skipSpace(to);
                    if (json[after] == ',') to = after + 1;
                    out.write(json, copied, from - copied);
                    copied = to;
                } else {
                    // Later member: drop the comma before it through its value.
                    out.write(json, copied, from - copied);
                    copied = valueEnd[i];
                }
            } else {
                out.write(json, copied, valueStart[i] - copied);
                out.write(replacement[i], 0, replacement[i].length);
                copied = valueEnd[i];
            }
        }
        out.write(json, copied, json.length - copied);
        return out.toByteArray();
    }

    private int skipSpace(int k) {
        while (k < json.length && (json[k] == ' ' || json[k] == '\n' || json[k] == '\r' || json[k] == '\t')) k++;
        return k;
    }
}
