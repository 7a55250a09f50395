package ai.zumik.credentials;

import ai.zumik.secrets.MasterKey;
import ai.zumik.secrets.Sealer;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Envelope encryption of one provider secret. Each credential version gets a fresh random 256-bit
 * data key; the secret is sealed under it with AES-256-GCM ({@link Sealer#forDataKey}) and the data
 * key is sealed ("wrapped") under a key derived from the master key for {@value #WRAP_PURPOSE}. Both
 * seals authenticate the same context, {@code pcr|<project>|<credential id>|<version>}, so a sealed
 * secret or wrapped key copied to another row, project or version no longer opens. Changing the
 * master key rewraps the data keys ({@link #rewrap}) and leaves every sealed secret as it is.
 */
public final class Envelope {
    static final String WRAP_PURPOSE = "byok-data-keys";
    static final String FINGERPRINT_PURPOSE = "byok-fingerprints";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final MasterKey master;
    private final Sealer wrapper;

    public Envelope(MasterKey master) {
        this.master = master;
        this.wrapper = master.sealer(WRAP_PURPOSE);
    }

    /** A sealed secret as stored. */
    public record Sealed(String wrappedDataKey, String sealedSecret, String fingerprint) {
        @Override
        public String toString() {
            return "Sealed[" + fingerprint + "]";
        }
    }

    static String context(String projectId, String credentialId, long version) {
        return "pcr|" + projectId + "|" + credentialId + "|" + version;
    }

    /** Seals {@code secret} under a new data key; the caller wipes {@code secret}. */
    public Sealed seal(String projectId, String credentialId, long version, byte[] secret) {
        byte[] dataKey = new byte[32];
        RANDOM.nextBytes(dataKey);
        try {
            String ctx = context(projectId, credentialId, version);
            return new Sealed(wrapper.seal(dataKey, ctx), Sealer.forDataKey(dataKey).seal(secret, ctx), fingerprint(secret));
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /**
     * Opens a sealed secret; the caller wipes the result as soon as it has used it.
     *
     * @throws Sealer.OpenFailed when it was wrapped under another master key or moved or altered
     */
    public byte[] open(String projectId, String credentialId, long version, String wrappedDataKey, String sealedSecret) {
        String ctx = context(projectId, credentialId, version);
        byte[] dataKey = wrapper.open(wrappedDataKey, ctx);
        try {
            return Sealer.forDataKey(dataKey).open(sealedSecret, ctx);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /** The data key of a credential, unwrapped here and wrapped again under {@code to}'s master key. */
    String rewrap(Envelope to, String projectId, String credentialId, long version, String wrappedDataKey) {
        String ctx = context(projectId, credentialId, version);
        byte[] dataKey = wrapper.open(wrappedDataKey, ctx);
        try {
            return to.wrapper.seal(dataKey, ctx);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    /**
     * {@code zfp_} + the first 16 hex digits of HMAC-SHA256(secret) under a key derived from the
     * master key: the same secret always gives the same fingerprint (under one master key), and the
     * fingerprint says nothing else about it.
     */
    public String fingerprint(byte[] secret) {
        return master.fingerprint(FINGERPRINT_PURPOSE, secret);
    }

    @Override
    public String toString() {
        return "Envelope[" + master + "]";
    }
}
