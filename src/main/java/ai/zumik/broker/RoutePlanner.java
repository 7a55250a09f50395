package ai.zumik.broker;

import ai.zumik.alias.AliasRegistry;
import ai.zumik.alias.AliasRelease;
import ai.zumik.alias.AliasTarget;
import ai.zumik.broker.RoutePlan.Why;
import ai.zumik.catalog.CatalogModel;
import ai.zumik.byoc.ClusterDirectory;
import ai.zumik.byoc.LiveCluster;
import ai.zumik.catalog.ModelCatalog;
import ai.zumik.catalog.ModelRef;
import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.ExecutionProfile;
import ai.zumik.inference.RequestRejected;
import ai.zumik.metering.DecisionTemplate;
import ai.zumik.region.RegionalPolicies;
import ai.zumik.region.RegionalPolicy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Turns a requested model into an ordered list of targets, deterministically. An alias resolves
 * through its live release; its weighted targets are ordered by a weighted shuffle seeded from
 * the response id, so the same response id and release always give the same order. A concrete
 * model's order is the model itself, then (when degrading is allowed) compatible models of its
 * group on other providers. Every candidate gets a verdict; skipped ones say why.
 */
public final class RoutePlanner {
    /** Bounds each memo (decision templates, concrete candidates); a full one starts over. */
    private static final int MEMO_LIMIT = 4_096;
    private final ModelCatalog catalog;
    private final AliasRegistry aliases;
    private final Targets targets;
    private final CircuitBreakers circuits;
    private final Cooldowns cooldowns;
    private final RegionalPolicies policies;
    private final ByokRoutes byok;
    private final ClusterDirectory clusters;
    private final double saturation;
    private final ConcurrentHashMap<TemplateKey, DecisionTemplate> templates = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<CandidatesKey, List<Candidate>> concrete = new ConcurrentHashMap<>();

    /**
     * What a decision template is a function of: exactly the values {@link RoutePlan#templateJsonText}
     * writes, so equal keys write equal JSON. Hashed once from those values (a record's own hash would
     * walk every candidate's whole catalogue entry on each lookup).
     */
    private static final class TemplateKey {
        private final String requestedModel;
        private final String releaseId;
        private final String capabilityRevision;
        private final List<RoutePlan.Verdict> verdicts;
        private final RegionalPolicy policy;
        private final int hash;

