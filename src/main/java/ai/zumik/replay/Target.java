package ai.zumik.replay;

import ai.zumik.catalog.ModelCatalog;
import ai.zumik.catalog.ModelRef;
import ai.zumik.provider.ProviderId;
import java.util.Optional;

/**
 * A concrete place a trace can run: a provider's model, at a revision when one is pinned.
 *
 * @param revision null when not pinned (a catalogue model, an alias target at {@code latest})
 */
public record Target(ProviderId provider, String model, String revision) {

    /** {@code provider/model[@revision]}. */
    public String id() {
        return provider.wireId() + "/" + model + (revision == null ? "" : "@" + revision);
    }

    /** The same model at the same provider; revisions differ only when both are known and unequal. */
    public boolean sameModelAs(Target other) {
        return other != null && provider == other.provider && model.equals(other.model)
                && (revision == null || other.revision == null || revision.equals(other.revision));
    }

    static Target of(ProviderId provider, String model, String revision) {
        return new Target(provider, model, revision == null || revision.isEmpty() || "latest".equals(revision) ? null : revision);
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
