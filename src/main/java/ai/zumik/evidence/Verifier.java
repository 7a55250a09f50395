package ai.zumik.evidence;

import ai.zumik.evidence.Verification.Failure;
import ai.zumik.evidence.Verification.Invalid;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * Checks a signed document against a {@link KeyRing}, offline: the document must be a JSON
 * object whose {@code signature} is canonical base64url of 64 bytes, whose {@code alg} is
 * {@code Ed25519} and whose {@code key_id} is in the ring, and the signature must verify over the
 * RFC 8785 form of the document without {@code signature}. The document may be formatted any way
 * (pretty-printed, members reordered): what is signed is its canonical form.
 */
public final class Verifier {
    private Verifier() {}

    /** Parses and verifies; JSON that does not parse (strictly: no duplicate names, no trailing data) is malformed. */
    public static Verification verify(byte[] document, KeyRing keys) {
        JsonNode parsed;
        try {
            parsed = Json.parse(document);
        } catch (IOException e) {
            return new Invalid(Failure.MALFORMED, "not valid JSON: " + firstLine(e.getMessage()));
        }
        return verify(parsed, keys);
    }

    public static Verification verify(JsonNode document, KeyRing keys) {
        if (document == null || !document.isObject()) return new Invalid(Failure.MALFORMED, "not a JSON object");
        JsonNode sig = document.get(Signer.SIGNATURE);
        if (sig == null || !sig.isTextual()) return new Invalid(Failure.MALFORMED, "no 'signature' string");
        byte[] signature;
        try {
            signature = Ed25519.base64urlStrict(sig.textValue());
        } catch (IllegalArgumentException e) {
            return new Invalid(Failure.MALFORMED, "'signature' is " + e.getMessage());
        }
        if (signature.length != Ed25519.SIGNATURE_BYTES) {
            return new Invalid(Failure.MALFORMED, "'signature' holds " + signature.length + " bytes, not 64");
        }
        JsonNode alg = document.get(Signer.ALG);
        if (alg == null || !alg.isTextual()) return new Invalid(Failure.MALFORMED, "no 'alg' string");
        if (!Ed25519.ALG.equals(alg.textValue())) {
            return new Invalid(Failure.BAD_ALG, "'alg' is " + Json.text(alg) + ", not \"Ed25519\"");
        }
        JsonNode kid = document.get(Signer.KEY_ID);
        if (kid == null || !kid.isTextual()) return new Invalid(Failure.MALFORMED, "no 'key_id' string");
        KeyRing.Entry key = keys.get(kid.textValue());
        if (key == null) {
            // Quoted as JSON: a value from the document never reaches a terminal raw.
            return new Invalid(Failure.UNKNOWN_KEY, "no key " + Json.text(kid) + " among the " + keys.size() + " given");
        }
        ObjectNode unsigned = ((ObjectNode) document).deepCopy();
        unsigned.remove(Signer.SIGNATURE);
        byte[] canonical;
        try {
            canonical = Jcs.canonicalize(unsigned);
        } catch (IllegalArgumentException e) {
            return new Invalid(Failure.MALFORMED, "cannot be canonicalized: " + e.getMessage());
        }
        if (!Ed25519.verify(key.key(), canonical, signature)) {
            return new Invalid(Failure.BAD_SIGNATURE, "the signature does not match the document for key " + key.kid());
        }
        return new Verification.Valid(key.kid(), key.status());
    }

    private static String firstLine(String s) {
        if (s == null) return "unreadable";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