        TemplateKey(String requestedModel, String releaseId, String capabilityRevision,
                    List<RoutePlan.Verdict> verdicts, RegionalPolicy policy) {
            this.requestedModel = requestedModel;
            this.releaseId = releaseId;
            this.capabilityRevision = capabilityRevision;
            this.verdicts = verdicts;
            this.policy = policy;
            int h = Objects.hash(requestedModel, releaseId, capabilityRevision, policy.id());
            for (RoutePlan.Verdict v : verdicts) {
                h = 31 * h + v.model().provider().hashCode();
                h = 31 * h + v.model().model().hashCode();
                h = 31 * h + Objects.hashCode(v.modelRevision());
                h = 31 * h + v.profile().hashCode();
                h = 31 * h + v.weight();
                h = 31 * h + (v.fallback() ? 1 : 0);
                h = 31 * h + v.why().hashCode();
                h = 31 * h + Objects.hashCode(v.param());
                h = 31 * h + Objects.hashCode(v.credentialId());
                h = 31 * h + Objects.hashCode(v.clusterId());
            }
            this.hash = h;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof TemplateKey k) || k.hash != hash || k.verdicts.size() != verdicts.size()
                    || !Objects.equals(k.requestedModel, requestedModel) || !Objects.equals(k.releaseId, releaseId)
                    || !Objects.equals(k.capabilityRevision, capabilityRevision) || !k.policy.equals(policy)) {
                return false;
            }
            for (int i = 0; i < verdicts.size(); i++) {
                RoutePlan.Verdict a = verdicts.get(i);
                RoutePlan.Verdict b = k.verdicts.get(i);
                if (a.model().provider() != b.model().provider() || !a.model().model().equals(b.model().model())
                        || !Objects.equals(a.modelRevision(), b.modelRevision()) || a.profile() != b.profile()
                        || a.weight() != b.weight() || a.fallback() != b.fallback() || a.why() != b.why()
                        || !Objects.equals(a.param(), b.param()) || !Objects.equals(a.credentialId(), b.credentialId())
                        || !Objects.equals(a.clusterId(), b.clusterId())) {
                    return false;
                }
            }
            return true;
        }
    }

    public RoutePlanner(ModelCatalog catalog, AliasRegistry aliases, Targets targets, CircuitBreakers circuits,
                        Cooldowns cooldowns, RegionalPolicies policies) {
        this(catalog, aliases, targets, circuits, cooldowns, policies, ByokRoutes.NONE);
    }

    public RoutePlanner(ModelCatalog catalog, AliasRegistry aliases, Targets targets, CircuitBreakers circuits,
                        Cooldowns cooldowns, RegionalPolicies policies, ByokRoutes byok) {
        this(catalog, aliases, targets, circuits, cooldowns, policies, byok, NO_CLUSTERS, 1.0);
    }

    /**
     * @param clusters the projects' BYOC clusters as this replica knows them
     * @param saturation the reported load (0..1) at which a cluster stops taking new requests and
     *     they overflow to the release's managed targets
     */
    public RoutePlanner(ModelCatalog catalog, AliasRegistry aliases, Targets targets, CircuitBreakers circuits,
                        Cooldowns cooldowns, RegionalPolicies policies, ByokRoutes byok, ClusterDirectory clusters,
                        double saturation) {
        this.clusters = clusters;
        this.saturation = saturation;
        this.catalog = catalog;
        this.aliases = aliases;
        this.targets = targets;
        this.circuits = circuits;
        this.cooldowns = cooldowns;
        this.policies = policies;
        this.byok = byok;
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

    private static final ClusterDirectory NO_CLUSTERS = new ClusterDirectory() {
        @Override
        public List<LiveCluster> activeFor(String projectId, String modelPath) {
            return List.of();
        }

        @Override
        public Optional<LiveCluster> byId(String projectId, String clusterId) {
            return Optional.empty();
        }
    };

    /**
     * A candidate before verdicts; {@code credentialId} names the project credential of a BYOK one,
     * {@code clusterId} the project's cluster of a BYOC one.
     */
    private record Candidate(ModelRef model, ExecutionProfile profile, String revision, int weight, boolean fallback,
                             Integer attemptTimeoutMs, String credentialId, String clusterId) {
        Candidate(ModelRef model, ExecutionProfile profile, String revision, int weight, boolean fallback,
                  Integer attemptTimeoutMs) {
            this(model, profile, revision, weight, fallback, attemptTimeoutMs, null, null);
        }

        Candidate onCredential(String id) {
            return new Candidate(model, ExecutionProfile.BYOK, revision, weight, fallback, attemptTimeoutMs, id, null);
        }
    }

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
        return plan(projectId, responseId, requested, kind, allowCompatibleFallback, check, null);
    }

    /**
     * Plans a response with a QoS deadline: a BYOC cluster whose reported median latency would use
     * half of it or more is passed over (hybrid overflow, {@code deadline_at_risk}).
     *
     * @param deadlineMs the request's QoS deadline, or null
     */
    public RoutePlan plan(String projectId, String responseId, String requested, CatalogModel.Kind kind,
                          boolean allowCompatibleFallback, Consumer<ModelRef> check, Integer deadlineMs) {
        long seed = seed(responseId);
        RegionalPolicy policy = policies.of(projectId);
        Optional<AliasRelease> release = AliasRegistry.validName(requested) ? aliases.live(projectId, requested) : Optional.empty();
        List<Candidate> candidates = release.isPresent() ? aliasCandidates(release.get(), seed)
                : withByokDefaults(projectId, concreteCandidates(requested, kind, allowCompatibleFallback));
        // A concrete model on the project's own credential fails over to other BYOK candidates only:
        // the platform's account is used for BYOK traffic only where an alias release lists it.
        boolean byokPrimary = release.isEmpty() && candidates.getFirst().profile() == ExecutionProfile.BYOK;
        List<RoutePlan.Verdict> verdicts = new ArrayList<>();
        List<Target> order = new ArrayList<>();
        RequestRejected firstRejection = null;
        boolean anyConfigured = false;
        long coolDown = 0;
        for (Candidate c : candidates) {
            Why why = Why.KEPT;
            String param = null;
            Target live = null;
            Target built = null; // a target for the candidate, whatever its profile: is it available now?
            if (c.fallback() && !verdicts.isEmpty() && verdicts.getFirst().why() == Why.NOT_CONFIGURED) {
                // Compatible stand-ins are for a primary that fails, not one nobody configured:
                // that is placeholder territory.
                verdicts.add(new RoutePlan.Verdict(c.model(), c.profile(), c.revision(), c.weight(), true,
                        Why.PRIMARY_NOT_CONFIGURED, null));
                continue;
            }
            if (byokPrimary && c.profile() == ExecutionProfile.MANAGED_PROVIDER) {
                why = Why.BYOK_ONLY;
            } else if (c.profile() == ExecutionProfile.BYOK) {
                anyConfigured = true;
                try {
                    check.accept(c.model());
                    var adapter = byok.adapter(projectId, c.credentialId(), c.model().provider(), targets.transport());
                    if (adapter == null) {
                        why = Why.CREDENTIAL_UNAVAILABLE;
                    } else {
                        built = targets.byok(c.model(), c.revision(), c.fallback(), c.credentialId(), adapter);
                    }
                } catch (RequestRejected r) {
                    if (firstRejection == null) firstRejection = r;
                    why = Why.CAPABILITY;
                    param = r.param();
                }
            } else if (c.profile().byoc()) {
                anyConfigured = true;
                LiveCluster cluster = c.clusterId() == null ? null : clusters.byId(projectId, c.clusterId()).orElse(null);
                Long p50 = cluster == null || cluster.heartbeat() == null ? null : cluster.heartbeat().latencyP50Ms();
                if (cluster == null || !cluster.activeModels().contains(c.model().model())) why = Why.CLUSTER_NOT_ACTIVE;
                else if (!cluster.inRotation()) why = Why.CLUSTER_DOWN;
                else if (cluster.load() != null && cluster.load() >= saturation) why = Why.CLUSTER_SATURATED;
                else if (deadlineMs != null && p50 != null && p50 * 2 >= deadlineMs) why = Why.DEADLINE_AT_RISK;
                else built = targets.byoc(c.model(), c.revision(), cluster);
            } else if (c.profile() != ExecutionProfile.MANAGED_PROVIDER) {
                why = Why.PROFILE_UNAVAILABLE;
            } else {
                try {
                    check.accept(c.model());
                    switch (targets.managed(c.model(), c.revision(), c.fallback())) {
                        case Targets.Path.Live l -> {
                            anyConfigured = true;
                            built = l.target();
                        }
                        case Targets.Path.Unconfigured u -> why = Why.NOT_CONFIGURED;
                        case Targets.Path.NoAdapter n -> {
                            anyConfigured = true;
                            why = Why.NO_ADAPTER;
                        }
                    }
                } catch (RequestRejected r) {
                    if (firstRejection == null) firstRejection = r;
                    why = Why.CAPABILITY;
                    param = r.param();
                }
            }
            if (built != null) {
                long left;
                if (!policy.allows(built.zone())) why = Why.REGION_NOT_ALLOWED;
                else if (!circuits.allow(built.key())) why = Why.CIRCUIT_OPEN;
                else if ((left = cooldowns.remainingSeconds(built.key())) > 0) {
                    why = Why.RATE_LIMITED;
                    coolDown = coolDown == 0 ? left : Math.min(coolDown, left);
                } else live = c.attemptTimeoutMs() == null ? built : built.withAttemptTimeout(c.attemptTimeoutMs());
            }
            if (live != null) order.add(live);
            verdicts.add(new RoutePlan.Verdict(c.model(), c.profile(), c.revision(), c.weight(), c.fallback(), why, param,
                    c.credentialId(), c.clusterId()));
        }
        ModelRef primary = candidates.getFirst().model();
        boolean primaryUnconfigured = release.isEmpty() && verdicts.getFirst().why() == Why.NOT_CONFIGURED;
        if (order.isEmpty() && (primaryUnconfigured || !anyConfigured) && firstRejection == null) {
            // Nothing anywhere is configured for this request: deterministic placeholder output.
            Candidate first = candidates.getFirst();
            order.add(targets.placeholder(first.model(), first.revision()));
            verdicts.set(0, new RoutePlan.Verdict(first.model(), first.profile(), first.revision(), first.weight(), false,
                    Why.PLACEHOLDER, null));
        }
        if (order.isEmpty() && firstRejection != null
                && verdicts.stream().allMatch(v -> v.why() == Why.CAPABILITY || v.why() == Why.NOT_CONFIGURED
                        || v.why() == Why.BYOK_ONLY)) {
            throw firstRejection;
        }
        if (order.isEmpty() && verdicts.stream().anyMatch(v -> v.why() == Why.REGION_NOT_ALLOWED)
                && verdicts.stream().allMatch(v -> v.why() == Why.REGION_NOT_ALLOWED || v.why() == Why.CAPABILITY
                        || v.why().unconfigured())) {
            throw new RegionNotAllowed("The regional policy of this project allows "
                    + String.join(", ", policy.allowList().stream().sorted().toList())
                    + "; no target for '" + requested + "' serves there. The request was not sent to any provider.");
        }
        List<RoutePlan.Verdict> decided = List.copyOf(verdicts);
        return new RoutePlan(requested, release.orElse(null), catalog.revision(), seed, decided,
                List.copyOf(order), primary, coolDown, policy, template(requested, release.orElse(null), decided, policy));
    }

    /**
     * The decision's shared part, written and hashed once per distinct planning outcome instead of
     * once per request (a circuit opening or a new release makes a new one). Bounded: when full it
     * starts over, which costs only re-serialising.
     */
    private DecisionTemplate template(String requested, AliasRelease release, List<RoutePlan.Verdict> verdicts,
                                      RegionalPolicy policy) {
        var key = new TemplateKey(requested, release == null ? null : release.id(), catalog.revision(), verdicts, policy);
        return memo(templates, key, () -> DecisionTemplate.of(
                RoutePlan.templateJsonText(requested, release, catalog.revision(), verdicts, policy)));
    }

    /** The remembered value for {@code key}, or {@code compute}'s, remembered (a throw is not). */
    private static <K, V> V memo(ConcurrentHashMap<K, V> memo, K key, Supplier<V> compute) {
        V known = memo.get(key);
        if (known != null) return known;
        V computed = compute.get();
        if (memo.size() >= MEMO_LIMIT) memo.clear();
        memo.put(key, computed);
        return computed;
    }

    private List<Candidate> aliasCandidates(AliasRelease release, long seed) {
        List<AliasTarget> ts = release.targets();
        int[] weights = ts.stream().mapToInt(AliasTarget::weight).toArray();
        List<Candidate> out = new ArrayList<>();
        for (int i : weightedOrder(weights, seed)) {
            AliasTarget t = ts.get(i);
            ModelRef ref = catalog.resolve(t.provider().wireId() + "/" + t.model()).orElseThrow();
            out.add(new Candidate(ref, t.profile(), t.modelRevision(), t.weight(), false, t.attemptTimeoutMs(),
                    t.credentialId(), t.clusterId()));
        }
        // Hybrid: a release's cluster targets are its hot path and go first (in their weighted order);
        // its managed targets are the overflow for a cluster that is down, saturated or too slow.
        out.sort(java.util.Comparator.comparing(c -> !c.profile().byoc()));
        return out;
    }

    /**
     * A concrete model's candidates with the project's {@code byok_defaults} applied: a candidate
     * whose provider has a default credential runs on it (profile {@code byok}).
     */
    private List<Candidate> withByokDefaults(String projectId, List<Candidate> candidates) {
        List<Candidate> out = null;
        for (int i = 0; i < candidates.size(); i++) {
            Candidate c = candidates.get(i);
            String credential = byok.defaultCredential(projectId, c.model().provider());
            if (credential == null) continue;
            if (out == null) out = new ArrayList<>(candidates);
            out.set(i, c.onCredential(credential));
        }
        return out == null ? candidates : out;
    }

    /**
     * A concrete model's candidates depend only on the bundled catalogue, so they are computed once
     * per requested id, kind and fallback choice (bounded like the templates; refusals are not kept).
     */
    private List<Candidate> concreteCandidates(String requested, CatalogModel.Kind kind, boolean allowFallback) {
        return memo(concrete, new CandidatesKey(requested, kind, allowFallback),
                () -> List.copyOf(resolveCandidates(requested, kind, allowFallback)));
    }

    private record CandidatesKey(String requested, CatalogModel.Kind kind, boolean allowFallback) {}

    private List<Candidate> resolveCandidates(String requested, CatalogModel.Kind kind, boolean allowFallback) {
        ModelRef ref = catalog.resolve(requested).orElseThrow(() -> new ModelNotFound(requested));
        if (ref.entry() != null && ref.entry().kind() != kind) {
            throw new RequestRejected("model", "model_not_supported", kind == CatalogModel.Kind.CHAT
                    ? "The model '" + requested + "' is an embeddings model and cannot be used for chat completions."
                    : "The model '" + requested + "' is not an embeddings model.");
        }
        List<Candidate> out = new ArrayList<>();
        out.add(new Candidate(ref, ExecutionProfile.MANAGED_PROVIDER, "latest", 1, false, null));
        if (allowFallback) {
            for (CatalogModel m : catalog.compatible(ref.entry())) {
                if (m.provider() == ref.provider()) continue;
                out.add(new Candidate(catalog.resolve(m.provider().wireId() + "/" + m.id()).orElseThrow(),
                        ExecutionProfile.MANAGED_PROVIDER, "latest", 1, true, null));
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
