package ai.zumik.state;

import ai.zumik.ids.Ids;
import ai.zumik.json.Json;
import ai.zumik.state.StateObjects.Branch;
import ai.zumik.state.StateObjects.Event;
import ai.zumik.state.StateObjects.Session;
import ai.zumik.state.StateObjects.Snapshot;
import ai.zumik.store.Database;
import ai.zumik.store.Pipeline;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Sessions, their branches, the branches' events and snapshots. A branch is an append-only line:
 * its history is its parent's history up to the event it forked from (nothing is copied) followed
 * by its own events. Appending is compare-and-swap: one guarded UPDATE of the branch's version and
 * head decides the winner, in the same transaction as the event's INSERT, so with any number of
 * writers on any number of replicas each version is won exactly once (the (branch, sequence)
 * unique key backs that up). Every method blocks; every write is one transaction.
 */
public final class SessionStore {
    public static final Set<String> EVENT_TYPES = Set.of("user_message", "assistant_message", "tool_result",
            "retrieval_result", "checkpoint", "note");
    /** How many branches deep a fork chain may go (each level is one read when compiling history). */
    public static final int MAX_FORK_DEPTH = 64;

    private final Database db;
    private final Clock clock;
    private final StateCache cache;

    public SessionStore(Database db, Clock clock, StateCache cache) {
        this.db = db;
        this.clock = clock;
        this.cache = cache;
    }

    // ---- sessions -----------------------------------------------------------------------------

    public Session createSession(String project, List<String> baseBundleIds, ObjectNode metadata) {
        long now = clock.millis();
        Session s = new Session(Ids.next("ses_", now), project, Ids.next("br_", now), "active", baseBundleIds, metadata, now);
        db.writeTransaction(c -> {
            for (int i = 0; i < baseBundleIds.size(); i++) {
                if (ArtifactStore.findBundle(c, project, baseBundleIds.get(i)).isEmpty()) {
                    throw new StateError.Invalid("base_bundle_ids[" + i + "]", "bundle_not_found", "Invalid 'base_bundle_ids["
                            + i + "]': no bundle '" + baseBundleIds.get(i) + "' exists in this project.");
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO sessions (id, project_id, default_branch_id, status, "
                    + "base_bundle_ids, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, s.id());
                ps.setString(2, project);
                ps.setString(3, s.defaultBranchId());
                ps.setString(4, s.status());
                ArrayNode ids = Json.array();
                baseBundleIds.forEach(ids::add);
                ps.setString(5, Json.text(ids));
                ps.setString(6, Json.text(metadata));
                ps.setLong(7, now);
                ps.executeUpdate();
            }
            insertBranch(c, new Branch(s.defaultBranchId(), project, s.id(), null, null, 0, null, 0, "main", now));
            return null;
        });
        return s;
    }

    public Session session(String project, String id) {
        return db.call(c -> findSession(c, project, id)).orElseThrow(() -> new StateError.NotFound("session", id));
    }

    static Optional<Session> findSession(Connection c, String project, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT_SESSION + " WHERE project_id = ? AND id = ? AND revoked_at IS NULL")) {
            ps.setString(1, project);
            ps.setString(2, id);
            ResultSet rs = ps.executeQuery();
            return rs.next() ? Optional.of(session(rs)) : Optional.empty();
        }
    }

