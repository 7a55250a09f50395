package ai.zumik.byoc;

import ai.zumik.alias.AliasTarget;
import ai.zumik.ids.Ids;
import ai.zumik.inference.ExecutionProfile;
import ai.zumik.replay.ClusterTargets;
import ai.zumik.secrets.MasterKey;
import ai.zumik.secrets.Sealer;
import ai.zumik.store.Database;
import ai.zumik.traces.TrafficSource.TargetLatency;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The project's registered clusters (register, list, heartbeat, delete) and, from memory, the
 * {@link ClusterDirectory} routing reads. Writes go to the database and then reload this
 * replica's snapshot before returning; {@link #refresh()} also runs every {@link #REFRESH_MS} ms
 * in the background, which is how writes made through other replicas arrive (see
 * {@link ClusterDirectory} for the bound). The snapshot is replaced wholesale, never mutated.
 */
public final class ClusterRegistry implements ClusterDirectory, ClusterTargets {
    public static final String SEAL_PURPOSE = "byoc-cluster-keys";
    public static final String FINGERPRINT_PURPOSE = "byoc-cluster-fingerprints";
    /** How often every replica reloads clusters, heartbeats and activations. */
    public static final long REFRESH_MS = 1_000;

    /** A validated registration; {@code apiKey} is sealed before anything is stored. */
    public record Registration(String name, String baseUrl, String apiKey, ExecutionProfile flavour, List<String> models,
                               String region) {
        @Override
        public String toString() {
            return "Registration[" + name + ", " + baseUrl + "]";
        }
    }

    /** What a delete did. */
    public enum Deleted { DELETED, NOT_FOUND, HAS_ACTIVE_ACTIVATIONS }

