package ai.zumik.reuse;

import ai.zumik.inference.ChatMessage;
import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.ContentPart;
import ai.zumik.inference.ResponseFormat;
import ai.zumik.inference.ToolSpec;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;

/**
 * A request's prompt as a provider's prefix cache sees it: blocks in the order they are sent — the
 * tool list, the response schema, then each message — and, at every block boundary, the estimated
 * tokens so far and the HMAC-SHA256 fingerprint of everything before it under the project's key.
 *
 * <p>The <em>stable prefix</em> is the leading run of blocks that do not change from turn to turn:
 * tools, schema, and the system and developer messages before the first conversational turn. Its
 * fingerprint names the request's prefix family ({@code pf_…}). Everything before the last block is
 * <em>eligible</em> for reuse (a prefix cache can hold the history; the newest input is new by
 * definition).
 *
 * <p>Canonical form {@value #CANONICALIZATION}: each block is a type byte and its fields, each
 * length-prefixed, so no two different prompts feed the same bytes; a JSON schema is fed as its
 * tree (field names and values in the order written), not re-serialized. Tokens are estimated at
 * one per four UTF-8 bytes (an image 765) and later scaled to the provider's reported count.
 *
 * @param marks cumulative estimated tokens at each boundary (index i: blocks 0..i)
 * @param fingerprints the first 64 bits of the HMAC at each boundary
 * @param stableBlocks how many leading blocks form the stable prefix (0: none)
 */
public record PromptPrefix(String keyId, long[] marks, long[] fingerprints, int stableBlocks) {
    public static final String CANONICALIZATION = "fp1";
    private static final int IMAGE_TOKENS = 765;
    private static final HexFormat HEX = HexFormat.of();

    /** Fingerprints a chat request's prompt under {@code key}. */
    public static PromptPrefix of(ChatRequest r, FingerprintKey key) {
        int blocks = r.messages().size() + (hasTools(r) ? 1 : 0) + (r.responseFormat() instanceof ResponseFormat.JsonSchema ? 1 : 0);
        long[] marks = new long[blocks];
        long[] fps = new long[blocks];
        Feed f = new Feed(key.begin());
        f.bytes(CANONICALIZATION.getBytes(StandardCharsets.US_ASCII));
        int i = 0;
        int stable = 0;
        boolean stillStable = true;
        if (hasTools(r)) {
            f.type('T');
            for (ToolSpec t : r.tools()) {
                f.text(t.name());
                f.text(t.description());
                f.json(t.parameters());
                f.text(t.strict() == null ? "" : t.strict().toString());
            }
            fps[i] = f.mark(key);
            marks[i++] = f.tokens();
            stable = i;
        }
        if (r.responseFormat() instanceof ResponseFormat.JsonSchema s) {
            f.type('S');
            f.text(s.name());
            f.json(s.schema());
            fps[i] = f.mark(key);
            marks[i++] = f.tokens();
            stable = i;
        }
        for (ChatMessage m : r.messages()) {
            f.type('M');
            f.text(m.role().name());
            f.text(m.name());
            if (m.content() != null) {
                for (ContentPart p : m.content()) f.part(p);
            }
            if (m.toolCalls() != null) {
                for (ChatMessage.ToolCall c : m.toolCalls()) {
                    f.text(c.id());
                    f.text(c.name());
                    f.text(c.arguments());
                }
            }
            f.text(m.toolCallId());
            fps[i] = f.mark(key);
            marks[i++] = f.tokens();
            stillStable &= m.role() == ChatMessage.Role.SYSTEM || m.role() == ChatMessage.Role.DEVELOPER;
            if (stillStable) stable = i;
        }
        return new PromptPrefix(key.id(), marks, fps, stable);
    }

    /** Estimated tokens of the whole prompt. */
    public long tokens() {
        return marks.length == 0 ? 0 : marks[marks.length - 1];
    }

    /** Estimated tokens before the last block: what a prefix cache could hold. */
    public long eligibleTokens() {
        return marks.length < 2 ? 0 : marks[marks.length - 2];
    }

    /** Estimated tokens of the stable prefix. */
    public long stableTokens() {
        return stableBlocks == 0 ? 0 : marks[stableBlocks - 1];
    }

    /**
     * The prefix family: the fingerprint of the stable prefix, or of the first block when the prompt
     * opens with a conversational turn; null for an empty prompt.
     */
    public String familyId() {
        if (fingerprints.length == 0) return null;
        return "pf_" + HEX.toHexDigits(fingerprints[Math.max(stableBlocks, 1) - 1]);
    }

    /** The fingerprint at boundary {@code i} as 16 hex digits (what a trace carries). */
    public String fingerprintHex(int i) {
        return HEX.toHexDigits(fingerprints[i]);
    }

    private static boolean hasTools(ChatRequest r) {
        return r.tools() != null && !r.tools().isEmpty();
    }

    /** Feeds canonical bytes into a running HMAC and counts estimated tokens. */
    private static final class Feed {
        private final MessageDigest running;
        private final byte[] len = new byte[4];
        private long bytes;
        private long images;

        Feed(MessageDigest running) {
            this.running = running;
        }

        void type(char t) {
            running.update((byte) t);
        }

        void bytes(byte[] b) {
            len[0] = (byte) (b.length >>> 24);
            len[1] = (byte) (b.length >>> 16);
            len[2] = (byte) (b.length >>> 8);
            len[3] = (byte) b.length;
            running.update(len);
            running.update(b);
            bytes += b.length;
        }

        void text(String s) {
            if (s == null) {
                running.update((byte) 0);
                return;
            }
            running.update((byte) 1);
            bytes(s.getBytes(StandardCharsets.UTF_8));
        }

        void part(ContentPart p) {
            switch (p) {
                case ContentPart.Text t -> {
                    type('t');
                    text(t.text());
                }
                case ContentPart.Refusal t -> {
                    type('r');
                    text(t.refusal());
                }
                case ContentPart.Image im -> {
                    type('i');
                    text(im.url());
                    text(im.detail());
                    images++;
                    bytes -= im.url() == null ? 0 : im.url().length();
                }
                case ContentPart.Audio a -> {
                    type('a');
                    text(a.format());
                    text(a.data());
                }
                case ContentPart.File file -> {
                    type('f');
                    json(file.file());
                }
                case ContentPart.Other o -> {
                    type('o');
                    text(o.type());
                    json(o.json());
                }
            }
        }

        /** A JSON tree: field names and scalar values in document order, each tagged. */
        void json(JsonNode n) {
            if (n == null) {
                type('n');
                return;
            }
            if (n.isObject()) {
                type('{');
                Iterator<Map.Entry<String, JsonNode>> it = n.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    text(e.getKey());
                    json(e.getValue());
                }
                type('}');
            } else if (n.isArray()) {
                type('[');
                for (JsonNode c : n) json(c);
                type(']');
            } else if (n.isTextual()) {
                type('s');
                text(n.textValue());
            } else {
                type('v');
                text(n.asText());
            }
        }

        /** The first 64 bits of the HMAC of everything fed so far. */
        long mark(FingerprintKey key) {
            byte[] h = key.mark(running);
            long v = 0;
            for (int k = 0; k < 8; k++) v = (v << 8) | (h[k] & 0xff);
            return v;
        }

        long tokens() {
            return bytes / 4 + images * IMAGE_TOKENS;
        }
    }
}
