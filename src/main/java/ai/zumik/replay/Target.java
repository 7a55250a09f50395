package ai.zumik.replay;

import ai.zumik.catalog.ModelCatalog;
import ai.zumik.catalog.ModelRef;
import ai.zumik.provider.ProviderId;
import java.util.Optional;

/**
 * A concrete place a trace can run: a provider's model, at a revision when one is pinned; or a
 * model path on one of the project's BYOC clusters.
 *
 * @param provider null for a cluster target
 * @param revision null when not pinned (a catalogue model, an alias target at {@code latest}, a cluster's model)
 * @param clusterId the BYOC cluster ({@code bcl_…}), or null for a provider's model
 */
public record Target(ProviderId provider, String model, String revision, String clusterId) {
    /** How a cluster target is written: {@code byoc:<cluster id>/<model path>}. */
    public static final String BYOC_PREFIX = "byoc:";

    public Target(ProviderId provider, String model, String revision) {
        this(provider, model, revision, null);
    }

    /** {@code provider/model[@revision]}, or {@code byoc:<cluster id>/<model path>}. */
    public String id() {
        if (clusterId != null) return BYOC_PREFIX + clusterId + "/" + model;
        return provider.wireId() + "/" + model + (revision == null ? "" : "@" + revision);
    }

    public boolean byoc() {
        return clusterId != null;
    }

    /** The same model at the same provider (or cluster); revisions differ only when both are known and unequal. */
    public boolean sameModelAs(Target other) {
        if (other == null) return false;
        if (byoc() || other.byoc()) return byoc() && other.byoc() && clusterId.equals(other.clusterId) && model.equals(other.model);
        return provider == other.provider && model.equals(other.model)
                && (revision == null || other.revision == null || revision.equals(other.revision));
    }

    static Target of(ProviderId provider, String model, String revision) {
        return new Target(provider, model, revision == null || revision.isEmpty() || "latest".equals(revision) ? null : revision);
    }

    static Target cluster(String clusterId, String model) {
        return new Target(null, model, null, clusterId);
    }

    /**
     * Reads {@code byoc:<cluster id>/<model path>}; empty when {@code spec} is not of that form
     * (the caller checks that the cluster exists and serves the model).
     */
    static Optional<Target> parseCluster(String spec) {
        if (spec == null || !spec.startsWith(BYOC_PREFIX)) return Optional.empty();
        String rest = spec.substring(BYOC_PREFIX.length());
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) return Optional.empty();
        return Optional.of(cluster(rest.substring(0, slash), rest.substring(slash + 1)));
    }

    /**
     * Reads {@code provider/model[@revision]} or a bare catalogue id; empty when the catalogue
     * cannot address it. With {@code listedOnly}, a provider's model the catalogue does not list
     * (a fine-tune) is refused too: its prices and cache behaviour are unknown.
     */
    static Optional<Target> parse(String spec, ModelCatalog catalog, boolean listedOnly) {
        if (spec == null || spec.isEmpty()) return Optional.empty();
        int at = spec.lastIndexOf('@');
        String name = at > 0 ? spec.substring(0, at) : spec;
        String revision = at > 0 ? spec.substring(at + 1) : null;
        if (revision != null && revision.isEmpty()) return Optional.empty();
        Optional<ModelRef> ref = catalog.resolve(name);
        if (ref.isEmpty() || listedOnly && ref.get().entry() == null) return Optional.empty();
        return Optional.of(of(ref.get().provider(), ref.get().model(), revision));
    }
}