    public List<Session> sessions(String project, String after, int limit) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_SESSION
                    + " WHERE project_id = ? AND revoked_at IS NULL AND id > ? ORDER BY id LIMIT ?")) {
                ps.setString(1, project);
                ps.setString(2, after == null ? "" : after);
                ps.setInt(3, limit);
                ResultSet rs = ps.executeQuery();
                List<Session> out = new ArrayList<>();
                while (rs.next()) out.add(session(rs));
                return out;
            }
        });
    }

    /** Revokes the session and, with it, every branch and snapshot of it (their handles stop resolving). */
    public void revokeSession(String project, String id) {
        long now = clock.millis();
        db.writeTransaction(c -> {
            if (Database.execute(c, "UPDATE sessions SET revoked_at = ?, status = 'tombstoned' WHERE project_id = ? AND id = ? "
                    + "AND revoked_at IS NULL", now, project, id) == 0) {
                throw new StateError.NotFound("session", id);
            }
            Database.execute(c, "UPDATE branches SET revoked_at = ? WHERE project_id = ? AND session_id = ? AND revoked_at IS NULL", now, project, id);
            Database.execute(c, "UPDATE snapshots SET revoked_at = ? WHERE project_id = ? AND session_id = ? AND revoked_at IS NULL", now, project, id);
            return null;
        });
    }

    // ---- branches -----------------------------------------------------------------------------

    /**
     * A new branch of {@code sessionId} forked from {@code fromBranchId} at {@code fromEventId} (an
     * event on its line), or at its head when null. Nothing is copied.
     */
    public Branch fork(String project, String sessionId, String fromBranchId, String fromEventId, String label) {
        long now = clock.millis();
        return db.writeTransaction(c -> {
            findSession(c, project, sessionId).orElseThrow(() -> new StateError.NotFound("session", sessionId));
            Branch from = findBranch(c, project, sessionId, fromBranchId).orElseThrow(() -> new StateError.Invalid(
                    "fork_from_branch_id", "branch_not_found", "Invalid 'fork_from_branch_id': no branch '" + fromBranchId
                            + "' exists in session '" + sessionId + "'."));
            String head = from.headEventId();
            long version = from.version();
            if (fromEventId != null) {
                Event e = onLine(c, project, from, fromEventId).orElseThrow(() -> new StateError.Invalid("fork_from_event_id",
                        "event_not_found", "Invalid 'fork_from_event_id': no event '" + fromEventId + "' is on branch '"
                        + fromBranchId + "'."));
                head = e.id();
                version = e.sequence();
            }
            if (depth(c, from) + 1 > MAX_FORK_DEPTH) {
                throw new StateError.Invalid("fork_from_branch_id", "fork_too_deep", "Invalid 'fork_from_branch_id': forks "
                        + "may be at most " + MAX_FORK_DEPTH + " branches deep; fork from an earlier branch.");
            }
            Branch b = new Branch(Ids.next("br_", now), project, sessionId, from.id(), head, version, head, version, label, now);
            insertBranch(c, b);
            return b;
        });
    }

    public Branch branch(String project, String sessionId, String id) {
        return db.call(c -> {
            findSession(c, project, sessionId).orElseThrow(() -> new StateError.NotFound("session", sessionId));
            return findBranch(c, project, sessionId, id);
        }).orElseThrow(() -> new StateError.NotFound("branch", id));
    }

    /** The branch {@code id} of any live session of the project (for requests that name only a branch). */
    public Branch branchAnywhere(String project, String id) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_BRANCH + " b WHERE b.project_id = ? AND b.id = ? "
                    + "AND b.revoked_at IS NULL AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = b.session_id AND s.revoked_at IS NULL)")) {
                ps.setString(1, project);
                ps.setString(2, id);
                ResultSet rs = ps.executeQuery();
                return rs.next() ? Optional.of(branch(rs)) : Optional.<Branch>empty();
            }
        }).orElseThrow(() -> new StateError.NotFound("branch", id));
    }

    public List<Branch> branches(String project, String sessionId, String after, int limit) {
        return db.call(c -> {
            findSession(c, project, sessionId).orElseThrow(() -> new StateError.NotFound("session", sessionId));
            try (PreparedStatement ps = c.prepareStatement(SELECT_BRANCH + " b WHERE b.project_id = ? AND b.session_id = ? "
                    + "AND b.revoked_at IS NULL AND b.id > ? ORDER BY b.id LIMIT ?")) {
                ps.setString(1, project);
                ps.setString(2, sessionId);
                ps.setString(3, after == null ? "" : after);
                ps.setInt(4, limit);
                ResultSet rs = ps.executeQuery();
                List<Branch> out = new ArrayList<>();
                while (rs.next()) out.add(branch(rs));
                return out;
            }
        });
    }

    /** Revokes a branch; a session's default branch goes only with its session. */
    public void revokeBranch(String project, String sessionId, String id) {
        db.writeTransaction(c -> {
            Session s = findSession(c, project, sessionId).orElseThrow(() -> new StateError.NotFound("session", sessionId));
            if (s.defaultBranchId().equals(id) && findBranch(c, project, sessionId, id).isPresent()) {
                throw new StateError.Invalid(null, "default_branch", "Branch '" + id + "' is the session's default branch; "
                        + "delete the session instead.");
            }
            if (Database.execute(c, "UPDATE branches SET revoked_at = ? WHERE project_id = ? AND session_id = ? AND id = ? "
                    + "AND revoked_at IS NULL", clock.millis(), project, sessionId, id) == 0) {
                throw new StateError.NotFound("branch", id);
            }
            return null;
        });
    }

    static Optional<Branch> findBranch(Connection c, String project, String sessionId, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT_BRANCH + " b WHERE b.project_id = ? AND b.session_id = ? "
                + "AND b.id = ? AND b.revoked_at IS NULL")) {
            ps.setString(1, project);
            ps.setString(2, sessionId);
            ps.setString(3, id);
            ResultSet rs = ps.executeQuery();
            return rs.next() ? Optional.of(branch(rs)) : Optional.empty();
        }
    }

    /** A branch row whatever its state (history reaches through revoked ancestors: forks copy nothing). */
    private static Optional<Branch> anyBranch(Connection c, String project, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SELECT_BRANCH + " b WHERE b.project_id = ? AND b.id = ?")) {
            ps.setString(1, project);
            ps.setString(2, id);
            ResultSet rs = ps.executeQuery();
            return rs.next() ? Optional.of(branch(rs)) : Optional.empty();
        }
    }

    private static int depth(Connection c, Branch b) throws SQLException {
        int d = 0;
        Branch at = b;
        while (at.parentBranchId() != null) {
            d++;
            at = anyBranch(c, at.projectId(), at.parentBranchId()).orElseThrow();
        }
        return d;
    }

    private static void insertBranch(Connection c, Branch b) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO branches (id, project_id, session_id, parent_branch_id, "
                + "forked_from_event_id, fork_sequence, head_event_id, version, label, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, b.id());
            ps.setString(2, b.projectId());
            ps.setString(3, b.sessionId());
            ps.setString(4, b.parentBranchId());
            ps.setString(5, b.forkedFromEventId());
            ps.setLong(6, b.forkSequence());
            ps.setString(7, b.headEventId());
            ps.setLong(8, b.version());
            ps.setString(9, b.label());
            ps.setLong(10, b.createdAtMs());
            ps.executeUpdate();
        }
    }

    // ---- events -------------------------------------------------------------------------------

    /**
     * What to append: its type and payload, an artifact id or null, or {@code content} from which
     * a text artifact is made in the same transaction.
     */
    public record NewEvent(String eventType, String payloadRef, String content) {}

    /**
     * Appends {@code events} in order if the branch is at {@code expectedVersion} with head
     * {@code expectedHead}; all or nothing.
     *
     * @throws StateError.Conflict carrying the branch's current version and head when it is not
     */
    public List<Event> append(String project, String sessionId, String branchId, long expectedVersion, String expectedHead,
                              List<NewEvent> events) {
        List<StateObjects.Artifact> made = new ArrayList<>();
        List<Event> added = db.writeTransaction(c -> appendOn(c, project, sessionId, branchId, expectedVersion, expectedHead, events, made));
        cache.appended(project, branchId, expectedVersion, added, made);
        return added;
    }

    /**
     * {@link #append} on the caller's transaction. One guarded UPDATE moves the branch from the
     * expected version and head to the last new event (checking the branch and its session are
     * live in the same statement); only then are the events and their payload artifacts inserted,
     * as JDBC batches. Nothing is written when the swap is lost. The artifacts made from events'
     * {@code content} are added to {@code made}.
     */
    static List<Event> appendOn(Connection c, String project, String sessionId, String branchId, long expectedVersion,
                                String expectedHead, List<NewEvent> events, List<StateObjects.Artifact> made) throws SQLException {
        for (NewEvent e : events) {
            if (e.payloadRef() != null && ArtifactStore.find(c, project, e.payloadRef()).isEmpty()) {
                throw new StateError.Invalid("event.payload_ref", "artifact_not_found", "Invalid 'event.payload_ref': no artifact '"
                        + e.payloadRef() + "' exists in this project.");
            }
        }
        Planned p = plan(project, sessionId, branchId, expectedVersion, expectedHead, events);
        made.addAll(p.made());
        if (Database.execute(c, SWAP, p.swapArgs(project)) == 0) {
            findSession(c, project, sessionId).orElseThrow(() -> new StateError.NotFound("session", sessionId));
            Branch current = findBranch(c, project, sessionId, branchId).orElseThrow(() -> new StateError.NotFound("branch", branchId));
            throw new StateError.Conflict(branchId, current.version(), current.headEventId());
        }
        ArtifactStore.insertAll(c, p.made());
        try (PreparedStatement ps = c.prepareStatement(INSERT_EVENT + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Event ev : p.events()) {
                Database.bindAll(ps, eventRow(project, ev));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return p.events();
    }

    /**
     * The compare-and-swap: only a writer that saw this exact version and head moves the branch
     * (checking the branch and its session are live in the same statement).
     */
    private static final String SWAP = "UPDATE branches SET version = ?, head_event_id = ? WHERE id = ? AND project_id = ? "
            + "AND session_id = ? AND revoked_at IS NULL AND version = ? AND COALESCE(head_event_id, '') = ? "
            + "AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = ? AND s.revoked_at IS NULL)";
    private static final String INSERT_EVENT = "INSERT INTO events (id, project_id, session_id, branch_id, sequence, "
            + "parent_event_id, event_type, payload_ref, created_at)";

    /** Events to append with the text artifacts they carry, made (ids, sequences, parents) but not stored. */
    private record Planned(String sessionId, String branchId, long expectedVersion, String expectedHead, List<Event> events,
                           List<StateObjects.Artifact> made) {
        Event last() {
            return events.getLast();
        }

        Object[] swapArgs(String project) {
            return new Object[] {last().sequence(), last().id(), branchId, project, sessionId, expectedVersion,
                    expectedHead == null ? "" : expectedHead, sessionId};
        }
    }

    private static Planned plan(String project, String sessionId, String branchId, long expectedVersion, String expectedHead,
                                List<NewEvent> events) {
        long now = System.currentTimeMillis();
        List<Event> out = new ArrayList<>(events.size());
        List<StateObjects.Artifact> made = new ArrayList<>();
        String head = expectedHead;
        long version = expectedVersion;
        for (NewEvent e : events) {
            String payload = e.payloadRef();
            if (e.content() != null) {
                StateObjects.Artifact a = ArtifactStore.textArtifact(project, "text_context", e.content(), now);
                made.add(a);
                payload = a.id();
            }
            Event ev = new Event(Ids.next("evt_", now), sessionId, branchId, version + 1, head, e.eventType(), payload, now);
            out.add(ev);
            head = ev.id();
            version = ev.sequence();
        }
        return new Planned(sessionId, branchId, expectedVersion, expectedHead, out, made);
    }

    private static Object[] eventRow(String project, Event ev) {
        return new Object[] {ev.id(), project, ev.sessionId(), ev.branchId(), ev.sequence(), ev.parentEventId(), ev.eventType(),
                ev.payloadRef(), ev.createdAtMs()};
    }

    /** The branch's whole line, oldest first: inherited events up to the fork point, then its own. */
    public List<Event> history(String project, String sessionId, String branchId) {
        return db.call(c -> {
            findSession(c, project, sessionId).orElseThrow(() -> new StateError.NotFound("session", sessionId));
            Branch b = findBranch(c, project, sessionId, branchId).orElseThrow(() -> new StateError.NotFound("branch", branchId));
            return history(c, b, b.version());
        });
    }

    /** The events on {@code b}'s line with sequence ≤ {@code upTo}, oldest first, all read from the database. */
    static List<Event> history(Connection c, Branch b, long upTo) throws SQLException {
        return history(c, b, upTo, null, null);
    }

    /**
     * The events on {@code b}'s line with sequence ≤ {@code upTo}, oldest first: level by level up
     * the fork chain, each branch's own events taken from {@code cache} as far as it holds them
     * under {@code tag} and read from the database (then kept) beyond that. With a
     * null cache everything is read.
     */
    static List<Event> history(Connection c, Branch b, long upTo, StateCache cache, StateCache.Tag tag) throws SQLException {
        List<List<Event>> parts = new ArrayList<>();
        String id = b.id();
        String parent = b.parentBranchId();
        long fork = b.forkSequence();
        long limit = upTo;
        while (true) {
            parts.add(ownEvents(c, id, parent, fork, limit, cache, tag));
            if (parent == null) break;
            limit = Math.min(limit, fork);
            StateCache.Line known = cache == null ? null : cache.line(parent, tag);
            id = parent;
            if (known != null) {
                parent = known.parentBranchId();
                fork = known.forkSequence();
            } else {
                Branch p = anyBranch(c, b.projectId(), id).orElseThrow();
                parent = p.parentBranchId();
                fork = p.forkSequence();
            }
        }
        Collections.reverse(parts);
        List<Event> out = new ArrayList<>();
        parts.forEach(out::addAll);
        return out;
    }

    /**
     * The branch's own events with sequence ≤ {@code limit} (they begin after its fork point and
     * have no gaps, so the cache knows a prefix of them and reads only what follows it).
     */
    private static List<Event> ownEvents(Connection c, String branchId, String parent, long fork, long limit, StateCache cache,
                                         StateCache.Tag tag) throws SQLException {
        StateCache.Line line = cache == null ? null : cache.line(branchId, tag);
        if (line != null && line.knownVersion() >= limit) return line.upTo(limit);
        long known = line == null ? fork : line.knownVersion();
        List<Event> fresh = new ArrayList<>();
        if (limit > known) {
            try (PreparedStatement ps = c.prepareStatement(SELECT_EVENT + " WHERE branch_id = ? AND sequence > ? AND sequence <= ? "
                    + "ORDER BY sequence")) {
                ps.setString(1, branchId);
                ps.setLong(2, known);
                ps.setLong(3, limit);
                ResultSet rs = ps.executeQuery();
                while (rs.next()) fresh.add(event(rs));
            }
        }
        List<Event> own = new ArrayList<>((line == null ? 0 : line.own().size()) + fresh.size());
        if (line != null) own.addAll(line.own());
        own.addAll(fresh);
        if (cache != null && fresh.size() == Math.max(0, limit - known)) { // no gap: keep it
            cache.putLine(branchId, new StateCache.Line(parent, fork, List.copyOf(own), Math.max(limit, known), tag));
        }
        return own;
    }

    /** The event {@code eventId} when it is on {@code b}'s line. */
    private static Optional<Event> onLine(Connection c, String project, Branch b, String eventId) throws SQLException {
        Event e;
        try (PreparedStatement ps = c.prepareStatement(SELECT_EVENT + " WHERE project_id = ? AND id = ?")) {
            ps.setString(1, project);
            ps.setString(2, eventId);
            ResultSet rs = ps.executeQuery();
            if (!rs.next()) return Optional.empty();
            e = event(rs);
        }
        Branch at = b;
        long limit = b.version();
        while (true) {
            if (at.id().equals(e.branchId())) return e.sequence() <= limit ? Optional.of(e) : Optional.empty();
            if (at.parentBranchId() == null) return Optional.empty();
            limit = Math.min(limit, at.forkSequence());
            at = anyBranch(c, project, at.parentBranchId()).orElseThrow();
        }
    }

    // ---- snapshots ----------------------------------------------------------------------------

    /** Stores a snapshot compiled by {@link SnapshotCompiler} on the caller's transaction. */
    static void insertSnapshot(Connection c, Snapshot s) throws SQLException {
        SnapshotCompiler.Serialized text = SnapshotCompiler.Serialized.of(s);
        for (Object[] chunk : chunkRows(s, text)) Database.execute(c, INSERT_CHUNK, chunk);
        Database.execute(c, INSERT_SNAPSHOT, snapshotRow(s, text));
    }

    private static final String INSERT_SNAPSHOT = "INSERT INTO snapshots (id, project_id, session_id, branch_id, branch_version, "
            + "head_event_id, prompt_compiler_revision, ordered_block_manifest, artifact_versions, blocks, chunks, created_at) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, '', '', '', ?, ?)";
    private static final String CHUNK_COLUMNS = "INSERT INTO snapshot_chunks (project_id, session_id, digest, blocks, "
            + "artifact_versions, created_at)";
    /** A chunk another snapshot of the session already stored is the same bytes: nothing to do. */
    private static final String CHUNK_KNOWN = " ON CONFLICT (project_id, session_id, digest) DO NOTHING";
    private static final String INSERT_CHUNK = CHUNK_COLUMNS + " VALUES (?, ?, ?, ?, ?, ?)" + CHUNK_KNOWN;

    private static Object[] snapshotRow(Snapshot s, SnapshotCompiler.Serialized text) {
        return new Object[] {s.id(), s.projectId(), s.sessionId(), s.branchId(), s.branchVersion(), s.headEventId(),
                s.promptCompilerRevision(), text.chunkDigests(), s.createdAtMs()};
    }

    private static List<Object[]> chunkRows(Snapshot s, SnapshotCompiler.Serialized text) {
        List<Object[]> rows = new ArrayList<>(text.chunks().size());
        for (SnapshotCompiler.Serialized.Chunk k : text.chunks()) {
            rows.add(new Object[] {s.projectId(), s.sessionId(), k.digest(), k.blocks(), k.artifactVersions(), s.createdAtMs()});
        }
        return rows;
    }

    /** A live branch, its live session's base bundles, and the project's generation and state epoch, read together. */
    record Head(Branch branch, List<String> baseBundleIds, StateCache.Tag tag) {}

    /**
     * The branch {@code branchId} (checked to belong to {@code sessionId} when both are given), or
     * the default branch of {@code sessionId}, with the session's base bundles, in one query.
     */
    static Head head(Database db, Connection c, String project, String sessionId, String branchId) throws SQLException {
        return db.query(c, branchId != null ? HEAD_OF_BRANCH : HEAD_OF_SESSION, rs -> {
            if (!rs.next()) {
                throw branchId != null ? new StateError.NotFound("branch", branchId) : new StateError.NotFound("session", sessionId);
            }
            Branch b = branch(rs);
            if (sessionId != null && !sessionId.equals(b.sessionId())) {
                throw new StateError.Invalid("branch_id", "invalid_value", "Invalid 'branch_id': branch '" + branchId
                        + "' belongs to another session than '" + sessionId + "'.");
            }
            List<String> bundles = new ArrayList<>();
            for (JsonNode n : ArtifactStore.tree(rs.getString(11))) bundles.add(n.textValue());
            return new Head(b, bundles, new StateCache.Tag(rs.getLong(12), rs.getLong(13)));
        }, project, branchId != null ? branchId : sessionId);
    }

    public Snapshot snapshot(String project, String id) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_SNAPSHOT + " WHERE project_id = ? AND id = ? AND revoked_at IS NULL")) {
                ps.setString(1, project);
                ps.setString(2, id);
                ResultSet rs = ps.executeQuery();
                if (!rs.next()) return Optional.<Snapshot>empty();
                SnapshotRow row = readSnapshot(rs);
                rs.close();
                return Optional.of(resolve(c, List.of(row)).get(0));
            }
        }).orElseThrow(() -> new StateError.NotFound("snapshot", id));
    }

    public List<Snapshot> snapshots(String project, String sessionId, String branchId, String after, int limit) {
        return db.call(c -> {
            findSession(c, project, sessionId).orElseThrow(() -> new StateError.NotFound("session", sessionId));
            findBranch(c, project, sessionId, branchId).orElseThrow(() -> new StateError.NotFound("branch", branchId));
            try (PreparedStatement ps = c.prepareStatement(SELECT_SNAPSHOT
                    + " WHERE project_id = ? AND branch_id = ? AND revoked_at IS NULL AND id > ? ORDER BY id LIMIT ?")) {
                ps.setString(1, project);
                ps.setString(2, branchId);
                ps.setString(3, after == null ? "" : after);
                ps.setInt(4, limit);
                ResultSet rs = ps.executeQuery();
                List<SnapshotRow> rows = new ArrayList<>();
                while (rs.next()) rows.add(readSnapshot(rs));
                rs.close();
                return resolve(c, rows);
            }
        });
    }

    public void revokeSnapshot(String project, String sessionId, String branchId, String id) {
        int n = db.call(c -> Database.execute(c, "UPDATE snapshots SET revoked_at = ? WHERE project_id = ? AND session_id = ? "
                + "AND branch_id = ? AND id = ? AND revoked_at IS NULL", clock.millis(), project, sessionId, branchId, id));
        if (n == 0) throw new StateError.NotFound("snapshot", id);
    }

    // ---- responses run against state ----------------------------------------------------------

    /**
     * What a /v2 response ran against: its snapshot, the materialization key of the bytes sent, and
     * the events it appended.
     *
     * @param appendStatus {@code appended}; {@code conflict} when the branch moved on while the
     *     response ran (nothing appended: the client rebases); {@code not_appended} for a response
     *     that did not complete or ran against a pinned snapshot
     * @param purgedMeanwhile a purge moved the namespace generation while the response ran: nothing of
     *     the turn was written, not even its record
     */
    public record Turn(String responseId, String sessionId, String branchId, String snapshotId, String materializationKey,
                       String userEventId, String assistantEventId, String appendStatus, boolean purgedMeanwhile) {}

    /**
     * Records a response's turn, in one transaction: the snapshot it ran against when it was
     * compiled for this turn ({@code newSnapshot}: a turn's snapshot is stored with its record, not
     * before the response runs), and — when {@code input} and {@code output} are given — the user
     * and the assistant events, appended to the snapshot's branch with compare-and-swap at the
     * version and head the snapshot was compiled from, so a turn lands only on the state it answered.
     *
     * <p>All of it is one {@link Pipeline} (one round trip on PostgreSQL, commit included): the swap, then the events'
     * artifacts and the events, each inserted only if the branch's head is now the turn's assistant
     * event — a fresh id, so exactly when the swap won (its row lock holds until the commit) — then
     * the snapshot, then the record, whose {@code append_status} the same test decides. A lost swap
     * writes the snapshot and the record, nothing else.
     *
     * <p>{@code text} is the snapshot's stored form already made ({@link SnapshotCompiler.Compiled#serialized}),
     * or null to make it here; {@code generation} the namespace generation the snapshot was compiled
     * under ({@link SnapshotCompiler.Compiled#generation}), needed whenever the turn writes more than
     * a pinned snapshot's record: every write of the turn — swap, snapshot, chunks, record — lands
     * only while the project's generation is still that one. A purge bumps it in the transaction that
     * also finds and revokes what it deletes, so a turn that read its state before a purge and
     * finishes after it writes nothing back (its {@code append_status} is {@code conflict}): its
     * snapshot would name purged artifacts and their content digests, and no receipt would have
     * counted it. A pinned snapshot's record ({@code newSnapshot} false, no input) takes null.
     */
    public Turn recordTurn(String project, String responseId, Snapshot s, SnapshotCompiler.Serialized text, boolean newSnapshot,
                           String materializationKey, String input, String output, Long generation) {
        return turnWrites(project, responseId, s, text, newSnapshot, materializationKey, input, output, generation).commit();
    }

    /**
     * A turn's writes, as {@link #recordTurn} runs them, for a caller that commits them in a
     * transaction of its own (on PostgreSQL, the usage meter commits them with the response's usage
     * event: one WAL flush for both); same arguments and checks as {@link #recordTurn}.
     */
    public TurnWrites turnWrites(String project, String responseId, Snapshot s, SnapshotCompiler.Serialized text,
                                 boolean newSnapshot, String materializationKey, String input, String output, Long generation) {
        Planned p = input == null || output == null ? null : plan(project, s.sessionId(), s.branchId(), s.branchVersion(),
                s.headEventId(), List.of(new NewEvent("user_message", null, input), new NewEvent("assistant_message", null, output)));
        if (generation == null && (newSnapshot || p != null)) {
            throw new IllegalArgumentException("a turn's writes need the generation its state was read under");
        }
        return new TurnWrites(project, responseId, s, text, newSnapshot, materializationKey, p, generation);
    }

    /** A planned turn: {@link #addTo} puts its statements in a pipeline, {@link #result} reads what they did. */
    public final class TurnWrites {
        private final String project;
        private final String responseId;
        private final Snapshot s;
        private final SnapshotCompiler.Serialized text;
        private final boolean newSnapshot;
        private final String materializationKey;
        private final Planned p;
        private final Long generation;

        private TurnWrites(String project, String responseId, Snapshot s, SnapshotCompiler.Serialized text, boolean newSnapshot,
                           String materializationKey, Planned p, Long generation) {
            this.project = project;
            this.responseId = responseId;
            this.s = s;
            this.text = text;
            this.newSnapshot = newSnapshot;
            this.materializationKey = materializationKey;
            this.p = p;
            this.generation = generation;
        }

        /** Adds the turn's statements, in order: swap, artifacts and events, chunks and snapshot, record (always last). */
        public void addTo(Pipeline writes) {
            Object[] current = generation == null ? new Object[0] : new Object[] {project, generation};
            if (p != null) {
                writes.add(SWAP_IF_CURRENT, concat(p.swapArgs(project), current));
                List<Object[]> texts = new ArrayList<>(p.made().size());
                for (StateObjects.Artifact a : p.made()) texts.add(ArtifactStore.row(a));
                addRows(writes, TEXTS_IF_WON, texts, s.branchId(), p.last().id());
                List<Object[]> events = new ArrayList<>(p.events().size());
                for (Event ev : p.events()) events.add(eventRow(project, ev));
                addRows(writes, EVENTS_IF_WON, events, s.branchId(), p.last().id());
            }
            if (newSnapshot) {
                SnapshotCompiler.Serialized stored = text != null ? text : SnapshotCompiler.Serialized.of(s);
                addRows(writes, CHUNKS_IF_CURRENT, chunkRows(s, stored), current);
                writes.add(INSERT_SNAPSHOT_IF_CURRENT, concat(snapshotRow(s, stored), current));
            }
            Object[] known = {responseId, project, s.sessionId(), s.branchId(), s.id(), materializationKey};
            if (p == null) {
                writes.add(generation == null ? RECORD_NOT_APPENDED : RECORD_NOT_APPENDED_IF_CURRENT,
                        concat(concat(known, clock.millis()), current));
            } else {
                writes.add(RECORD_IF_WON_AND_CURRENT, concat(concat(known, p.events().get(0).id(),
                        p.last().id(), clock.millis(), s.branchId(), p.last().id()), current));
            }
        }

        /** Runs the writes as one transaction of their own (one round trip on PostgreSQL). */
        public Turn commit() {
            Pipeline writes = new Pipeline(db);
            addTo(writes);
            return result(writes.runAtomically());
        }

        /** What the committed statements did ({@code counts}: their update counts, in {@link #addTo}'s order). */
        public Turn result(int[] counts) {
            boolean appended = p != null && counts[0] == 1;
            if (appended) cache.appended(project, s.branchId(), s.branchVersion(), p.events(), p.made());
            // The record is the last statement: guarded out only when a purge moved the generation.
            boolean purged = generation != null && counts[counts.length - 1] == 0;
            return new Turn(responseId, s.sessionId(), s.branchId(), s.id(), materializationKey,
                    appended ? p.events().get(0).id() : null, appended ? p.last().id() : null,
                    p == null ? "not_appended" : appended ? "appended" : "conflict", purged);
        }
    }

    /**
     * Adds {@code rows} of {@code kind}, bound before {@code guardArgs}. On PostgreSQL all rows go in
     * one statement over a {@code VALUES} list — each statement costs the server more than its rows
     * do (parse, bind, execute, the guard's lookup), and a turn's chunks grow with its line; on
     * SQLite, which runs in process, one statement per row, constant SQL its connections keep
     * prepared.
     */
    private void addRows(Pipeline writes, GuardedInsert kind, List<Object[]> rows, Object... guardArgs) {
        if (rows.isEmpty()) return;
        if (db.dialect() != Database.Dialect.POSTGRESQL || rows.size() == 1) {
            for (Object[] row : rows) writes.add(kind.perRow, concat(row, guardArgs));
            return;
        }
        int columns = kind.columns;
        Object[] all = new Object[rows.size() * columns + guardArgs.length];
        for (int i = 0; i < rows.size(); i++) System.arraycopy(rows.get(i), 0, all, i * columns, columns);
        System.arraycopy(guardArgs, 0, all, rows.size() * columns, guardArgs.length);
        writes.add(kind.rows(rows.size()), all);
    }

    /**
     * An {@code INSERT INTO t (columns)} whose rows land only while {@code guard} holds, followed by
     * {@code tail} (an {@code ON CONFLICT} clause, or ""): its one-row statement, and its statement
     * for n rows over a {@code VALUES} list (made once per n up to {@value #KEPT_ROWS}). Rows must
     * not hold a null where the column is not text: a {@code VALUES} list types an all-null column
     * as text.
     */
    private static final class GuardedInsert {
        private static final int KEPT_ROWS = 64;
        final int columns;
        final String perRow;
        private final String insert;
        private final String guard;
        private final String[] kept = new String[KEPT_ROWS + 1]; // racy but benign: equal strings

        GuardedInsert(String insert, int columns, String guard, String tail) {
            this.columns = columns;
            this.insert = insert;
            this.guard = " WHERE " + guard + tail;
            this.perRow = insert + " SELECT " + "?, ".repeat(columns - 1) + "?" + this.guard;
        }

        String rows(int n) {
            String sql = n <= KEPT_ROWS ? kept[n] : null;
            if (sql != null) return sql;
            String one = "(" + "?, ".repeat(columns - 1) + "?)";
            sql = insert + " SELECT * FROM (VALUES " + one + (", " + one).repeat(n - 1) + ") v" + guard;
            if (n <= KEPT_ROWS) kept[n] = sql;
            return sql;
        }
    }

    /** Binds the branch id and the turn's assistant event id: true exactly when the turn's swap won. */
    private static final String WON = "EXISTS (SELECT 1 FROM branches WHERE id = ? AND head_event_id = ?)";
    private static final String INSERT_RECORD = "INSERT INTO response_state (response_id, project_id, session_id, branch_id, "
            + "snapshot_id, materialization_key, user_event_id, assistant_event_id, append_status, created_at) ";
    private static final String RECORD_NOT_APPENDED = INSERT_RECORD + "VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, 'not_appended', ?)";

    /** Binds the project and a generation: true while the project's namespace generation is still that one. */
    private static final String CURRENT = "COALESCE((SELECT namespace_generation FROM projects WHERE id = ?), 0) = ?";
    private static final GuardedInsert TEXTS_IF_WON = new GuardedInsert(ArtifactStore.INSERT_ARTIFACT_COLUMNS, 10, WON, "");
    private static final GuardedInsert EVENTS_IF_WON = new GuardedInsert(INSERT_EVENT, 9, WON, "");
    private static final GuardedInsert CHUNKS_IF_CURRENT = new GuardedInsert(CHUNK_COLUMNS, 6, CURRENT, CHUNK_KNOWN);
    private static final String SWAP_IF_CURRENT = SWAP + " AND " + CURRENT;
    private static final String INSERT_SNAPSHOT_IF_CURRENT = INSERT_SNAPSHOT.replace("VALUES (?, ?, ?, ?, ?, ?, ?, '', '', '', ?, ?)",
            "SELECT ?, ?, ?, ?, ?, ?, ?, '', '', '', ?, ? WHERE " + CURRENT);
    private static final String RECORD_NOT_APPENDED_IF_CURRENT = RECORD_NOT_APPENDED.replace(
            "VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, 'not_appended', ?)",
            "SELECT ?, ?, ?, ?, ?, ?, NULL, NULL, 'not_appended', ? WHERE " + CURRENT);
    private static final String RECORD_IF_WON_AND_CURRENT = INSERT_RECORD + "SELECT ?, ?, ?, ?, ?, ?, CASE WHEN w THEN ? END, "
            + "CASE WHEN w THEN ? END, CASE WHEN w THEN 'appended' ELSE 'conflict' END, ? FROM (SELECT " + WON + " AS w) g WHERE "
            + CURRENT;

    private static Object[] concat(Object[] head, Object... tail) {
        Object[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return all;
    }

    public Optional<Turn> turn(String project, String responseId) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT response_id, session_id, branch_id, snapshot_id, "
                    + "materialization_key, user_event_id, assistant_event_id, append_status FROM response_state "
                    + "WHERE project_id = ? AND response_id = ?")) {
                ps.setString(1, project);
                ps.setString(2, responseId);
                ResultSet rs = ps.executeQuery();
                return rs.next() ? Optional.of(new Turn(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), false)) : Optional.<Turn>empty();
            }
        });
    }

    // ---- rows ---------------------------------------------------------------------------------

    private static final String SELECT_SESSION = "SELECT id, project_id, default_branch_id, status, base_bundle_ids, metadata, "
            + "created_at FROM sessions";
    private static final String SELECT_BRANCH = "SELECT b.id, b.project_id, b.session_id, b.parent_branch_id, "
            + "b.forked_from_event_id, b.fork_sequence, b.head_event_id, b.version, b.label, b.created_at FROM branches";
    private static final String SELECT_HEAD = SELECT_BRANCH.replace("FROM branches", ", s.base_bundle_ids, "
            + "COALESCE(p.namespace_generation, 0), COALESCE(p.state_epoch, 0) FROM branches") + " b JOIN sessions s ON "
            + "s.id = b.session_id LEFT JOIN projects p ON p.id = b.project_id WHERE b.project_id = ? AND b.revoked_at IS NULL "
            + "AND s.revoked_at IS NULL AND ";
    private static final String HEAD_OF_BRANCH = SELECT_HEAD + "b.id = ?";
    private static final String HEAD_OF_SESSION = SELECT_HEAD + "s.id = ? AND b.id = s.default_branch_id";
    private static final String SELECT_EVENT = "SELECT id, session_id, branch_id, sequence, parent_event_id, event_type, "
            + "payload_ref, created_at FROM events";
    private static final String SELECT_SNAPSHOT = "SELECT id, project_id, session_id, branch_id, branch_version, head_event_id, "
            + "prompt_compiler_revision, ordered_block_manifest, artifact_versions, blocks, created_at, chunks FROM snapshots";

    private static Session session(ResultSet rs) throws SQLException {
        List<String> bundles = new ArrayList<>();
        for (JsonNode n : ArtifactStore.tree(rs.getString(5))) bundles.add(n.textValue());
        return new Session(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), List.copyOf(bundles),
                (ObjectNode) ArtifactStore.tree(rs.getString(6)), rs.getLong(7));
    }

    private static Branch branch(ResultSet rs) throws SQLException {
        return new Branch(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getLong(6),
                rs.getString(7), rs.getLong(8), rs.getString(9), rs.getLong(10));
    }

    private static Event event(ResultSet rs) throws SQLException {
        return new Event(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5), rs.getString(6),
                rs.getString(7), rs.getLong(8));
    }

    /** A snapshot row as read, its chunks not yet resolved. */
    private record SnapshotRow(Snapshot whole, String chunks) {}

    private static SnapshotRow readSnapshot(ResultSet rs) throws SQLException {
        String chunks = rs.getString(12);
        boolean chunked = chunks != null;
        return new SnapshotRow(new Snapshot(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                rs.getString(6), rs.getString(7), chunked ? null : (ArrayNode) ArtifactStore.tree(rs.getString(8)),
                chunked ? null : (ObjectNode) ArtifactStore.tree(rs.getString(9)),
                chunked ? null : (ArrayNode) ArtifactStore.tree(rs.getString(10)), rs.getLong(11)), chunks);
    }

    /**
     * The snapshots whole: chunked rows' blocks and versions read from their session's chunks (one
     * lookup per session for all the rows: a listed page is one session's) and joined in order, each
     * manifest rebuilt from its blocks' refs. Rows stored whole pass as they are. A digest names the
     * same bytes in any session, so what was read is keyed by digest alone.
     */
    private static List<Snapshot> resolve(Connection c, List<SnapshotRow> rows) throws SQLException {
        Map<String, List<String>> digestsOf = new HashMap<>(); // by snapshot id
        Map<String, Set<String>> wanted = new LinkedHashMap<>(); // by session (the rows are one project's)
        for (SnapshotRow row : rows) {
            if (row.chunks() == null) continue;
            List<String> digests = new ArrayList<>();
            for (JsonNode d : ArtifactStore.tree(row.chunks())) digests.add(d.textValue());
            digestsOf.put(row.whole().id(), digests);
            wanted.computeIfAbsent(row.whole().sessionId(), k -> new LinkedHashSet<>()).addAll(digests);
        }
        Map<String, String[]> found = new HashMap<>(); // digest -> blocks, versions
        for (Map.Entry<String, Set<String>> w : wanted.entrySet()) {
            Database.selectIn(c, "SELECT digest, blocks, artifact_versions FROM snapshot_chunks WHERE project_id = ? AND session_id = ? "
                    + "AND digest", List.copyOf(w.getValue()), rs -> found.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3)}),
                    rows.get(0).whole().projectId(), w.getKey());
        }
        List<Snapshot> out = new ArrayList<>(rows.size());
        for (SnapshotRow row : rows) {
            Snapshot s = row.whole();
            if (row.chunks() == null) {
                out.add(s);
                continue;
            }
            ArrayNode blocks = Json.array();
            ObjectNode versions = Json.object();
            for (String d : digestsOf.get(s.id())) {
                String[] chunk = found.get(d);
                if (chunk == null) throw new IllegalStateException("snapshot " + s.id() + " lost its chunk " + d);
                blocks.addAll((ArrayNode) ArtifactStore.tree(chunk[0]));
                ArtifactStore.tree(chunk[1]).fields().forEachRemaining(v -> {
                    if (!versions.has(v.getKey())) versions.set(v.getKey(), v.getValue());
                });
            }
            ArrayNode ordered = Json.array();
            for (JsonNode b : blocks) ordered.add(b.get("ref").textValue());
            out.add(new Snapshot(s.id(), s.projectId(), s.sessionId(), s.branchId(), s.branchVersion(), s.headEventId(),
                    s.promptCompilerRevision(), ordered, versions, blocks, s.createdAtMs()));
        }
        return out;
    }
}
