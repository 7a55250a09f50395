package ai.zumik.evidence;

import java.security.PublicKey;

/**
 * The public half of one signing key as listed: its {@code sig_…} id, raw public key, status and
 * times. The private half never leaves {@link SigningKeys}.
 *
 * @param x the raw 32-byte public key (see {@link Ed25519#rawPublic})
 * @param retiredAtMs when it stopped signing, or null while active
 */
public record SigningKey(String kid, byte[] x, Status status, long createdAtMs, Long retiredAtMs) {
    /** An active key signs; a retired one signs nothing new, and what it signed still verifies. */
    public enum Status {
        ACTIVE("active"), RETIRED("retired");

        private final String wire;

        Status(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        public static Status parse(String s) {
            for (Status v : values()) if (v.wire.equals(s)) return v;
            throw new IllegalArgumentException("unknown signing key status '" + s + "'");
        }
    }

    public SigningKey {
        x = x.clone();
    }

    @Override
    public byte[] x() {
        return x.clone();
    }

    public PublicKey publicKey() {
        return Ed25519.publicKey(x);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SigningKey k && k.kid.equals(kid) && java.util.Arrays.equals(k.x, x) && k.status == status
                && k.createdAtMs == createdAtMs && java.util.Objects.equals(k.retiredAtMs, retiredAtMs);
    }

    @Override
    public int hashCode() {
        return kid.hashCode();
    }

    @Override
    public String toString() {
        return "SigningKey[" + kid + ", " + status.wire + ", x=" + Ed25519.base64url(x) + "]";
    }
}
