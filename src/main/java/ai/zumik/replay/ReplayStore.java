package ai.zumik.replay;

import ai.zumik.evidence.Jcs;
import ai.zumik.json.Json;
import ai.zumik.store.Database;
import ai.zumik.store.Rows;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code replay_runs}. Every change of status is one guarded {@code UPDATE}: a queued run is
 * claimed ({@code → running}) or canceled by whichever comes first, and a running run is finished
 * only by the runner still holding its lease, so of any number of replicas exactly one runs it
 * and a runner that lost its lease cannot overwrite what happened since.
 */
public final class ReplayStore {
    private static final String COLUMNS = "id, project_id, status, replay_class, baseline, candidate, seed, traffic_source, "
            + "trace_count, plan, created_at, scheduled_for, started_at, completed_at, canceled_at, failure_code, failure_message, report";

    private final Database db;

    public ReplayStore(Database db) {
        this.db = db;
    }

    Database database() {
        return db;
    }

    /** Stores a new run with its traces (queued, or already completed with its report when it ran inline). */
    void insert(ReplayRun r, ArrayNode traces, long dueAtMs) {
        db.call(c -> Database.execute(c, "INSERT INTO replay_runs (" + COLUMNS + ", traces, due_at) VALUES "
                        + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", r.id(), r.projectId(), r.status().wire(),
                r.replayClass().wire(), r.baseline(), r.candidate(), r.seed(), r.trafficSource(), r.traceCount(),
                Json.text(r.plan()), r.createdAtMs(), r.scheduledForMs(), r.startedAtMs(), r.completedAtMs(), r.canceledAtMs(),
                r.failureCode(), r.failureMessage(), r.report() == null ? null : Jcs.text(r.report()), Json.text(traces), dueAtMs));
    }

    public Optional<ReplayRun> find(String projectId, String id) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM replay_runs WHERE project_id = ? AND id = ?")) {
                ps.setString(1, projectId);
                ps.setString(2, id);
                ResultSet rs = ps.executeQuery();
                return rs.next() ? Optional.of(read(rs)) : Optional.<ReplayRun>empty();
            }
        });
    }

    /** A run by id alone, for the runner that claimed it. */
    Optional<ReplayRun> find(String id) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM replay_runs WHERE id = ?")) {
                ps.setString(1, id);
                ResultSet rs = ps.executeQuery();
                return rs.next() ? Optional.of(read(rs)) : Optional.<ReplayRun>empty();
            }
        });
    }

    ArrayNode traces(String id) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT traces FROM replay_runs WHERE id = ?")) {
                ps.setString(1, id);
                ResultSet rs = ps.executeQuery();
                return rs.next() ? (ArrayNode) tree(rs.getString(1)) : Json.array();
            }
        });
    }

    // ---- the lifecycle ----

    /** Queued runs due by {@code now}, oldest first. */
    List<String> due(long now, int limit) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM replay_runs WHERE status = 'queued' AND due_at <= ? "
                    + "ORDER BY due_at, id LIMIT " + limit)) {
                ps.setLong(1, now);
                ResultSet rs = ps.executeQuery();
                List<String> out = new ArrayList<>();
                while (rs.next()) out.add(rs.getString(1));
                return out;
            }
        });
    }

    /** {@code queued → running} for {@code owner}; false when another runner (or a cancel) got there first. */
    boolean claim(String id, String owner, long now, long leaseUntil) {
        return db.call(c -> Database.execute(c, "UPDATE replay_runs SET status = 'running', started_at = ?, lease_owner = ?, lease_until = ? "
                + "WHERE id = ? AND status = 'queued'", now, owner, leaseUntil, id)) == 1;
    }

    /** Extends {@code owner}'s lease; false when the run is no longer running under it. */
    boolean renew(String id, String owner, long leaseUntil) {
        return db.call(c -> Database.execute(c, "UPDATE replay_runs SET lease_until = ? WHERE id = ? AND status = 'running' "
                + "AND lease_owner = ?", leaseUntil, id, owner)) == 1;
    }

    /** {@code running → completed} with the signed report, only while {@code owner} holds it. */
    boolean complete(String id, String owner, ObjectNode report, long now) {
        return db.call(c -> Database.execute(c, "UPDATE replay_runs SET status = 'completed', completed_at = ?, report = ?, lease_owner = NULL, "
                + "lease_until = 0 WHERE id = ? AND status = 'running' AND lease_owner = ?", now, Jcs.text(report), id, owner)) == 1;
    }

    /** {@code running → failed}, only while {@code owner} holds it. */
    boolean fail(String id, String owner, String code, String message, long now) {
        return db.call(c -> Database.execute(c, "UPDATE replay_runs SET status = 'failed', completed_at = ?, failure_code = ?, "
                + "failure_message = ?, lease_owner = NULL, lease_until = 0 WHERE id = ? AND status = 'running' AND lease_owner = ?",
                now, code, message, id, owner)) == 1;
    }

    /**
     * Fails every running run whose lease lapsed before {@code before}: its runner stopped (the
     * process died or restarted) and a run is never resumed halfway. Returns how many.
     */
    int failAbandoned(long before, long now, String message) {
        return db.call(c -> Database.execute(c, "UPDATE replay_runs SET status = 'failed', completed_at = ?, failure_code = 'runner_restarted', "
                + "failure_message = ?, lease_owner = NULL, lease_until = 0 WHERE status = 'running' AND lease_until < ?",
                now, message, before));
    }

    /** {@code queued → canceled}; false when the run had already started (or ended). */
    boolean cancel(String projectId, String id, long now) {
        return db.call(c -> Database.execute(c, "UPDATE replay_runs SET status = 'canceled', canceled_at = ? WHERE project_id = ? AND id = ? "
                + "AND status = 'queued'", now, projectId, id)) == 1;
    }

    /** Deletes every run of a project (a project purge); a run still running finds its row gone and stops. */
    public long purgeProject(String projectId) {
        return db.call(c -> Database.execute(c, "DELETE FROM replay_runs WHERE project_id = ?", projectId));
    }

    // ---- SQL ----

    private static ReplayRun read(ResultSet rs) throws SQLException {
        String report = rs.getString(18);
        return new ReplayRun(rs.getString(1), rs.getString(2), ReplayStatus.parse(rs.getString(3)),
                ReplayClass.parse(rs.getString(4)), rs.getString(5), rs.getString(6), rs.getLong(7), rs.getString(8), rs.getInt(9),
                (ObjectNode) tree(rs.getString(10)), rs.getLong(11), Rows.longOrNull(rs, 12), Rows.longOrNull(rs, 13), Rows.longOrNull(rs, 14),
                Rows.longOrNull(rs, 15), rs.getString(16), rs.getString(17), report == null ? null : (ObjectNode) tree(report));
    }


    private static JsonNode tree(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("stored JSON is unreadable", e);
        }
    }
}
