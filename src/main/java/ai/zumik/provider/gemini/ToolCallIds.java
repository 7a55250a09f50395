package ai.zumik.provider.gemini;

import ai.zumik.ids.Ids;
import java.util.Base64;

/**
 * Tool call ids that carry Gemini's {@code thoughtSignature}. Gemini returns the signature on a
 * {@code functionCall} part and requires it back on that part in the next turn; OpenAI's format
 * has no field for it, but the client always echoes the tool call id. So the id is
 * {@code call_<26 id chars>} for a call without a signature and
 * {@code call_<26 id chars>__ts__<signature>} for one with it, the signature's bytes in unpadded
 * base64url. Every character is in {@code [A-Za-z0-9_-]}, the set tool call ids are safe in
 * everywhere; the fixed-length head makes the separator unambiguous even though base64url may
 * contain {@code _}. The id is as long as the signature requires (often a few hundred characters).
 */
final class ToolCallIds {
    private static final String PREFIX = "call_";
    private static final String SEPARATOR = "__ts__";
    private static final int HEAD = PREFIX.length() + Ids.SUFFIX_LENGTH;

    private ToolCallIds() {}

    /** A new id; {@code signature} is Gemini's base64 text, or null. */
    static String mint(String signature) {
        String head = Ids.next(PREFIX);
        byte[] bytes = signature == null ? null : decode(signature);
        if (bytes == null || bytes.length == 0) return head;
        return head + SEPARATOR + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The signature an id minted here carries, as Gemini's standard base64; null when none. */
    static String signature(String id) {
        if (id == null || id.length() <= HEAD + SEPARATOR.length() || !id.startsWith(PREFIX)
                || !id.startsWith(SEPARATOR, HEAD)) {
            return null;
        }
        try {
            byte[] bytes = Base64.getUrlDecoder().decode(id.substring(HEAD + SEPARATOR.length()));
            return Base64.getEncoder().encodeToString(bytes);
        } catch (IllegalArgumentException notOurs) {
            return null;
        }
    }

    /** Gemini's JSON carries bytes in base64; accept either alphabet, as protobuf's JSON mapping does. */
    private static byte[] decode(String b64) {
        try {
            return Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException notStandard) {
            try {
                return Base64.getUrlDecoder().decode(b64);
            } catch (IllegalArgumentException neither) {
                return null;
            }
        }
    }
}
