package ai.zumik.evidence;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Signs a document (a purge receipt, a diagnostic or replay report) with the active key. The
 * signed copy carries {@code alg: "Ed25519"}, {@code key_id} and {@code signature}: base64url
 * without padding of the 64-byte Ed25519 signature over the RFC 8785 form ({@link Jcs}) of the
 * document with {@code alg} and {@code key_id} in it and {@code signature} absent. Blocking: it
 * reads which key is active (a rotation elsewhere takes effect on the next signature).
 */
public final class Signer {
    public static final String ALG = "alg";
    public static final String KEY_ID = "key_id";
    public static final String SIGNATURE = "signature";

    private final SigningKeys keys;

    public Signer(SigningKeys keys) {
        this.keys = keys;
    }

    /**
     * A signed copy of {@code document}; the argument is not changed. Serve it as
     * {@code Jcs.canonicalize(signed)}: in canonical form no one-byte change leaves the meaning intact.
     *
     * @throws IllegalArgumentException when the document already has one of the three members, or
     *     cannot be canonicalized (a NaN, a lone surrogate)
     */
    public ObjectNode sign(ObjectNode document) {
        for (String reserved : new String[] {ALG, KEY_ID, SIGNATURE}) {
            if (document.has(reserved)) throw new IllegalArgumentException("the document already has '" + reserved + "'");
        }
        SigningKeys.Active key = keys.active();
        ObjectNode signed = document.deepCopy();
        signed.put(ALG, Ed25519.ALG);
        signed.put(KEY_ID, key.kid());
        byte[] signature = Ed25519.sign(key.key(), Jcs.canonicalize(signed));
        signed.put(SIGNATURE, Ed25519.base64url(signature));
        return signed;
    }
}
