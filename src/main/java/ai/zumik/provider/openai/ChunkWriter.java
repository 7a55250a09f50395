package ai.zumik.provider.openai;

import ai.zumik.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes one stream's most frequent chunks, content and tool-call argument fragments, straight to
 * bytes. The envelope up to the choice index is encoded once per id, so a chunk costs a few array
 * copies and the escaped fragment instead of two trees and a serialisation. The bytes are exactly
 * those {@link OpenAiShapes#chunk} gives through {@code Json.bytes}; rarer chunks (the role chunk,
 * a call's first chunk, finish and usage) still go through {@link OpenAiShapes}.
 */
public final class ChunkWriter {
    private static final byte[] DELTA_CONTENT = ascii(",\"delta\":{\"content\":");
    private static final byte[] DELTA_ARGUMENTS = ascii(",\"delta\":{\"tool_calls\":[{\"index\":");
    private static final byte[] FUNCTION_ARGUMENTS = ascii(",\"function\":{\"arguments\":");
    private static final byte[] CONTENT_TAIL = ascii("},\"logprobs\":null,\"finish_reason\":null}]}");
    private static final byte[] ARGUMENTS_TAIL = ascii("}}]},\"logprobs\":null,\"finish_reason\":null}]}");

    private final long created;
    private final String model;
    private String headId;
    private byte[] head;

    public ChunkWriter(long created, String model) {
        this.created = created;
        this.model = model;
    }

    /** {@code {"content": text}} for choice {@code index}. */
    public byte[] content(String id, int index, String text) {
        byte[] h = head(id);
        byte[] i = ascii(Integer.toString(index));
        byte[] t = Json.quoted(text);
        byte[] out = new byte[h.length + i.length + DELTA_CONTENT.length + t.length + CONTENT_TAIL.length];
        int n = put(out, 0, h);
        n = put(out, n, i);
        n = put(out, n, DELTA_CONTENT);
        n = put(out, n, t);
        put(out, n, CONTENT_TAIL);
        return out;
    }

    /** {@code {"tool_calls":[{"index": toolIndex, "function":{"arguments": fragment}}]}} for choice {@code index}. */
    public byte[] arguments(String id, int index, int toolIndex, String fragment) {
        byte[] h = head(id);
        byte[] i = ascii(Integer.toString(index));
        byte[] ti = ascii(Integer.toString(toolIndex));
        byte[] f = Json.quoted(fragment);
        byte[] out = new byte[h.length + i.length + DELTA_ARGUMENTS.length + ti.length + FUNCTION_ARGUMENTS.length
                + f.length + ARGUMENTS_TAIL.length];
        int n = put(out, 0, h);
        n = put(out, n, i);
        n = put(out, n, DELTA_ARGUMENTS);
        n = put(out, n, ti);
        n = put(out, n, FUNCTION_ARGUMENTS);
        n = put(out, n, f);
        put(out, n, ARGUMENTS_TAIL);
        return out;
    }

    /** {@code {"id":…,"object":"chat.completion.chunk","created":…,"model":…,"choices":[{"index":} */
    private byte[] head(String id) {
        if (head != null && (id == headId || id != null && id.equals(headId))) return head;
        byte[] h = concat(ascii("{\"id\":"), Json.quoted(id), ascii(",\"object\":\"chat.completion.chunk\",\"created\":"
                + created + ",\"model\":"), Json.quoted(model), ascii(",\"choices\":[{\"index\":"));
        headId = id;
        head = h;
        return h;
    }

    private static int put(byte[] out, int at, byte[] part) {
        System.arraycopy(part, 0, out, at, part.length);
        return at + part.length;
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] p : parts) length += p.length;
        byte[] out = Arrays.copyOf(parts[0], length);
        int n = parts[0].length;
        for (int k = 1; k < parts.length; k++) n = put(out, n, parts[k]);
        return out;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
