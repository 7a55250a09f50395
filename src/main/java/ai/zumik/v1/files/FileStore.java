package ai.zumik.v1.files;

import ai.zumik.http.ApiError;
import ai.zumik.ids.Ids;
import ai.zumik.store.Database;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files: their rows (tenant-scoped: every read names the project, so another project's file is
 * simply not found) and their content ({@link FileContents}). A file is written in three steps —
 * its row claims its place ({@code uploading}, counted against the project's limits at once), the
 * content is stored, then the row is published ({@code processed}) — so a file is either wholly
 * there or invisible. Blocking: call from virtual threads.
 */
public final class FileStore {
    private static final Logger LOG = LoggerFactory.getLogger(FileStore.class);
    private static final String COLUMNS = "id, project_id, purpose, filename, bytes, created_at, expires_at";
    /** A row still {@code uploading} after this long was abandoned by a crash. */
    static final long ABANDONED_AFTER_MS = 3_600_000;

    /**
     * What a project may keep of uploaded files (output files do not count).
     *
     * @param maxFileBytes one file
     * @param projectMaxFiles files of purpose {@code batch}
     * @param projectMaxBytes their bytes together
     */
    public record Limits(long maxFileBytes, int projectMaxFiles, long projectMaxBytes) {}

    /** A file whose content is stored but which is not visible yet (see {@link #publish}). */
    public record Pending(String id, long bytes) {}

    private final Database db;
    private final FileContents contents;
    private final Clock clock;
    private final Limits limits;

    public FileStore(Database db, Path dataDir, Clock clock, Limits limits) {
        this.db = db;
        this.contents = FileContents.of(db, dataDir);
        this.clock = clock;
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    /**
     * Uploads a file of purpose {@code batch}: refused with a 400 naming {@code file} when the
     * project's file count or bytes would pass their limits.
     */
    public FileObject upload(String projectId, String filename, long bytes, Long expiresAtMs,
                             FileContents.Writer writer) throws IOException {
        Pending p = store(projectId, FileObject.BATCH, filename, bytes, expiresAtMs, writer);
        db.call(c -> {
            publish(c, p);
            return null;
        });
        return find(projectId, p.id()).orElseThrow();
    }

    /**
     * Claims a row and stores the content; the file stays invisible until {@link #publish}ed.
     * {@code declaredBytes} is what the limits are checked against (uploads know it; outputs pass 0).
     */
    public Pending store(String projectId, String purpose, String filename, long declaredBytes, Long expiresAtMs,
                         FileContents.Writer writer) throws IOException {
        long now = clock.millis();
        String id = Ids.nextHex24(FileObject.PREFIX, now);
        db.transaction(c -> {
            if (FileObject.BATCH.equals(purpose)) checkLimits(c, projectId, declaredBytes);
            Database.execute(c, "INSERT INTO files (" + COLUMNS + ", status) VALUES (?, ?, ?, ?, ?, ?, ?, 'uploading')",
                    id, projectId, purpose, filename, declaredBytes, now, expiresAtMs);
            return null;
        });
        try {
            return new Pending(id, contents.write(id, writer));
        } catch (IOException | RuntimeException e) {
            discard(id);
            throw e;
        }
    }

    /** Makes a stored file visible, inside the caller's transaction. */
    public void publish(Connection c, Pending p) throws SQLException {
        Database.execute(c, "UPDATE files SET status = 'processed', bytes = ? WHERE id = ? AND status = 'uploading'", p.bytes(), p.id());
    }

    /** Removes a file that was stored but never published (its batch could not be finished). */
    public void discard(Pending p) {
        discard(p.id());
    }

    private void discard(String id) {
        try {
            db.call(c -> Database.execute(c, "DELETE FROM files WHERE id = ?", id));
        } finally {
            contents.delete(id);
        }
    }

    /**
     * The limits, checked with the project's row locked (a no-op update: a row lock on PostgreSQL,
     * the write lock on SQLite), so two uploads at once cannot both pass on the same free space.
     */
    private void checkLimits(Connection c, String projectId, long bytes) throws SQLException {
        Database.execute(c, "UPDATE projects SET updated_at = updated_at WHERE id = ?", projectId);
        long files;
        long used;
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM files "
                + "WHERE project_id = ? AND purpose = ?")) {
            ps.setString(1, projectId);
            ps.setString(2, FileObject.BATCH);
            ResultSet rs = ps.executeQuery();
            rs.next();
            files = rs.getLong(1);
            used = rs.getLong(2);
        }
        if (files + 1 > limits.projectMaxFiles()) {
            throw ApiError.invalid("file", "files_limit_exceeded", "This project already has " + files
                    + " uploaded files, the most it may keep (" + limits.projectMaxFiles()
                    + "); delete some before uploading more.").exception();
        }
        if (used + bytes > limits.projectMaxBytes()) {
            throw ApiError.invalid("file", "storage_limit_exceeded", "This upload of " + bytes + " bytes would bring "
                    + "the project's uploaded files to " + (used + bytes) + " bytes, over its limit of "
                    + limits.projectMaxBytes() + " bytes; delete some files first.").exception();
        }
    }

    /** A visible, unexpired file of {@code projectId}; empty for another project's file, exactly as for none. */
    public Optional<FileObject> find(String projectId, String id) {
        if (!Ids.isValidHex24(id, FileObject.PREFIX)) return Optional.empty();
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM files WHERE id = ? "
                    + "AND project_id = ? AND status = 'processed' AND (expires_at IS NULL OR expires_at > ?)")) {
                ps.setString(1, id);
                ps.setString(2, projectId);
                ps.setLong(3, clock.millis());
                ResultSet rs = ps.executeQuery();
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        });
    }

    /**
     * A page of the project's files in id (= creation) order, {@code limit + 1} rows so the caller
     * can tell whether there are more; {@code after} is the previous page's last id.
     */
    public List<FileObject> list(String projectId, String purpose, String after, int limit, boolean ascending) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM files WHERE project_id = ? "
                + "AND status = 'processed' AND (expires_at IS NULL OR expires_at > ?)");
        List<Object> args = new ArrayList<>(List.of(projectId, clock.millis()));
        if (purpose != null) {
            sql.append(" AND purpose = ?");
            args.add(purpose);
        }
        if (after != null) {
            sql.append(ascending ? " AND id > ?" : " AND id < ?");
            args.add(after);
        }
        sql.append(" ORDER BY id ").append(ascending ? "ASC" : "DESC").append(" LIMIT ").append(limit + 1);
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                Database.bindAll(ps, args.toArray());
                ResultSet rs = ps.executeQuery();
                List<FileObject> out = new ArrayList<>();
                while (rs.next()) out.add(read(rs));
                return out;
            }
        });
    }

    /** Deletes a file of {@code projectId}; false when there is none. */
    public boolean delete(String projectId, String id) {
        if (!Ids.isValidHex24(id, FileObject.PREFIX)) return false;
        boolean deleted = db.call(c -> Database.execute(c, "DELETE FROM files WHERE id = ? AND project_id = ? AND status = 'processed'",
                id, projectId)) > 0;
        if (deleted) contents.delete(id);
        return deleted;
    }

    /** Deletes every file of {@code projectId}, whatever its state, with its content (a project purge); returns how many. */
    public long purgeProject(String projectId) {
        List<String> ids = db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM files WHERE project_id = ?")) {
                ps.setString(1, projectId);
                ResultSet rs = ps.executeQuery();
                List<String> out = new ArrayList<>();
                while (rs.next()) out.add(rs.getString(1));
                return out;
            }
        });
        for (String id : ids) {
            if (db.call(c -> Database.execute(c, "DELETE FROM files WHERE id = ? AND project_id = ?", id, projectId)) > 0) contents.delete(id);
        }
        return ids.size();
    }

    public InputStream open(FileObject f) throws IOException {
        return contents.open(f.id());
    }

    /** Deletes expired files and uploads a crash abandoned; returns how many. Safe on every replica at once. */
    public int sweep() {
        long now = clock.millis();
        List<String> ids = db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM files WHERE (expires_at IS NOT NULL AND "
                    + "expires_at <= ?) OR (status = 'uploading' AND created_at < ?) LIMIT 1000")) {
                ps.setLong(1, now);
                ps.setLong(2, now - ABANDONED_AFTER_MS);
                ResultSet rs = ps.executeQuery();
                List<String> out = new ArrayList<>();
                while (rs.next()) out.add(rs.getString(1));
                return out;
            }
        });
        for (String id : ids) {
            if (db.call(c -> Database.execute(c, "DELETE FROM files WHERE id = ?", id)) > 0) contents.delete(id);
        }
        if (!ids.isEmpty()) LOG.info("removed {} expired or abandoned files", ids.size());
        return ids.size();
    }

    /** At start on the embedded store (one node): content whose row is gone is removed. */
    public void removeOrphans() {
        if (db.dialect() != Database.Dialect.SQLITE) return;
        Set<String> known = db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM files")) {
                ResultSet rs = ps.executeQuery();
                Set<String> out = new HashSet<>();
                while (rs.next()) out.add(rs.getString(1));
                return out;
            }
        });
        contents.removeOrphans(known);
    }

    private static FileObject read(ResultSet rs) throws SQLException {
        long expires = rs.getLong("expires_at");
        return new FileObject(rs.getString("id"), rs.getString("project_id"), rs.getString("purpose"),
                rs.getString("filename"), rs.getLong("bytes"), rs.getLong("created_at"), rs.wasNull() ? null : expires);
    }
}
