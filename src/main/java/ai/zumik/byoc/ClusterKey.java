package ai.zumik.byoc;

import ai.zumik.provider.SafeMessage;
import ai.zumik.secrets.Sealer;
import java.nio.charset.StandardCharsets;

/**
 * A cluster's sealed API key and the means to open it for one call. Its text form is only the
 * fingerprint; the key in the clear exists only in what {@link #open()} returns. The first open
 * registers it with {@link SafeMessage}, so upstream text echoing it is scrubbed like any
 * configured secret.
 */
public final class ClusterKey {
    private final String clusterId;
    private final String sealed;
    private final String fingerprint;
    private final Sealer sealer;
    private volatile boolean protectedOnce;

    ClusterKey(String clusterId, String sealed, String fingerprint, Sealer sealer) {
        this.clusterId = clusterId;
        this.sealed = sealed;
        this.fingerprint = fingerprint;
        this.sealer = sealer;
    }

    /**
     * The key in the clear, for the {@code Authorization: Bearer} of one request; never log or keep it.
     *
     * @throws Sealer.OpenFailed when this replica's master key is not the one that sealed it
     */
    public String open() {
        String key = new String(sealer.open(sealed, clusterId), StandardCharsets.UTF_8);
        if (!protectedOnce) {
            SafeMessage.protect(key);
            protectedOnce = true;
        }
        return key;
    }

    /** {@code zfp_…}: what may be shown of the key. */
    public String fingerprint() {
        return fingerprint;
    }

    @Override
    public String toString() {
        return "ClusterKey[" + fingerprint + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterKey k && k.clusterId.equals(clusterId) && k.sealed.equals(sealed);
    }

    @Override
    public int hashCode() {
        return sealed.hashCode();
    }
}
