package ai.zumik.v1.batches;

import ai.zumik.http.ApiError;
import ai.zumik.inference.Usage;
import ai.zumik.store.Database;
import ai.zumik.store.Rows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Batches and their lines in the database. Every change a runner makes is fenced: a line is marked
 * started only while the runner holds the batch's lease, a line's result is written only if the
 * line is still started (so a late answer after a takeover, which reported the line interrupted,
 * is dropped rather than counted twice), and the counters move in the same transaction as the line
 * they count. Blocking.
 */
final class BatchStore {
    private static final String COLUMNS = "id, project_id, key_id, endpoint, input_file_id, completion_window, status, "
            + "model, metadata, errors, output_file_id, error_file_id, output_expires_after, created_at, in_progress_at, "
            + "expires_at, finalizing_at, completed_at, failed_at, expired_at, cancelling_at, cancelled_at, total_count, "
            + "completed_count, failed_count, input_tokens, cached_tokens, output_tokens, reasoning_tokens";

    /** A line waiting to run; {@code bytes}: the size of its body, which is loaded only when it runs. */
    record PendingLine(int lineNo, String customId, int bytes) {}

    /** A line as checked at validation: runnable (body set) or already failed (error set). */
    record CheckedLine(int lineNo, String customId, String body, String errorCode, String errorMessage) {}

    /** A finished line, for the output and error files. */
    record DoneLine(int lineNo, String customId, String requestId, Integer statusCode, String response, String errorCode,
                    String errorMessage) {
        boolean ok() {
            return statusCode != null && statusCode >= 200 && statusCode < 300 && errorCode == null;
        }
    }

    private final Database db;

    BatchStore(Database db) {
        this.db = db;
    }

    Database database() {
        return db;
    }

    // ---- batches ----

    void insert(Batch b) {
        db.call(c -> Database.execute(c, "INSERT INTO batches (" + COLUMNS + ", lease_owner, lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, "
                        + "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0)",
                b.id(), b.projectId(), b.keyId(), b.endpoint(), b.inputFileId(), b.completionWindow(), b.status().wire(),
                b.model(), b.metadataJson(), b.errorsJson(), b.outputFileId(), b.errorFileId(), b.outputExpiresAfterS(),
                b.createdAt(), b.inProgressAt(), b.expiresAt(), b.finalizingAt(), b.completedAt(), b.failedAt(),
                b.expiredAt(), b.cancellingAt(), b.cancelledAt(), b.total(), b.completed(), b.failed(), b.inputTokens(),
                b.cachedTokens(), b.outputTokens(), b.reasoningTokens()));
    }

    /** A batch of {@code projectId}; empty for another project's, exactly as for none. */
    Optional<Batch> find(String projectId, String id) {
        return db.call(c -> one(c, "SELECT " + COLUMNS + " FROM batches WHERE id = ? AND project_id = ?", id, projectId));
    }

    /** Any batch, for its runner. */
    Optional<Batch> get(String id) {
        return db.call(c -> one(c, "SELECT " + COLUMNS + " FROM batches WHERE id = ?", id));
    }

