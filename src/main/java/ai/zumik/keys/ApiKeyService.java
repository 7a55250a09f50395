package ai.zumik.keys;

import ai.zumik.billing.BillingCycle;
import ai.zumik.ids.Ids;
import ai.zumik.store.Database;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Keys and projects. Authentication is a hash lookup: raw keys are hashed on arrival, looked up in
 * a small in-memory cache (hit on the hot path, no I/O) and, on a miss, in the database from a
 * virtual thread. Revocation drops the cache entry on this node at once; other replicas sharing a
 * PostgreSQL database see it within {@link #CACHE_TTL}.
 */
public final class ApiKeyService {
    static final Duration CACHE_TTL = Duration.ofSeconds(5);

    /** The outcome of checking a presented key. */
    public sealed interface Check {
        record Granted(Principal principal) implements Check {}

        record Unknown() implements Check {}

        record Revoked() implements Check {}
    }

    /** A newly created key: the stored record and the raw key, which is shown exactly once. */
    public record Created(ApiKey key, String rawKey) {}

    private final ApiKeyStore store;
    private final Clock clock;
    private final Cache<String, Check> byHash = Caffeine.newBuilder()
            // Maintenance runs on the calling thread in small amortized steps; handing it to a pool
            // would cost a thread wake-up on the request path.
            .executor(Runnable::run)
            .maximumSize(100_000)
            .expireAfterWrite(CACHE_TTL)
            .build();
    private final ConcurrentHashMap<String, Long> lastUsed = new ConcurrentHashMap<>();
    /** Key id to hash: fixed for a key's life, so kept once looked up. */
    private final ConcurrentHashMap<String, String> hashById = new ConcurrentHashMap<>();
    private volatile String defaultProjectId;
    private volatile Consumer<String> projectLoaded = project -> { };

    public ApiKeyService(Database db, Clock clock) {
        this.store = new ApiKeyStore(db);
        this.clock = clock;
    }

    /**
     * Prepares the default project and the operator's way in. Returns a freshly created admin key
     * when this is a first start without {@code bootstrapKey}, so the caller can print it once.
     */
    public Optional<Created> bootstrap(String bootstrapKey) {
        long now = clock.millis();
        defaultProjectId = store.ensureDefaultProject(now);
        Set<Scope> all = EnumSet.allOf(Scope.class);
        if (bootstrapKey != null) {
            if (!RawKeys.wellFormed(bootstrapKey)) {
                throw new IllegalArgumentException("ZUMIK_BOOTSTRAP_KEY must be zk_live_ followed by 32 URL-safe characters");
            }
            Optional<ApiKey> existing = store.findByHash(RawKeys.hash(bootstrapKey));
            if (existing.isEmpty()) {
                ApiKey key = new ApiKey(Ids.next("key_"), defaultProjectId, "bootstrap", RawKeys.mask(bootstrapKey),
                        all, true, now, null, null, null, null, null);
                store.insert(key, RawKeys.hash(bootstrapKey));
            } else if (existing.get().active() && !existing.get().scopes().equals(all)) {
                store.setScopes(existing.get().id(), all);
            }
            // A revoked bootstrap key stays revoked: restarting must not undo a revocation.
            return Optional.empty();
        }
        if (store.countActive(defaultProjectId) > 0) return Optional.empty();
        return Optional.of(create(defaultProjectId, "initial admin key", all));
    }

    public String defaultProjectId() {
        return defaultProjectId;
    }

    /** Cache-only check for the event loop; null means "not cached, call {@link #load}". */
    public Check cached(String keyHash) {
        Check c = byHash.getIfPresent(keyHash);
        if (c instanceof Check.Granted g) lastUsed.put(g.principal().keyId(), clock.millis());
        return c;
    }

    /**
     * Runs {@code then} (blocking is fine) with the project of every key {@link #load} finds, before
     * the request that missed the cache goes on: what else a project's requests need in memory is
     * loaded with its key.
     */
    public void whenProjectLoaded(Consumer<String> then) {
        this.projectLoaded = then;
    }

    /** Blocking lookup that fills the cache: the key, its scopes, and its and its project's quotas. */
    public Check load(String keyHash) {
        Check c = store.findWithQuotas(keyHash, BillingCycle.of(clock.millis()))
                .<Check>map(f -> f.key().active()
                        ? new Check.Granted(new Principal(f.key().id(), f.key().projectId(), Set.copyOf(f.key().scopes()),
                        f.quotas()))
                        : new Check.Revoked())
                .orElseGet(Check.Unknown::new);
        if (c instanceof Check.Granted g) projectLoaded.accept(g.principal().projectId());
        byHash.put(keyHash, c);
        if (c instanceof Check.Granted g) lastUsed.put(g.principal().keyId(), clock.millis());
        return c;
    }

    /**
     * The caller behind a key id, for work that runs later on the key's behalf (a batch): the same
     * check as authenticating with the raw key, through the same cache, so a revocation or a changed
     * budget applies to it as it does to requests. Blocking on a cache miss.
     */
    public Check checkById(String keyId) {
        String hash = hashById.computeIfAbsent(keyId, id -> store.hashOf(id).orElse(null));
        if (hash == null) return new Check.Unknown();
        Check c = cached(hash);
        return c != null ? c : load(hash);
    }

    /** Creates a key; {@code name} must be non-blank (the surface validates and names the param). */
    public Created create(String projectId, String name, Set<Scope> scopes) {
        return create(projectId, name, scopes, null, null, null);
    }

    /** Creates a key with its own limits and budget (null: none). */
    public Created create(String projectId, String name, Set<Scope> scopes, Long rpm, Long tpm, Long budgetMicros) {
        String raw = RawKeys.generate();
        ApiKey key = new ApiKey(Ids.next("key_"), projectId, name, RawKeys.mask(raw),
                EnumSet.copyOf(scopes), true, clock.millis(), null, null, rpm, tpm, budgetMicros);
        store.insert(key, RawKeys.hash(raw));
        return new Created(key, raw);
    }

    /**
     * Replaces a key's limits and budget; empty when the key is not in {@code projectId}. Keys cached
     * on this node see the change at once, other replicas within {@link #CACHE_TTL}.
     */
    public Optional<ApiKey> setLimits(String projectId, String keyId, Long rpm, Long tpm, Long budgetMicros) {
        if (!store.setLimits(projectId, keyId, rpm, tpm, budgetMicros)) return Optional.empty();
        byHash.invalidateAll();
        return store.find(projectId, keyId);
    }

    /** The key's lifetime spend in nano-USD, as stored. */
    public long spentNanos(String projectId, String keyId) {
        return store.spentNanos(projectId, keyId);
    }

    /** Drops every cached key, so limits and budgets changed elsewhere apply to the next request here. */
    public void invalidate() {
        byHash.invalidateAll();
    }

    // ---- projects ----

    /** A new project and its first admin key (inference, read, admin), created together. */
    public record NewProject(Project project, Created adminKey) {}

    public NewProject createProject(String name) {
        long now = clock.millis();
        Project p = new Project(Ids.next("prj_"), name, now, null, null, null, "pause", now);
        String raw = RawKeys.generate();
        ApiKey key = new ApiKey(Ids.next("key_"), p.id(), "initial admin key", RawKeys.mask(raw),
                EnumSet.of(Scope.INFERENCE, Scope.READ, Scope.ADMIN), true, now, null, null, null, null, null);
        store.insertProject(p, key, RawKeys.hash(raw));
        return new NewProject(p, new Created(key, raw));
    }

    public Optional<Project> project(String id) {
        return store.findProject(id);
    }

    public List<Project> projects(String afterId, int limit) {
        return store.listProjects(afterId, limit);
    }

    public Optional<Project> setProjectLimits(String id, Long rpm, Long tpm) {
        if (!store.setProjectLimits(id, rpm, tpm, clock.millis())) return Optional.empty();
        byHash.invalidateAll();
        return store.findProject(id);
    }

    public List<ApiKey> list(String projectId) {
        return store.list(projectId);
    }

    /** All keys of all projects, for the local operator CLI. */
    public List<ApiKey> listAll() {
        return store.list(null);
    }

    public Optional<ApiKey> find(String projectId, String keyId) {
        return store.find(projectId, keyId);
    }

    public boolean projectExists(String projectId) {
        return store.projectExists(projectId);
    }

    /** Revokes a key of {@code projectId}; another project's key is reported as not found. */
    public Optional<ApiKey> revoke(String projectId, String keyId) {
        if (store.find(projectId, keyId).isEmpty()) return Optional.empty();
        return revokeAnyProject(keyId);
    }

    /** Revokes a key wherever it lives (local operator CLI). */
    public Optional<ApiKey> revokeAnyProject(String keyId) {
        Optional<String> hash = store.revoke(keyId, clock.millis());
        hash.ifPresent(byHash::invalidate);
        return hash.flatMap(h -> store.findAnyProject(keyId));
    }

    /** Writes coalesced {@code last_used_at} stamps; called periodically off the event loop. */
    public void flushLastUsed() {
        if (lastUsed.isEmpty()) return;
        Map<String, Long> batch = new HashMap<>();
        for (var it = lastUsed.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            batch.put(e.getKey(), e.getValue());
            it.remove();
        }
        store.touch(batch);
    }
}
