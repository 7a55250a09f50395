package ai.zumik.evidence;

/** What {@link Verifier} found: a valid signature and by which key, or the first check that failed. */
public sealed interface Verification {
    boolean valid();

    /** The signature is valid; {@code status} is the key's as its source listed it (a retired key still verifies). */
    record Valid(String keyId, String status) implements Verification {
        @Override
        public boolean valid() {
            return true;
        }
    }

    /** The document does not verify; {@code detail} says what exactly. */
    record Invalid(Failure failure, String detail) implements Verification {
        @Override
        public boolean valid() {
            return false;
        }
    }

    /** Which check failed, in the order they run. */
    enum Failure {
        /** Not a JSON object, no or a malformed {@code signature}/{@code alg}/{@code key_id}, or not canonicalizable. */
        MALFORMED,
        /** {@code alg} is not {@code Ed25519}. */
        BAD_ALG,
        /** {@code key_id} names no key the verifier was given. */
        UNKNOWN_KEY,
        /** The signature does not match the document: something in it changed, or it was never signed by that key. */
        BAD_SIGNATURE
    }
}
