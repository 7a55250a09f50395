package ai.zumik.broker;

import ai.zumik.alias.AliasRegistry;
import ai.zumik.alias.AliasRelease;
import ai.zumik.alias.AliasTarget;
import ai.zumik.catalog.CatalogModel;
import ai.zumik.catalog.ModelCatalog;
import ai.zumik.catalog.ModelRef;
import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.ExecutionProfile;
import ai.zumik.inference.RequestRejected;
import ai.zumik.region.RegionalPolicies;
import ai.zumik.region.RegionalPolicy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Turns a requested model into an ordered list of targets, deterministically. An alias resolves
 * through its live release; its weighted targets are ordered by a weighted shuffle seeded from
 * the response id, so the same response id and release always give the same order. A concrete
 * model's order is the model itself, then (when degrading is allowed) compatible models of its
 * group on other providers. Every candidate gets a verdict; skipped ones say why.
 */
public final class RoutePlanner {
    private final ModelCatalog catalog;
    private final AliasRegistry aliases;
    private final Targets targets;
    private final CircuitBreakers circuits;
    private final Cooldowns cooldowns;
    private final RegionalPolicies policies;

    public RoutePlanner(ModelCatalog catalog, AliasRegistry aliases, Targets targets, CircuitBreakers circuits,
                        Cooldowns cooldowns, RegionalPolicies policies) {
        this.catalog = catalog;
        this.aliases = aliases;
        this.targets = targets;
        this.circuits = circuits;
        this.cooldowns = cooldowns;
        this.policies = policies;
    }

    /** The model does not exist (neither alias nor catalogue model nor provider-prefixed id). */
    public static final class ModelNotFound extends RuntimeException {
        public ModelNotFound(String model) {
            super(model, null, false, false);
        }
    }

    /**
     * Every candidate that could run is outside the project's allowed zones: refused before any
     * provider call (403 {@code region_not_allowed}), never re-routed elsewhere.
     */
    public static final class RegionNotAllowed extends RuntimeException {
        public RegionNotAllowed(String message) {
            super(message, null, false, false);
        }
    }

    /** A candidate before verdicts. */
    private record Candidate(ModelRef model, ExecutionProfile profile, String revision, int weight, boolean fallback) {}

    /**
     * Plans a chat response.
     *
     * @param check throws {@link RequestRejected} when a model cannot honour the request
     * @throws ModelNotFound when nothing is addressed
     * @throws RequestRejected when every candidate lacks a capability the request needs
     * @throws RegionNotAllowed when the regional policy rules out every target that could serve
     */
    public RoutePlan plan(String projectId, String responseId, String requested, CatalogModel.Kind kind,
                          boolean allowCompatibleFallback, Consumer<ModelRef> check) {
        long seed = seed(responseId);
        RegionalPolicy policy = policies.of(projectId);
        Optional<AliasRelease> release = AliasRegistry.validName(requested) ? aliases.live(projectId, requested) : Optional.empty();
        List<Candidate> candidates = release.isPresent() ? aliasCandidates(release.get(), seed)
                : concreteCandidates(requested, kind, allowCompatibleFallback);
        List<RoutePlan.Verdict> verdicts = new ArrayList<>();
        List<Target> order = new ArrayList<>();
        RequestRejected firstRejection = null;
        boolean anyConfigured = false;
        long coolDown = 0;
        for (Candidate c : candidates) {
            String reason = "kept";
            Target live = null;
            if (c.fallback() && !verdicts.isEmpty() && verdicts.getFirst().reason().equals("not_configured")) {
                // Compatible stand-ins are for a primary that fails, not one nobody configured:
                // that is placeholder territory.
                verdicts.add(new RoutePlan.Verdict(c.model(), c.profile(), c.revision(), c.weight(), true, false,
                        "primary_not_configured"));
                continue;
            }
            if (c.profile() != ExecutionProfile.MANAGED_PROVIDER) {
                reason = "profile_unavailable";
            } else {
                try {
                    check.accept(c.model());
                    switch (targets.managed(c.model(), c.revision(), c.fallback())) {
                        case Targets.Path.Live l -> {
                            anyConfigured = true;
                            if (!policy.allows(l.target().zone())) reason = "region_not_allowed";
                            else if (!circuits.allow(l.target().key())) reason = "circuit_open";
                            else if (cooldowns.remainingSeconds(l.target().key()) > 0) {
                                reason = "rate_limited";
                                long left = cooldowns.remainingSeconds(l.target().key());
                                coolDown = coolDown == 0 ? left : Math.min(coolDown, left);
                            } else live = l.target();
                        }
                        case Targets.Path.Unconfigured u -> reason = "not_configured";
                        case Targets.Path.NoAdapter n -> {
                            anyConfigured = true;
                            reason = "no_adapter";
                        }
                    }
                } catch (RequestRejected r) {
                    if (firstRejection == null) firstRejection = r;
                    reason = "capability:" + r.param();
                }
            }
            if (live != null) order.add(live);
            verdicts.add(new RoutePlan.Verdict(c.model(), c.profile(), c.revision(), c.weight(), c.fallback(), live != null, reason));
        }
        ModelRef primary = candidates.getFirst().model();
        boolean primaryUnconfigured = release.isEmpty() && verdicts.getFirst().reason().equals("not_configured");
        if (order.isEmpty() && (primaryUnconfigured || !anyConfigured) && firstRejection == null) {
            // Nothing anywhere is configured for this request: deterministic placeholder output.
            Candidate first = candidates.getFirst();
            order.add(targets.placeholder(first.model(), first.revision()));
            verdicts.set(0, new RoutePlan.Verdict(first.model(), first.profile(), first.revision(), first.weight(), false,
                    true, "placeholder"));
        }
        if (order.isEmpty() && firstRejection != null && verdicts.stream().allMatch(v -> v.reason().startsWith("capability:")
                || v.reason().equals("not_configured"))) {
            throw firstRejection;
        }
        if (order.isEmpty() && verdicts.stream().anyMatch(v -> v.reason().equals("region_not_allowed"))
                && verdicts.stream().allMatch(v -> v.reason().equals("region_not_allowed")
                        || v.reason().startsWith("capability:") || v.reason().equals("not_configured")
                        || v.reason().equals("primary_not_configured"))) {
            throw new RegionNotAllowed("The regional policy of this project allows "
                    + String.join(", ", policy.allowList().stream().sorted().toList())
                    + "; no target for '" + requested + "' serves there. The request was not sent to any provider.");
        }
        return new RoutePlan(requested, release.orElse(null), catalog.revision(), seed, List.copyOf(verdicts),
                List.copyOf(order), primary, coolDown, policy);
    }

