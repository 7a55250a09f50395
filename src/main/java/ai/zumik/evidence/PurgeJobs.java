package ai.zumik.evidence;

import ai.zumik.catalog.Capabilities;
import ai.zumik.catalog.ModelCatalog;
import ai.zumik.ids.Ids;
import ai.zumik.json.Json;
import ai.zumik.metering.UsageQueries;
import ai.zumik.provider.ProviderId;
import ai.zumik.state.ArtifactStore;
import ai.zumik.state.StateError;
import ai.zumik.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Purge jobs (digest §8.4): the ordered workflow that removes a scope's data everywhere Zumik can
 * reach, asks every processor that saw it what it can guarantee, and issues a signed receipt.
 *
 * <ol>
 *   <li>Revoke handles: the scope's artifacts, the bundles and sessions built on them, the
 *       snapshots that pin them stop resolving at once.</li>
 *   <li>Bump the project's namespace generation: anything realised under an older generation is
 *       never served again.</li>
 *   <li>Delete rows and blobs: artifact content, events' payloads, snapshots, branches, sessions,
 *       stored /v1 responses, replayable idempotent answers.</li>
 *   <li>Unlink traces: usage records keep their numbers for billing and lose their output text
 *       and their links to state.</li>
 *   <li>Ask each processor: Zumik's database and runtime namespace, and each provider (and a Bifrost
 *       gateway) that served a response touching the scope, read against the capability manifest.</li>
 *   <li>Issue the receipt: the weakest guarantee any processor reached, the longest remaining
 *       provider-expiry window, what was deleted by counts and ids (never content), signed.</li>
 * </ol>
 */
public final class PurgeJobs {
    /** SPEC §9, weakest first. */
    public enum Guarantee {
        NONE, BEST_EFFORT_EXPIRY, PROVIDER_ACKNOWLEDGED_DELETION, VERIFIED_NAMESPACE_INVALIDATION, VERIFIED_PHYSICAL_PURGE;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** What to purge: some artifacts, one session, or the whole project. */
    public sealed interface Scope {
        record Artifacts(List<String> ids) implements Scope {}

        record Session(String id) implements Scope {}

        record Project() implements Scope {}
    }

    /**
     * Data a surface keeps for a project outside the state tables (uploaded files and their bytes,
     * batches and their request lines): a project purge deletes it all and counts what it deleted.
     */
    public interface ProjectData {
        String name();

        long purge(String projectId);
    }

    /** A stored job; {@code receipt} is null until it completed. */
    public record Job(String id, String projectId, String status, ObjectNode scope, long requestedAtMs, Long completedAtMs,
                      ObjectNode receipt) {}

    /** How many ids of one kind a receipt lists; beyond it, only the count. */
    static final int MAX_IDS_LISTED = 1000;

    private final Database db;
    private final Clock clock;
    private final ModelCatalog catalog;
    private final boolean bifrost;
    private final UnaryOperator<ObjectNode> signer;
    private final List<ProjectData> projectData;
    private final Runnable usageVisible;

    /**
     * @param signer signs a receipt (adds {@code alg}, {@code key_id}, {@code signature})
     * @param projectData what else a project purge deletes
     * @param usageVisible waits until every usage event recorded so far is in the database, so a
     *     response answered just before the purge is unlinked and its provider is on the receipt
     */
    public PurgeJobs(Database db, Clock clock, ModelCatalog catalog, boolean bifrost, UnaryOperator<ObjectNode> signer,
                     List<ProjectData> projectData, Runnable usageVisible) {
        this.projectData = List.copyOf(projectData);
        this.usageVisible = usageVisible;
        this.db = db;
        this.clock = clock;
        this.catalog = catalog;
        this.bifrost = bifrost;
        this.signer = signer;
    }