    private record Snapshot(Map<String, LiveCluster> byId, Map<String, List<LiveCluster>> byProject) {
        static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of());
    }

    private final ClusterStore store;
    private final Sealer sealer;
    private final MasterKey master;
    private final Clock clock;
    private final long heartbeatTimeoutMs;
    private volatile Snapshot snapshot = Snapshot.EMPTY;

    public ClusterRegistry(Database db, MasterKey master, Clock clock, long heartbeatTimeoutMs) {
        this.store = new ClusterStore(db);
        this.sealer = master.sealer(SEAL_PURPOSE);
        this.master = master;
        this.clock = clock;
        this.heartbeatTimeoutMs = heartbeatTimeoutMs;
    }

    ClusterStore store() {
        return store;
    }

    public long heartbeatTimeoutMs() {
        return heartbeatTimeoutMs;
    }

    // ---- the registry (blocking) ----

    public Cluster register(String projectId, Registration r) {
        long now = clock.millis();
        String id = Ids.next("bcl_", now);
        byte[] key = r.apiKey().getBytes(StandardCharsets.UTF_8);
        Cluster c = new Cluster(id, projectId, r.name(), r.baseUrl(), r.flavour(), r.region(), List.copyOf(r.models()),
                sealer.seal(key, id), master.fingerprint(FINGERPRINT_PURPOSE, key), now, null);
        store.insert(c);
        refresh();
        return c;
    }

    public List<Cluster> list(String projectId) {
        return store.list(projectId);
    }

    public Optional<Cluster> find(String projectId, String id) {
        return store.find(projectId, id);
    }

    /** Records a heartbeat stamped now; empty when the project has no such cluster. */
    public Optional<Cluster> heartbeat(String projectId, String id, boolean healthy, double load, Long queueDepth,
                                       Boolean cachedTokensReporting, List<String> models, Long ttftP50Ms, Long latencyP50Ms) {
        Heartbeat h = new Heartbeat(clock.millis(), healthy, load, queueDepth, cachedTokensReporting,
                models == null ? null : List.copyOf(models), ttftP50Ms, latencyP50Ms);
        if (!store.heartbeat(projectId, id, h)) return Optional.empty();
        Optional<Cluster> c = store.find(projectId, id);
        c.ifPresent(this::withHeartbeat);
        return c;
    }

    /**
     * Puts a cluster's new heartbeat into the snapshot, leaving every other cluster as it is: a
     * heartbeat changes nothing else, so it needs no reload of every project's clusters.
     */
    private synchronized void withHeartbeat(Cluster c) {
        Snapshot s = snapshot;
        LiveCluster before = s.byId().get(c.id());
        if (before == null) {
            refresh();
            return;
        }
        LiveCluster live = new LiveCluster(before.id(), before.projectId(), before.name(), before.flavour(), before.baseUrl(),
                before.region(), before.models(), before.activeModels(), c.heartbeat(), false, before.apiKey());
        Map<String, LiveCluster> byId = new HashMap<>(s.byId());
        byId.put(live.id(), live);
        Map<String, List<LiveCluster>> byProject = new HashMap<>(s.byProject());
        byProject.computeIfPresent(live.projectId(), (k, list) -> list.stream().map(x -> x.id().equals(live.id()) ? live : x).toList());
        snapshot = new Snapshot(Map.copyOf(byId), Map.copyOf(byProject));
    }

    public Deleted delete(String projectId, String id) {
        if (store.find(projectId, id).isEmpty()) return Deleted.NOT_FOUND;
        if (!store.delete(projectId, id)) {
            return store.find(projectId, id).isPresent() ? Deleted.HAS_ACTIVE_ACTIVATIONS : Deleted.NOT_FOUND;
        }
        refresh();
        return Deleted.DELETED;
    }

    /** Deletes every cluster (and sealed key) and activation of a project: a project purge. */
    public long purgeProject(String projectId) {
        long n = store.purgeProject(projectId);
        refresh();
        return n;
    }

    /**
     * Reloads the snapshot from the database. Blocking; runs every {@link #REFRESH_MS} ms off the
     * event loop and after each write here. Serialized, so a slow reload never replaces a newer one.
     */
    public synchronized void refresh() {
        Map<String, Set<String>> active = new HashMap<>();
        for (Activation a : store.allActive()) active.computeIfAbsent(a.clusterId(), k -> new HashSet<>()).add(a.model());
        Map<String, LiveCluster> byId = new HashMap<>();
        Map<String, List<LiveCluster>> byProject = new HashMap<>();
        Snapshot previous = snapshot;
        for (Cluster c : store.all()) {
            LiveCluster before = previous.byId().get(c.id());
            // Keep the key object (and whether it was registered with SafeMessage) while the key is the same.
            ClusterKey fresh = new ClusterKey(c.id(), c.sealedApiKey(), c.keyFingerprint(), sealer);
            ClusterKey key = before != null && before.apiKey().equals(fresh) ? before.apiKey() : fresh;
            LiveCluster live = new LiveCluster(c.id(), c.projectId(), c.name(), c.flavour(), c.baseUrl(), c.region(), c.models(),
                    Set.copyOf(active.getOrDefault(c.id(), Set.of())), c.heartbeat(), false, key);
            byId.put(c.id(), live);
            byProject.computeIfAbsent(c.projectId(), k -> new ArrayList<>()).add(live);
        }
        byProject.replaceAll((k, v) -> v.stream().sorted(Comparator.comparing(LiveCluster::id)).toList());
        snapshot = new Snapshot(Map.copyOf(byId), Map.copyOf(byProject));
    }

    // ---- the directory (memory only) ----

    @Override
    public List<LiveCluster> activeFor(String projectId, String modelPath) {
        List<LiveCluster> clusters = snapshot.byProject().get(projectId);
        if (clusters == null) return List.of();
        long now = clock.millis();
        List<LiveCluster> out = null;
        for (LiveCluster c : clusters) {
            Heartbeat h = c.heartbeat();
            if (h == null || !h.keepsInRotation(now, heartbeatTimeoutMs) || !c.activeModels().contains(modelPath)
                    || !h.serves(modelPath)) {
                continue;
            }
            if (out == null) out = new ArrayList<>(2);
            out.add(c.inRotation(true));
        }
        if (out == null) return List.of();
        out.sort(Comparator.comparingDouble(LiveCluster::load));
        return List.copyOf(out);
    }

    @Override
    public Optional<LiveCluster> byId(String projectId, String clusterId) {
        LiveCluster c = snapshot.byId().get(clusterId);
        if (c == null || !c.projectId().equals(projectId)) return Optional.empty();
        return Optional.of(c.inRotation(c.heartbeat() != null && c.heartbeat().keepsInRotation(clock.millis(), heartbeatTimeoutMs)));
    }

    // ---- replay's view (blocking) ----

    @Override
    public String refusal(String projectId, String clusterId, String model) {
        Optional<Cluster> c = store.find(projectId, clusterId);
        if (c.isEmpty()) return "no BYOC cluster '" + clusterId + "' exists in this project";
        if (!c.get().models().contains(model)) {
            return "cluster '" + clusterId + "' is not registered to serve '" + model + "' (it serves " + c.get().models() + ")";
        }
        return null;
    }

    /** Null when an alias target's {@code cluster_id} names a cluster of the project that serves its model under its profile. Blocking. */
    public String aliasTargetRefusal(String projectId, AliasTarget t) {
        String why = refusal(projectId, t.clusterId(), t.model());
        if (why != null) return why;
        ExecutionProfile flavour = store.find(projectId, t.clusterId()).orElseThrow().flavour();
        if (t.profile() != flavour) {
            return "cluster '" + t.clusterId() + "' is " + flavour.wire() + ", but the target's execution_profile is " + t.profile().wire();
        }
        return null;
    }

    /** The medians the cluster reported in its latest heartbeat (one heartbeat's word: a trace-level estimate). */
    @Override
    public Optional<TargetLatency> observedLatency(String projectId, String clusterId, String model) {
        Heartbeat h = store.find(projectId, clusterId).map(Cluster::heartbeat).orElse(null);
        if (h == null || h.latencyP50Ms() == null) return Optional.empty();
        return Optional.of(new TargetLatency(h.ttftP50Ms(), h.latencyP50Ms(), 1));
    }
}