    private List<Candidate> aliasCandidates(AliasRelease release, long seed) {
        List<AliasTarget> ts = release.targets();
        int[] weights = ts.stream().mapToInt(AliasTarget::weight).toArray();
        List<Candidate> out = new ArrayList<>();
        for (int i : weightedOrder(weights, seed)) {
            AliasTarget t = ts.get(i);
            ModelRef ref = catalog.resolve(t.provider().wireId() + "/" + t.model()).orElseThrow();
            out.add(new Candidate(ref, t.profile(), t.modelRevision(), t.weight(), false));
        }
        return out;
    }

    private List<Candidate> concreteCandidates(String requested, CatalogModel.Kind kind, boolean allowFallback) {
        ModelRef ref = catalog.resolve(requested).orElseThrow(() -> new ModelNotFound(requested));
        if (ref.entry() != null && ref.entry().kind() != kind) {
            throw new RequestRejected("model", "model_not_supported", kind == CatalogModel.Kind.CHAT
                    ? "The model '" + requested + "' is an embeddings model and cannot be used for chat completions."
                    : "The model '" + requested + "' is not an embeddings model.");
        }
        List<Candidate> out = new ArrayList<>();
        out.add(new Candidate(ref, ExecutionProfile.MANAGED_PROVIDER, "latest", 1, false));
        if (allowFallback) {
            for (CatalogModel m : catalog.compatible(ref.entry())) {
                if (m.provider() == ref.provider()) continue;
                out.add(new Candidate(catalog.resolve(m.provider().wireId() + "/" + m.id()).orElseThrow(),
                        ExecutionProfile.MANAGED_PROVIDER, "latest", 1, true));
            }
        }
        return out;
    }

    /** 64-bit FNV-1a of the response id: the seed every weighted choice of that response uses. */
    public static long seed(String responseId) {
        long h = 0xcbf29ce484222325L;
        for (byte b : responseId.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /**
     * A weighted random permutation (Efraimidis–Spirakis: sort by {@code -ln(u)/w}) drawn from a
     * generator seeded with {@code seed}: heavier targets tend to come first, and the same seed
     * always gives the same order.
     */
    public static int[] weightedOrder(int[] weights, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] keys = new double[weights.length];
        Integer[] idx = new Integer[weights.length];
        for (int i = 0; i < weights.length; i++) {
            keys[i] = -Math.log(1.0 - random.nextDouble()) / Math.max(1, weights[i]);
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> keys[a] != keys[b] ? Double.compare(keys[a], keys[b]) : Integer.compare(a, b));
        return Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
    }
}