    /** Runs a purge synchronously and returns the completed job with its signed receipt. */
    public Job run(String project, Scope scope) {
        long requested = clock.millis();
        String jobId = Ids.next("pjb_", requested);
        ObjectNode scopeJson = scopeJson(project, scope);
        validate(project, scope);
        usageVisible.run();
        db.call(c -> Database.execute(c, "INSERT INTO purge_jobs (id, project_id, status, scope, requested_at) VALUES (?, ?, 'running', ?, ?)",
                jobId, project, Json.text(scopeJson), requested));
        Run run = new Run(project, scope);
        ArrayNode steps = Json.array();
        // One transaction bumps the generation and then finds and revokes: a native-state turn that
        // read its state before it commits nothing after it (its record is guarded by the generation,
        // SessionStore.recordTurn), and one that committed before it is found here and deleted.
        ObjectNode[] revokedAndBumped = db.writeTransaction(c -> {
            ObjectNode bumped = run.bumpGeneration(c);
            return new ObjectNode[] {run.revoke(c), bumped};
        });
        step(steps, "revoke_handles", revokedAndBumped[0]);
        step(steps, "bump_namespace_generation", revokedAndBumped[1]);
        ObjectNode deleted = db.writeTransaction(c -> run.delete(c));
        if (scope instanceof Scope.Project) {
            for (ProjectData d : projectData) {
                long n = d.purge(project);
                run.counts.put(d.name(), n);
                deleted.put(d.name(), n);
            }
        }
        step(steps, "delete_rows_and_blobs", deleted);
        step(steps, "unlink_traces", db.writeTransaction(c -> run.unlinkTraces(c)));
        List<ObjectNode> processors = processors(run);
        step(steps, "ask_processors", Json.object().put("processors", processors.size()));
        long completed = clock.millis();
        ObjectNode receipt = receipt(jobId, project, scopeJson, requested, completed, run, steps, processors);
        ObjectNode signed = signer.apply(receipt);
        db.call(c -> Database.execute(c, "UPDATE purge_jobs SET status = 'completed', completed_at = ?, receipt = ? WHERE id = ?",
                completed, Jcs.text(signed), jobId));
        return new Job(jobId, project, "completed", scopeJson, requested, completed, signed);
    }