    /** The project's batches, newest first, {@code limit + 1} of them after {@code after}. */
    List<Batch> list(String projectId, String after, int limit) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM batches WHERE project_id = ?"
                    + (after == null ? "" : " AND id < ?") + " ORDER BY id DESC LIMIT " + (limit + 1))) {
                if (after == null) Database.bindAll(ps, projectId);
                else Database.bindAll(ps, projectId, after);
                ResultSet rs = ps.executeQuery();
                List<Batch> out = new ArrayList<>();
                while (rs.next()) out.add(read(rs));
                return out;
            }
        });
    }

    /**
     * Asks a batch to stop: {@code validating} or {@code in_progress} becomes {@code cancelling};
     * one already cancelling or cancelled is returned as it is; a finished one is a 409.
     */
    Optional<Batch> cancel(String projectId, String id, long now) {
        return db.transaction(c -> {
            Database.execute(c, "UPDATE batches SET status = 'cancelling', cancelling_at = ? WHERE id = ? AND project_id = ? "
                    + "AND status IN ('validating', 'in_progress')", now, id, projectId);
            Optional<Batch> b = one(c, "SELECT " + COLUMNS + " FROM batches WHERE id = ? AND project_id = ?", id, projectId);
            if (b.isPresent() && b.get().status() != BatchStatus.CANCELLING && b.get().status() != BatchStatus.CANCELLED) {
                throw new ApiError(409, "invalid_request_error", "batch_not_cancellable", null, "Batch '" + id
                        + "' cannot be cancelled: its status is '" + b.get().status().wire() + "'.", null).exception();
            }
            return b;
        });
    }

    // ---- leases ----

    /** Batches some replica should be working on whose lease has lapsed (or was never taken). */
    List<String> claimable(long now, int limit) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM batches WHERE status IN " + BatchStatus.ACTIVE_SQL
                    + " AND lease_until < ? ORDER BY id LIMIT " + limit)) {
                Database.bindAll(ps, now);
                ResultSet rs = ps.executeQuery();
                List<String> out = new ArrayList<>();
                while (rs.next()) out.add(rs.getString(1));
                return out;
            }
        });
    }

    /** Takes the batch if its lease has lapsed; one replica wins, the others see 0 rows. */
    boolean claim(String id, String owner, long until, long now) {
        return db.call(c -> Database.execute(c, "UPDATE batches SET lease_owner = ?, lease_until = ? WHERE id = ? AND lease_until < ? "
                + "AND status IN " + BatchStatus.ACTIVE_SQL, owner, until, id, now)) == 1;
    }

    /** Extends the lease; empty when it is no longer {@code owner}'s, else the batch's status now. */
    Optional<BatchStatus> renew(String id, String owner, long until) {
        return db.call(c -> {
            if (Database.execute(c, "UPDATE batches SET lease_until = ? WHERE id = ? AND lease_owner = ?", until, id, owner) == 0) {
                return Optional.empty();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT status FROM batches WHERE id = ?")) {
                Database.bindAll(ps, id);
                ResultSet rs = ps.executeQuery();
                return rs.next() ? Optional.of(BatchStatus.parse(rs.getString(1))) : Optional.empty();
            }
        });
    }

    /** Deletes every batch of the project with its lines (a project purge); returns how many batches. */
    long purgeProject(String projectId) {
        return db.transaction(c -> {
            Database.execute(c, "DELETE FROM batch_lines WHERE batch_id IN (SELECT id FROM batches WHERE project_id = ?)", projectId);
            return (long) Database.execute(c, "DELETE FROM batches WHERE project_id = ?", projectId);
        });
    }

    void release(String id, String owner) {
        db.call(c -> Database.execute(c, "UPDATE batches SET lease_owner = NULL, lease_until = 0 WHERE id = ? AND lease_owner = ?",
                id, owner));
    }

    /** On the embedded store, where this process is the only runner: every lease left is a dead process's. */
    void releaseAll() {
        db.call(c -> Database.execute(c, "UPDATE batches SET lease_owner = NULL, lease_until = 0 WHERE lease_owner IS NOT NULL"));
    }

    // ---- validation ----

    void clearLines(String id) {
        db.call(c -> Database.execute(c, "DELETE FROM batch_lines WHERE batch_id = ?", id));
    }

    void insertLines(String id, List<CheckedLine> lines) {
        if (lines.isEmpty()) return;
        db.transaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO batch_lines (batch_id, line_no, custom_id, state, body, "
                    + "error_code, error_message) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                for (CheckedLine l : lines) {
                    Database.bindAll(ps, id, l.lineNo(), l.customId(), l.body() != null ? "pending" : "done", l.body(), l.errorCode(),
                            l.errorMessage());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    /**
     * Validation is done: the batch runs ({@code validating} becomes {@code in_progress}; a batch
     * cancelled meanwhile stays {@code cancelling}). {@code bad} lines are already failed.
     */
    boolean validated(String id, String owner, long total, long bad, String model, long now) {
        return db.call(c -> Database.execute(c, "UPDATE batches SET status = CASE WHEN status = 'validating' THEN 'in_progress' "
                + "ELSE status END, in_progress_at = ?, total_count = ?, failed_count = ?, model = ? WHERE id = ? "
                + "AND lease_owner = ? AND status IN ('validating', 'cancelling')", now, total, bad, model, id, owner)) == 1;
    }

    /** The input as a whole is unusable: the batch fails with {@code errors}, and its lines go. */
    boolean failValidation(String id, String owner, String errorsJson, long now) {
        return db.transaction(c -> {
            int n = Database.execute(c, "UPDATE batches SET status = 'failed', failed_at = ?, errors = ?, lease_owner = NULL, "
                    + "lease_until = 0 WHERE id = ? AND lease_owner = ? AND status IN ('validating', 'cancelling')",
                    now, errorsJson, id, owner);
            if (n == 1) Database.execute(c, "DELETE FROM batch_lines WHERE batch_id = ?", id);
            return n == 1;
        });
    }

    // ---- lines ----

    List<PendingLine> pending(String id, int afterLine, int limit) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT line_no, custom_id, OCTET_LENGTH(body) FROM batch_lines "
                    + "WHERE batch_id = ? AND state = 'pending' AND line_no > ? ORDER BY line_no LIMIT " + limit)) {
                Database.bindAll(ps, id, afterLine);
                ResultSet rs = ps.executeQuery();
                List<PendingLine> out = new ArrayList<>();
                while (rs.next()) out.add(new PendingLine(rs.getInt(1), rs.getString(2), rs.getInt(3)));
                return out;
            }
        });
    }

    /** The request body of a line still waiting to run, or null once it is not. */
    String body(String id, int lineNo) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT body FROM batch_lines WHERE batch_id = ? AND line_no = ? "
                    + "AND state = 'pending'")) {
                Database.bindAll(ps, id, lineNo);
                ResultSet rs = ps.executeQuery();
                return rs.next() ? rs.getString(1) : null;
            }
        });
    }

    /**
     * Marks a line started, durably, before it is sent: only while {@code owner} holds the lease
     * and the line is still pending. After a crash a started line is never sent again.
     */
    boolean markStarted(String id, int lineNo, String requestId, String owner, long now) {
        return db.call(c -> Database.execute(c, "UPDATE batch_lines SET state = 'started', request_id = ? WHERE batch_id = ? "
                + "AND line_no = ? AND state = 'pending' AND EXISTS (SELECT 1 FROM batches WHERE id = ? AND lease_owner = ? "
                + "AND lease_until > ?)", requestId, id, lineNo, id, owner, now)) == 1;
    }

    /** A deferred line (nothing was sent) goes back to waiting. */
    void backToPending(String id, int lineNo) {
        db.call(c -> Database.execute(c, "UPDATE batch_lines SET state = 'pending', request_id = NULL WHERE batch_id = ? "
                + "AND line_no = ? AND state = 'started'", id, lineNo));
    }

    /**
     * Records how a line ended and counts it, in one transaction; only when the line is still in
     * {@code from} ({@code started}, or {@code pending} for a line refused before it was sent).
     * False when it was not: another runner already reported it.
     */
    boolean record(String id, int lineNo, String from, LineOutcome outcome) {
        return db.transaction(c -> {
            int n;
            boolean ok;
            Usage u = Usage.UNREPORTED;
            switch (outcome) {
                case LineOutcome.Answered a -> {
                    n = Database.execute(c, "UPDATE batch_lines SET state = 'done', body = NULL, status_code = ?, response = ?, "
                            + "request_id = COALESCE(request_id, ?) WHERE batch_id = ? AND line_no = ? AND state = ?",
                            a.status(), a.body(), a.requestId(), id, lineNo, from);
                    ok = a.ok();
                    if (a.usage() != null) u = a.usage();
                }
                case LineOutcome.Errored e -> {
                    n = Database.execute(c, "UPDATE batch_lines SET state = 'done', body = NULL, error_code = ?, error_message = ? "
                            + "WHERE batch_id = ? AND line_no = ? AND state = ?", e.code(), e.message(), id, lineNo, from);
                    ok = false;
                }
                case LineOutcome.Deferred d -> throw new IllegalArgumentException("a deferred line has no result");
            }
            if (n == 1) {
                Database.execute(c, "UPDATE batches SET completed_count = completed_count + ?, failed_count = failed_count + ?, "
                                + "input_tokens = input_tokens + ?, cached_tokens = cached_tokens + ?, "
                                + "output_tokens = output_tokens + ?, reasoning_tokens = reasoning_tokens + ? WHERE id = ?",
                        ok ? 1L : 0L, ok ? 0L : 1L, orZero(u.promptTokens()), orZero(u.cachedTokens()),
                        orZero(u.completionTokens()), orZero(u.reasoningTokens()), id);
            }
            return n == 1;
        });
    }

    /** Every line still in {@code state} fails with the given error, counted; returns how many. */
    int failAll(String id, String state, String code, String message) {
        return db.transaction(c -> {
            int n = Database.execute(c, "UPDATE batch_lines SET state = 'done', body = NULL, error_code = ?, error_message = ? "
                    + "WHERE batch_id = ? AND state = ?", code, message, id, state);
            if (n > 0) Database.execute(c, "UPDATE batches SET failed_count = failed_count + ? WHERE id = ?", (long) n, id);
            return n;
        });
    }

    boolean toFinalizing(String id, String owner, long now) {
        return db.call(c -> Database.execute(c, "UPDATE batches SET status = 'finalizing', finalizing_at = ? WHERE id = ? "
                + "AND status = 'in_progress' AND lease_owner = ?", now, id, owner)) == 1;
    }

    /** The finished lines that succeeded ({@code ok}) or failed, in input order. */
    void forEachDone(String id, boolean ok, Consumer<DoneLine> each) {
        db.transaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT line_no, custom_id, request_id, status_code, response, "
                    + "error_code, error_message FROM batch_lines WHERE batch_id = ? AND state = 'done' ORDER BY line_no")) {
                ps.setFetchSize(256);
                Database.bindAll(ps, id);
                ResultSet rs = ps.executeQuery();
                while (rs.next()) {
                    int status = rs.getInt(4);
                    Integer statusCode = rs.wasNull() ? null : status;
                    DoneLine l = new DoneLine(rs.getInt(1), rs.getString(2), rs.getString(3), statusCode, rs.getString(5),
                            rs.getString(6), rs.getString(7));
                    if (l.ok() == ok) each.accept(l);
                }
            }
            return null;
        });
    }

    /**
     * Ends the batch in {@code status} with its files (either may be null), publishing them in the
     * same transaction; false (nothing changed) when the lease is no longer {@code owner}'s.
     */
    boolean finish(String id, String owner, BatchStatus status, String timeColumn, long now, String outputFileId,
                   String errorFileId, SqlStep publishFiles) {
        return db.transaction(c -> {
            int n = Database.execute(c, "UPDATE batches SET status = ?, " + timeColumn + " = ?, output_file_id = ?, error_file_id = ?, "
                    + "lease_owner = NULL, lease_until = 0 WHERE id = ? AND lease_owner = ?",
                    status.wire(), now, outputFileId, errorFileId, id, owner);
            if (n != 1) return false;
            publishFiles.run(c);
            return true;
        });
    }

    /** A step run inside another transaction. */
    @FunctionalInterface
    interface SqlStep {
        void run(Connection c) throws SQLException;
    }

    // ---- rows ----

    private static Optional<Batch> one(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            Database.bindAll(ps, args);
            ResultSet rs = ps.executeQuery();
            return rs.next() ? Optional.of(read(rs)) : Optional.empty();
        }
    }

    private static Batch read(ResultSet rs) throws SQLException {
        return new Batch(rs.getString("id"), rs.getString("project_id"), rs.getString("key_id"), rs.getString("endpoint"),
                rs.getString("input_file_id"), rs.getString("completion_window"), BatchStatus.parse(rs.getString("status")),
                rs.getString("model"), rs.getString("metadata"), rs.getString("errors"), rs.getString("output_file_id"),
                rs.getString("error_file_id"), rs.getLong("output_expires_after"), rs.getLong("created_at"),
                Rows.longOrNull(rs, "in_progress_at"), rs.getLong("expires_at"), Rows.longOrNull(rs, "finalizing_at"),
                Rows.longOrNull(rs, "completed_at"), Rows.longOrNull(rs, "failed_at"), Rows.longOrNull(rs, "expired_at"),
                Rows.longOrNull(rs, "cancelling_at"), Rows.longOrNull(rs, "cancelled_at"), rs.getLong("total_count"),
                rs.getLong("completed_count"), rs.getLong("failed_count"), rs.getLong("input_tokens"),
                rs.getLong("cached_tokens"), rs.getLong("output_tokens"), rs.getLong("reasoning_tokens"));
    }


    private static long orZero(Long v) {
        return v == null ? 0 : v;
    }
}
