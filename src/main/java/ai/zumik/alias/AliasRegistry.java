package ai.zumik.alias;

import ai.zumik.inference.ExecutionProfile;
import ai.zumik.ids.Ids;
import ai.zumik.json.Json;
import ai.zumik.provider.ProviderId;
import ai.zumik.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Model aliases and their immutable releases. Reads happen on the hot path, so the registry keeps
 * a snapshot of every active release in memory (replaced wholesale, never mutated) and answers
 * from it without I/O; installs go to the database and refresh the snapshot, and other replicas
 * pick them up on their periodic {@link #refresh()}.
 *
 * <p>At start the bundled catalogue ({@code catalog/aliases.json}), overlaid by the operator's
 * config, is compared with the live platform releases; an alias whose definition changed gets a
 * new release, so every past decision still points at exactly what it used.
 */
public final class AliasRegistry {
    private static final String PLATFORM = "";

    /** An alias definition from the catalogue or config. */
    public record Definition(String policyRevision, List<AliasTarget> targets) {}

    private final AliasStore store;
    private final Clock clock;
    private final String capabilityRevision;
    private volatile Map<String, AliasRelease> active = Map.of();

    public AliasRegistry(Database db, Clock clock, String capabilityRevision) {
        this.store = new AliasStore(db);
        this.clock = clock;
        this.capabilityRevision = capabilityRevision;
    }

    /** The bundled catalogue. */
    public static Map<String, Definition> bundled() {
        try (InputStream in = AliasRegistry.class.getResourceAsStream("/catalog/aliases.json")) {
            if (in == null) throw new IllegalStateException("catalog/aliases.json missing from the jar");
            JsonNode root = Json.MAPPER.readTree(in);
            return definitions(root.get("aliases"), root.path("policy_revision").asText("policy_1"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses {@code {alias: [target…]}}; throws IllegalArgumentException naming the bad entry. */
    public static Map<String, Definition> definitions(JsonNode aliases, String policyRevision) {
        Map<String, Definition> out = new LinkedHashMap<>();
        aliases.properties().forEach(e -> {
            String alias = e.getKey();
            if (!validName(alias)) throw new IllegalArgumentException("alias name '" + alias + "' is not valid");
            out.put(alias, new Definition(policyRevision, targets(e.getValue(), "aliases." + alias)));
        });
        return out;
    }

    static List<AliasTarget> targets(JsonNode array, String path) {
        if (array == null || !array.isArray() || array.isEmpty()) {
            throw new IllegalArgumentException(path + " must be a non-empty array of targets");
        }
        List<AliasTarget> out = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode t = array.get(i);
            String p = path + "[" + i + "]";
            String clusterId = null;
            if (t.hasNonNull("cluster_id")) {
                if (!t.get("cluster_id").isTextual() || !t.get("cluster_id").asText().startsWith("bcl_")) {
                    throw new IllegalArgumentException(p + ".cluster_id must be a BYOC cluster id (bcl_…)");
                }
                clusterId = t.get("cluster_id").asText();
            }
            // A cluster speaks the OpenAI-compatible protocol: that is its provider unless one is given.
            ProviderId provider = ProviderId.parse(t.path("provider").asText(clusterId != null ? "openai" : ""))
                    .orElseThrow(() -> new IllegalArgumentException(p + ".provider is not a known provider"));
            String model = t.path("model").asText("");
            if (model.isEmpty()) throw new IllegalArgumentException(p + ".model is required");
            int weight = t.path("weight").asInt(0);
            if (weight < 1 || weight > 1000) throw new IllegalArgumentException(p + ".weight must be 1..1000");
            ExecutionProfile profile;
            try {
                profile = ExecutionProfile.parse(t.path("execution_profile").asText("managed_provider"));
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException(p + ".execution_profile is not a known profile");
            }
            boolean byoc = profile == ExecutionProfile.BYOC_DYNAMO || profile == ExecutionProfile.BYOC_EPP;
            if (clusterId != null && !byoc) {
                throw new IllegalArgumentException(p + ".execution_profile must be byoc_dynamo or byoc_epp for a cluster_id target");
            }
            Integer attemptMs = null;
            if (t.hasNonNull("attempt_timeout_ms")) {
                JsonNode a = t.get("attempt_timeout_ms");
                if (!a.canConvertToInt() || a.asInt() < 1_000 || a.asInt() > 3_600_000) {
                    throw new IllegalArgumentException(p + ".attempt_timeout_ms must be 1000..3600000");
                }
                attemptMs = a.asInt();
            }
            String credential = null;
            if (profile == ExecutionProfile.BYOK) {
                credential = t.path("credential_id").asText("");
                if (!ai.zumik.ids.Ids.isValid(credential, "pcr_")) {
                    throw new IllegalArgumentException(p + ".credential_id must name a provider credential (pcr_…) for a byok target");
                }
            } else if (t.has("credential_id")) {
                throw new IllegalArgumentException(p + ".credential_id is only for execution_profile byok");
            }
            out.add(new AliasTarget(profile, provider, model, t.path("model_revision").asText("latest"), weight, attemptMs,
                    credential, clusterId));
        }
        return List.copyOf(out);
    }

    /** {@code [a-z0-9][a-z0-9._-]{0,63}}, checked by hand: it runs on every request's model. */
    public static boolean validName(String alias) {
        if (alias == null || alias.isEmpty() || alias.length() > 64) return false;
        for (int i = 0; i < alias.length(); i++) {
            char c = alias.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '.' || c == '_' || c == '-');
            if (!ok) return false;
        }
        return true;
    }

    /** Installs platform releases for every definition that differs from its live release. */
    public void bootstrap(Map<String, Definition> definitions) {
        refresh();
        for (var e : definitions.entrySet()) {
            AliasRelease live = active.get(key(null, e.getKey()));
            Definition d = e.getValue();
            if (live == null || !live.sameAs(d.policyRevision(), capabilityRevision, d.targets())) {
                store.install(release(null, e.getKey(), d), "zumik");
            }
        }
        refresh();
    }

    /** The live release of {@code alias} for a project: its own override, else the platform's. */
    public Optional<AliasRelease> live(String projectId, String alias) {
        Map<String, AliasRelease> snapshot = active;
        AliasRelease own = projectId == null ? null : snapshot.get(key(projectId, alias));
        return Optional.ofNullable(own != null ? own : snapshot.get(key(null, alias)));
    }

    /** Every alias live for a project, sorted by alias name. */
    public List<AliasRelease> liveAll(String projectId) {
        TreeMap<String, AliasRelease> byAlias = new TreeMap<>();
        for (AliasRelease r : active.values()) {
            if (r.projectId() == null) byAlias.putIfAbsent(r.alias(), r);
        }
        for (AliasRelease r : active.values()) {
            if (projectId != null && projectId.equals(r.projectId())) byAlias.put(r.alias(), r);
        }
        return List.copyOf(byAlias.values());
    }

    /** Release history of an alias visible to a project, newest first. Blocking. */
    public List<AliasRelease> history(String projectId, String alias) {
        return store.history(projectId, alias);
    }

    /** Installs a project-scoped release (a new row; earlier releases only retire). Blocking. */
    public AliasRelease install(String projectId, String alias, Definition d, String installedBy) {
        AliasRelease r = release(projectId, alias, d);
        store.install(r, installedBy);
        refresh();
        return r;
    }

    /** Reloads the snapshot from the database. Blocking; called periodically off the event loop. */
    public void refresh() {
        Map<String, AliasRelease> next = new HashMap<>();
        for (AliasRelease r : store.active()) next.put(key(r.projectId(), r.alias()), r);
        active = Map.copyOf(next);
    }

    public String capabilityRevision() {
        return capabilityRevision;
    }

    private AliasRelease release(String projectId, String alias, Definition d) {
        long now = clock.millis();
        return new AliasRelease(Ids.next("alr_", now), projectId, alias, true, d.policyRevision(), capabilityRevision,
                d.targets(), now);
    }

    private static String key(String projectId, String alias) {
        return (projectId == null ? PLATFORM : projectId) + '\u0000' + alias;
    }
}