    public Optional<Job> job(String project, String id) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, project_id, status, scope, requested_at, completed_at, receipt "
                    + "FROM purge_jobs WHERE project_id = ? AND id = ?")) {
                ps.setString(1, project);
                ps.setString(2, id);
                ResultSet rs = ps.executeQuery();
                if (!rs.next()) return Optional.<Job>empty();
                long done = rs.getLong(6);
                Long completedAt = rs.wasNull() ? null : done;
                String receipt = rs.getString(7);
                return Optional.of(new Job(rs.getString(1), rs.getString(2), rs.getString(3), (ObjectNode) tree(rs.getString(4)),
                        rs.getLong(5), completedAt, receipt == null ? null : (ObjectNode) tree(receipt)));
            }
        });
    }

    public long namespaceGeneration(String project) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT namespace_generation FROM projects WHERE id = ?")) {
                ps.setString(1, project);
                ResultSet rs = ps.executeQuery();
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }

    private void validate(String project, Scope scope) {
        db.call(c -> {
            switch (scope) {
                case Scope.Artifacts a -> {
                    for (int i = 0; i < a.ids().size(); i++) {
                        if (!exists(c, "SELECT 1 FROM artifacts WHERE project_id = ? AND id = ?", project, a.ids().get(i))) {
                            throw new StateError.Invalid("artifact_ids[" + i + "]", "artifact_not_found", "Invalid 'artifact_ids[" + i
                                    + "]': no artifact '" + a.ids().get(i) + "' exists in this project.");
                        }
                    }
                }
                case Scope.Session s -> {
                    if (!exists(c, "SELECT 1 FROM sessions WHERE project_id = ? AND id = ?", project, s.id())) {
                        throw new StateError.Invalid("session_id", "session_not_found", "Invalid 'session_id': no session '"
                                + s.id() + "' exists in this project.");
                    }
                }
                case Scope.Project p -> { }
            }
            return null;
        });
    }

    private static ObjectNode scopeJson(String project, Scope scope) {
        ObjectNode o = Json.object();
        o.put("project_id", project);
        switch (scope) {
            case Scope.Artifacts a -> {
                o.put("kind", "artifacts");
                ArrayNode ids = o.putArray("artifact_ids");
                a.ids().forEach(ids::add);
            }
            case Scope.Session s -> o.put("kind", "session").put("session_id", s.id());
            case Scope.Project p -> o.put("kind", "project");
        }
        return o;
    }

    private void step(ArrayNode steps, String name, ObjectNode result) {
        ObjectNode s = steps.addObject();
        s.put("step", name);
        s.put("at", Instant.ofEpochMilli(clock.millis()).toString());
        s.setAll(result);
    }

    // ---- one purge ----------------------------------------------------------------------------

    /** The workflow's state: what the scope reached, and what each step did. */
    private final class Run {
        final String project;
        final Scope scope;
        final Set<String> artifacts = new LinkedHashSet<>();
        final Set<String> bundles = new LinkedHashSet<>();
        final Set<String> sessions = new LinkedHashSet<>();
        final Set<String> snapshots = new LinkedHashSet<>();
        /** Digests of the snapshot chunks that name a purged artifact (artifact scope). */
        final Set<String> chunks = new LinkedHashSet<>();
        final Set<String> responses = new LinkedHashSet<>();
        final Map<String, Long> counts = new LinkedHashMap<>();
        long generation;

        Run(String project, Scope scope) {
            this.project = project;
            this.scope = scope;
        }

        /**
         * Chunked snapshots name an artifact in a chunk: the chunks naming any of {@code arts}, and
         * every snapshot listing one of them. Run again by {@link #delete}: on PostgreSQL a turn that
         * read its state before the purge may commit while step 1 runs, after its lookups.
         */
        void findChunked(Connection c, List<String> arts) throws SQLException {
            for (String art : arts) {
                chunks.addAll(ids(c, "SELECT digest FROM snapshot_chunks WHERE project_id = ? AND artifact_versions LIKE ?",
                        project, "%\"" + art + "\"%"));
            }
            for (String k : chunks) {
                snapshots.addAll(ids(c, "SELECT id FROM snapshots WHERE project_id = ? AND chunks LIKE ?", project, "%\"" + k + "\"%"));
            }
        }

        /** Step 1: find what the scope reaches and revoke every handle to it. */
        ObjectNode revoke(Connection c) throws SQLException {
            long now = clock.millis();
            switch (scope) {
                case Scope.Artifacts a -> {
                    artifacts.addAll(a.ids());
                    for (String art : a.ids()) {
                        bundles.addAll(ids(c, "SELECT id FROM bundles WHERE project_id = ? AND items LIKE ?", project, "%\"" + art + "\"%"));
                        snapshots.addAll(ids(c, "SELECT id FROM snapshots WHERE project_id = ? AND artifact_versions LIKE ?", project,
                                "%\"" + art + "\"%"));
                    }
                    findChunked(c, a.ids());
                    for (String b : bundles) {
                        sessions.addAll(ids(c, "SELECT id FROM sessions WHERE project_id = ? AND base_bundle_ids LIKE ?", project,
                                "%\"" + b + "\"%"));
                    }
                    for (String s : snapshots) {
                        responses.addAll(ids(c, "SELECT response_id FROM response_state WHERE project_id = ? AND snapshot_id = ?", project, s));
                    }
                }
                case Scope.Session s -> {
                    sessions.add(s.id());
                    snapshots.addAll(ids(c, "SELECT id FROM snapshots WHERE project_id = ? AND session_id = ?", project, s.id()));
                    artifacts.addAll(ids(c, "SELECT DISTINCT payload_ref FROM events WHERE project_id = ? AND session_id = ? "
                            + "AND payload_ref IS NOT NULL", project, s.id()));
                    responses.addAll(ids(c, "SELECT response_id FROM response_state WHERE project_id = ? AND session_id = ?", project, s.id()));
                }
                case Scope.Project p -> {
                    artifacts.addAll(ids(c, "SELECT id FROM artifacts WHERE project_id = ?", project));
                    bundles.addAll(ids(c, "SELECT id FROM bundles WHERE project_id = ?", project));
                    sessions.addAll(ids(c, "SELECT id FROM sessions WHERE project_id = ?", project));
                    snapshots.addAll(ids(c, "SELECT id FROM snapshots WHERE project_id = ?", project));
                    responses.addAll(ids(c, "SELECT response_id FROM usage_events WHERE project_id = ?", project));
                }
            }
            for (String a : artifacts) Database.execute(c, "UPDATE artifacts SET revoked_at = ? WHERE project_id = ? AND id = ? AND revoked_at IS NULL", now, project, a);
            for (String b : bundles) Database.execute(c, "UPDATE bundles SET revoked_at = ? WHERE project_id = ? AND id = ? AND revoked_at IS NULL", now, project, b);
            ArtifactStore.bumpStateEpoch(c, project);
            for (String s : sessions) {
                Database.execute(c, "UPDATE sessions SET revoked_at = ?, status = 'tombstoned' WHERE project_id = ? AND id = ? AND revoked_at IS NULL", now, project, s);
                Database.execute(c, "UPDATE branches SET revoked_at = ? WHERE project_id = ? AND session_id = ? AND revoked_at IS NULL", now, project, s);
            }
            for (String s : snapshots) Database.execute(c, "UPDATE snapshots SET revoked_at = ? WHERE project_id = ? AND id = ? AND revoked_at IS NULL", now, project, s);
            return Json.object().put("artifacts", artifacts.size()).put("bundles", bundles.size()).put("sessions", sessions.size())
                    .put("snapshots", snapshots.size());
        }

        /** Step 2. */
        ObjectNode bumpGeneration(Connection c) throws SQLException {
            Database.execute(c, "UPDATE projects SET namespace_generation = namespace_generation + 1 WHERE id = ?", project);
            try (PreparedStatement ps = c.prepareStatement("SELECT namespace_generation FROM projects WHERE id = ?")) {
                ps.setString(1, project);
                ResultSet rs = ps.executeQuery();
                generation = rs.next() ? rs.getLong(1) : 0;
            }
            return Json.object().put("namespace_generation", generation);
        }

        /** Step 3: the rows and the bytes. */
        ObjectNode delete(Connection c) throws SQLException {
            long events = 0;
            long branches = 0;
            long payloads = 0;
            for (String a : artifacts) {
                payloads += Database.execute(c, "UPDATE events SET payload_ref = NULL WHERE project_id = ? AND payload_ref = ?", project, a);
            }
            for (String s : sessions) {
                if (scope instanceof Scope.Artifacts) continue; // a session built on a purged bundle is only tombstoned
                events += Database.execute(c, "DELETE FROM events WHERE project_id = ? AND session_id = ?", project, s);
                branches += Database.execute(c, "DELETE FROM branches WHERE project_id = ? AND session_id = ?", project, s);
                Database.execute(c, "DELETE FROM sessions WHERE project_id = ? AND id = ?", project, s);
            }
            // A turn that committed on PostgreSQL while step 1 ran, after its lookups (later ones are
            // refused by the generation step 1 bumped): what it stored is found again here.
            if (scope instanceof Scope.Artifacts a) findChunked(c, a.ids());
            long snaps = 0;
            for (String s : snapshots) snaps += Database.execute(c, "DELETE FROM snapshots WHERE project_id = ? AND id = ?", project, s);
            // Chunks hold ids and content digests: those that name a purged artifact go, and with a
            // session or the project everything stored for it.
            for (String k : chunks) Database.execute(c, "DELETE FROM snapshot_chunks WHERE project_id = ? AND digest = ?", project, k);
            if (scope instanceof Scope.Session sc) {
                snaps += Database.execute(c, "DELETE FROM snapshots WHERE project_id = ? AND session_id = ?", project, sc.id());
                Database.execute(c, "DELETE FROM snapshot_chunks WHERE project_id = ? AND session_id = ?", project, sc.id());
            } else if (scope instanceof Scope.Project) {
                Database.execute(c, "DELETE FROM snapshot_chunks WHERE project_id = ?", project);
            }
            long arts = 0;
            for (String a : artifacts) arts += Database.execute(c, "DELETE FROM artifacts WHERE project_id = ? AND id = ?", project, a);
            long bnds = 0;
            if (!(scope instanceof Scope.Session)) {
                for (String b : bundles) bnds += Database.execute(c, "DELETE FROM bundles WHERE project_id = ? AND id = ?", project, b);
            }
            long v1 = scope instanceof Scope.Project ? Database.execute(c, "DELETE FROM v1_responses WHERE project_id = ?", project) : 0;
            // Kept answers a retry could replay would bring purged content back.
            long idem = Database.execute(c, "DELETE FROM idempotency_keys WHERE project_id = ?", project);
            // In the deleting transaction: nothing a replica cached before the rows went survives them.
            ArtifactStore.bumpStateEpoch(c, project);
            counts.put("artifacts", arts);
            counts.put("bundles", bnds);
            counts.put("sessions", scope instanceof Scope.Artifacts ? 0L : (long) sessions.size());
            counts.put("branches", branches);
            counts.put("events", events);
            counts.put("event_payloads_removed", payloads);
            counts.put("snapshots", snaps);
            counts.put("v1_responses", v1);
            counts.put("idempotent_answers", idem);
            ObjectNode o = Json.object();
            counts.forEach(o::put);
            return o;
        }

        /** Step 4: usage keeps its numbers and loses its output text and its links to state. */
        ObjectNode unlinkTraces(Connection c) throws SQLException {
            long unlinked = 0;
            if (scope instanceof Scope.Project) {
                unlinked = Database.execute(c, "UPDATE usage_events SET output = NULL WHERE project_id = ? AND output IS NOT NULL", project);
                Database.execute(c, "DELETE FROM response_state WHERE project_id = ?", project);
            } else {
                if (scope instanceof Scope.Session sc) { // and one recorded while step 1 ran (see delete)
                    responses.addAll(ids(c, "SELECT response_id FROM response_state WHERE project_id = ? AND session_id = ?",
                            project, sc.id()));
                }
                for (String r : responses) {
                    unlinked += UsageQueries.forgetOutput(c, project, r);
                    Database.execute(c, "DELETE FROM response_state WHERE project_id = ? AND response_id = ?", project, r);
                }
            }
            counts.put("responses_unlinked", unlinked);
            return Json.object().put("responses_unlinked", unlinked);
        }
    }

    // ---- processors and the receipt -------------------------------------------------------------

    /**
     * Every processor that held the scope's data and what it can guarantee: Zumik's own database
     * and runtime namespace, and each provider that served a response touching the scope, judged
     * by its capability manifest (a provider's prompt cache is only ever left to expire: none of
     * them offers a deletion Zumik could verify), plus a Bifrost gateway when one sits in between.
     */
    private List<ObjectNode> processors(Run run) {
        List<ObjectNode> out = new ArrayList<>();
        out.add(processor("zumik_database", Guarantee.VERIFIED_NAMESPACE_INVALIDATION, "deleted",
                "Rows and content deleted in one transaction per step; the database may keep freed pages, its write-ahead "
                        + "log and backups until they are reused or expire.", null));
        out.add(processor("zumik_runtime_namespace", Guarantee.VERIFIED_NAMESPACE_INVALIDATION, "invalidated",
                "Namespace generation is now " + run.generation + "; nothing realised under an earlier generation is served again.", null));
        Map<String, Long> providers = db.call(c -> providersUsed(c, run));
        long now = clock.millis();
        for (var e : providers.entrySet()) {
            ProviderId p = ProviderId.parse(e.getKey()).orElse(null);
            if (p == null) continue;
            Capabilities caps = catalog.providerDefaults(p);
            Capabilities.PromptCache cache = caps.promptCache();
            long ttl = cache == null || "none".equals(cache.mode()) ? 0 : Math.max(cache.ttlSeconds(), cache.extendedTtlSeconds());
            long left = Math.max(0, (e.getValue() + ttl * 1000 - now + 999) / 1000);
            String detail = ttl == 0
                    ? "No prompt cache is kept for these requests; anything else is under the provider's own retention policy."
                    : "Prompt-cache entries expire within " + ttl + " s of their last use (" + cache.mode() + " caching); the provider "
                    + "offers no deletion Zumik can verify. Anything else is under the provider's own retention policy.";
            out.add(processor(p.wireId(), Guarantee.BEST_EFFORT_EXPIRY, "expiring", detail, left));
        }
        if (bifrost && !providers.isEmpty()) {
            out.add(processor("bifrost", Guarantee.NONE, "unreachable",
                    "Requests went through a Bifrost gateway; its logs and caches are outside what Zumik can reach.", null));
        }
        return out;
    }

    /** The providers that served the scope's responses, with when each last did (epoch ms). */
    private static Map<String, Long> providersUsed(Connection c, Run run) throws SQLException {
        Map<String, Long> out = new LinkedHashMap<>();
        if (run.scope instanceof Scope.Project) {
            try (PreparedStatement ps = c.prepareStatement("SELECT provider, MAX(created_at) FROM usage_events WHERE project_id = ? "
                    + "AND provider IS NOT NULL AND execution_mode <> 'placeholder' GROUP BY provider ORDER BY provider")) {
                ps.setString(1, run.project);
                ResultSet rs = ps.executeQuery();
                while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
            }
            return out;
        }
        for (String r : run.responses) {
            try (PreparedStatement ps = c.prepareStatement("SELECT provider, created_at FROM usage_events WHERE project_id = ? "
                    + "AND response_id = ? AND provider IS NOT NULL AND execution_mode <> 'placeholder'")) {
                ps.setString(1, run.project);
                ps.setString(2, r);
                ResultSet rs = ps.executeQuery();
                if (rs.next()) out.merge(rs.getString(1), rs.getLong(2), Math::max);
            }
        }
        return out;
    }

    private static ObjectNode processor(String name, Guarantee g, String status, String detail, Long expiresWithinSeconds) {
        ObjectNode o = Json.object();
        o.put("processor", name);
        o.put("guarantee", g.wire());
        o.put("status", status);
        o.put("detail", detail);
        if (expiresWithinSeconds != null) o.put("expires_within_seconds", expiresWithinSeconds);
        return o;
    }

    private ObjectNode receipt(String jobId, String project, ObjectNode scope, long requested, long completed, Run run,
                               ArrayNode steps, List<ObjectNode> processors) {
        Guarantee weakest = Guarantee.VERIFIED_PHYSICAL_PURGE;
        long window = 0;
        for (ObjectNode p : processors) {
            Guarantee g = Guarantee.valueOf(p.get("guarantee").textValue().toUpperCase(java.util.Locale.ROOT));
            if (g.ordinal() < weakest.ordinal()) weakest = g;
            window = Math.max(window, p.path("expires_within_seconds").asLong(0));
        }
        ObjectNode r = Json.object();
        r.put("id", "pur_" + jobId.substring("pjb_".length()));
        r.put("object", "purge_receipt");
        r.put("purge_job_id", jobId);
        r.put("project_id", project);
        r.put("requested_at", Instant.ofEpochMilli(requested).toString());
        r.put("completed_at", Instant.ofEpochMilli(completed).toString());
        r.set("scope", scope);
        r.put("guarantee", weakest.wire());
        r.put("remaining_expiry_window_seconds", window);
        r.put("namespace_generation", run.generation);
        ObjectNode deleted = r.putObject("deleted");
        run.counts.forEach(deleted::put);
        ObjectNode ids = r.putObject("ids");
        list(ids, "artifacts", run.artifacts);
        list(ids, "bundles", run.bundles);
        list(ids, "sessions", run.sessions);
        list(ids, "snapshots", run.snapshots);
        list(ids, "responses_unlinked", run.responses);
        r.put("retained", "Usage records keep their token counts and cost for billing; their output text and links to state "
                + "were removed.");
        ArrayNode ps = r.putArray("processors");
        processors.forEach(ps::add);
        r.set("steps", steps);
        return r;
    }

    private static void list(ObjectNode ids, String name, Set<String> values) {
        ArrayNode a = ids.putArray(name);
        values.stream().limit(MAX_IDS_LISTED).forEach(a::add);
        if (values.size() > MAX_IDS_LISTED) ids.put(name + "_total", values.size());
    }

    // ---- SQL ------------------------------------------------------------------------------------

    private static boolean exists(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            Database.bindAll(ps, args);
            return ps.executeQuery().next();
        }
    }

    private static List<String> ids(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            Database.bindAll(ps, args);
            ResultSet rs = ps.executeQuery();
            List<String> out = new ArrayList<>();
            while (rs.next()) out.add(rs.getString(1));
            return out;
        }
    }

    private static JsonNode tree(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("stored JSON is unreadable", e);
        }
    }
}
