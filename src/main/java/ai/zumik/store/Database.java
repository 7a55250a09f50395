package ai.zumik.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The relational store: embedded SQLite in the data directory by default, PostgreSQL when
 * {@code ZUMIK_DATABASE_URL} is set. One set of portable migrations (Flyway) serves both.
 * All calls block: run them on virtual threads or the group-commit thread, never an event loop.
 */
public final class Database implements AutoCloseable {
    public enum Dialect { SQLITE, POSTGRESQL }

    private static final long CHECKPOINT_EVERY_MS = 1_000;

    private final HikariDataSource pool;
    private final Dialect dialect;
    private final String jdbcUrl;
    private final Thread checkpointer;
    /** SQLite only: statements kept per connection (PostgreSQL's driver keeps its own server-side ones). */
    private final SqliteStatements statements;
    private volatile boolean closed;

    private Database(HikariDataSource pool, Dialect dialect, String jdbcUrl) {
        this.pool = pool;
        this.dialect = dialect;
        this.jdbcUrl = jdbcUrl;
        this.statements = dialect == Dialect.SQLITE ? new SqliteStatements() : null;
        this.checkpointer = dialect == Dialect.SQLITE
                ? Thread.ofPlatform().daemon().name("zumik-sqlite-checkpoint").start(this::checkpointLoop) : null;
    }

    /**
     * SQLite in WAL mode: a PASSIVE checkpoint every second copies committed pages into the database
     * file without blocking writers or readers. A passive checkpoint never lets the WAL start over
     * while writes keep coming (a writer rewinds it only when every frame was copied back, and under
     * load another commit always lands during the copy), so on its own the WAL grew without bound:
     * 2.0 GB after 42,000 native-state responses in 80 s (bench/state.sh), every commit paying for
     * the file to grow and every read for a longer WAL index. Past {@value #RESTART_WAL_FRAMES}
     * frames the round also runs a RESTART checkpoint — little is left to copy after the passive
     * one; it holds writers back while it waits (at most {@value #RESTART_WAIT_MS} ms) for readers on
     * the old WAL, then the next commit starts the file over — and {@code journal_size_limit} trims a
     * WAL that overshot.
     */
    private void checkpointLoop() {
        while (!closed) {
            try {
                Thread.sleep(CHECKPOINT_EVERY_MS);
                checkpoint(RESTART_WAL_FRAMES);
            } catch (InterruptedException e) {
                return;
            } catch (SQLException | RuntimeException e) {
                // Busy or closing: the next round tries again.
            }
        }
    }

    /** A WAL this long (32 MiB of 4 KiB pages) is started over at the next checkpoint round. */
    static final int RESTART_WAL_FRAMES = 8_192;
    private static final int RESTART_WAIT_MS = 100;
    private static final int BUSY_TIMEOUT_MS = 10_000;
    /** After a RESTART that a long read kept from finishing, up to this many rounds pass before the next try. */
    static final int MAX_RESTART_BACKOFF = 32;

    /** What one checkpoint round did: the WAL's length in frames before it, and whether it restarted the WAL. */
    record Checkpoint(int frames, Restart restart) {}

    enum Restart {
        /** The WAL was shorter than the restart length. */
        NOT_NEEDED,
        /** Every frame copied back and no reader on the WAL: the next commit starts it over. */
        DONE,
        /** Writers kept the lock, or readers were still on the WAL, all through the wait: tried again next round. */
        BUSY,
        /**
         * A read older than the WAL's end kept frames from being copied back (a long read, an export)
         * all through the wait, with writers held back: the next tries back off.
         */
        READER,
        /** Backing off after {@link #READER}: not tried this round, nobody waited. */
        SKIPPED
    }

    /** Rounds left to skip the RESTART, and the next back-off ({@link #checkpoint} holds the lock). */
    private int restartSkips;
    private int restartBackoff;

    /**
     * One checkpoint round (see {@link #checkpointLoop}). A RESTART that a long read kept from
     * copying the WAL back (a read older than the WAL's end, all through the wait) made every writer
     * wait with it, so the next one is tried only after 1, 2, 4 ... up to {@value #MAX_RESTART_BACKOFF}
     * rounds: a read that lasts a minute stalls writers a handful of times, not once a second. One
     * that never got the write lock from busy writers held nobody back and is tried next round.
     */
    synchronized Checkpoint checkpoint(int restartFrames) throws SQLException {
        try (Connection c = pool.getConnection(); var st = c.createStatement()) {
            int frames;
            try (ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
                frames = rs.next() ? rs.getInt(2) : 0;
            }
            if (frames < restartFrames) return new Checkpoint(frames, Restart.NOT_NEEDED);
            if (restartSkips > 0) {
                restartSkips--;
                return new Checkpoint(frames, Restart.SKIPPED);
            }
            Restart result;
            // Writers wait while it waits for readers: never longer than this.
            st.execute("PRAGMA busy_timeout = " + RESTART_WAIT_MS);
            try (ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(RESTART)")) {
                // busy, frames in the WAL, frames copied back
                if (!rs.next()) result = Restart.BUSY;
                else if (rs.getInt(1) == 0) result = Restart.DONE;
                else result = rs.getInt(3) < rs.getInt(2) ? Restart.READER : Restart.BUSY;
            } catch (SQLException e) {
                if (e.getErrorCode() != 5 /* SQLITE_BUSY */) throw e;
                result = Restart.BUSY;
            } finally {
                st.execute("PRAGMA busy_timeout = " + BUSY_TIMEOUT_MS);
            }
            if (result == Restart.DONE) restartBackoff = 0;
            if (result == Restart.READER) {
                restartBackoff = Math.min(MAX_RESTART_BACKOFF, Math.max(1, restartBackoff * 2));
                restartSkips = restartBackoff;
            }
            return new Checkpoint(frames, result);
        }
    }

    /**
     * Opens (creating if needed) and migrates the database.
     *
     * @param url a {@code jdbc:postgresql:} or {@code postgres://} URL, or null for SQLite under {@code dataDir}
     * @param fsyncEveryCommit SQLite only: {@code synchronous=FULL} instead of {@code NORMAL}
     */
    public static Database open(String url, Path dataDir, boolean fsyncEveryCommit) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("zumik-db");
        Dialect dialect;
        String schema = null;
        if (url == null) {
            dialect = Dialect.SQLITE;
            try {
                Files.createDirectories(dataDir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create data directory " + dataDir, e);
            }
            SQLiteConfig sc = new SQLiteConfig();
            sc.setJournalMode(SQLiteConfig.JournalMode.WAL);
            // NORMAL in WAL mode: a commit survives a process crash (SIGKILL) but may be lost on
            // power failure; FULL fsyncs the WAL on every commit.
            sc.setSynchronous(fsyncEveryCommit ? SQLiteConfig.SynchronousMode.FULL : SQLiteConfig.SynchronousMode.NORMAL);
            sc.setBusyTimeout(BUSY_TIMEOUT_MS);
            sc.enforceForeignKeys(true);
            // Commits never run a checkpoint (which fsyncs and would stall the usage meter's group
            // commit); the checkpointer thread below copies the WAL back in the background instead.
            sc.setPragma(SQLiteConfig.Pragma.WAL_AUTOCHECKPOINT, "0");
            sc.setPragma(SQLiteConfig.Pragma.JOURNAL_SIZE_LIMIT, Long.toString(RESTART_WAL_FRAMES * 4096L));
            SQLiteDataSource ds = new SQLiteDataSource(sc);
            ds.setUrl("jdbc:sqlite:" + dataDir.resolve("zumik.db"));
            hc.setDataSource(ds);
            hc.setMaximumPoolSize(4);
        } else {
            dialect = Dialect.POSTGRESQL;
            String jdbc = toJdbcUrl(url);
            hc.setJdbcUrl(jdbc);
            hc.setMaximumPoolSize(10);
            schema = queryParam(jdbc, "currentSchema");
        }
        hc.setMinimumIdle(1);
        hc.setConnectionTimeout(10_000);
        HikariDataSource pool = new HikariDataSource(hc);
        try {
            var flyway = Flyway.configure()
                    .dataSource(pool)
                    // db/sqlite holds SQLite-only steps, versioned between the shared ones (3.1 ...).
                    .locations(dialect == Dialect.SQLITE
                            ? new String[] {"classpath:db/migration", "classpath:db/sqlite"}
                            : new String[] {"classpath:db/migration"})
                    // SQLite stores a table keyed by its primary key directly; PostgreSQL always does.
                    .placeholders(java.util.Map.of("without_rowid", dialect == Dialect.SQLITE ? "WITHOUT ROWID" : ""))
                    .loggers("slf4j");
            if (schema != null) flyway.schemas(schema).createSchemas(true);
            flyway.load().migrate();
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return new Database(pool, dialect, url == null ? null : toJdbcUrl(url));
    }

    public Dialect dialect() {
        return dialect;
    }

    public DataSource dataSource() {
        return pool;
    }

    public Connection connection() throws SQLException {
        return pool.getConnection();
    }

    /**
     * PostgreSQL only: a connection of its own, outside the pool, for a thread that keeps it (a
     * {@code LISTEN}er); the caller closes it.
     */
    public Connection dedicatedConnection() throws SQLException {
        if (jdbcUrl == null) throw new IllegalStateException("only PostgreSQL has dedicated connections");
        return java.sql.DriverManager.getConnection(jdbcUrl);
    }

    /** Runs {@code work} in one transaction, committing on success and rolling back on failure. */
    public <T> T transaction(SqlWork<T> work) {
        try (Connection c = pool.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /**
     * {@link #transaction} for work that reads and then writes on what it read (a compare-and-swap).
     * On SQLite the transaction takes the write lock when it begins ({@code BEGIN IMMEDIATE}, waiting
     * up to the busy timeout): a deferred one that read first fails at once when another writer
     * committed meanwhile (SQLITE_BUSY_SNAPSHOT, which the busy timeout does not cover). PostgreSQL
     * decides with row locks and needs nothing more.
     */
    public <T> T writeTransaction(SqlWork<T> work) {
        if (dialect == Dialect.POSTGRESQL) return transaction(work);
        try (Connection c = pool.getConnection()) {
            update(c, "BEGIN IMMEDIATE");
            try {
                T result = work.run(c);
                update(c, "COMMIT");
                return result;
            } catch (SQLException | RuntimeException e) {
                update(c, "ROLLBACK");
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /**
     * Runs {@code sql} (a constant: on SQLite each distinct string is kept prepared per connection)
     * with {@code args} bound by {@code setObject}, on the caller's connection; returns its update count.
     */
    public int update(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement kept = statements == null ? null : statements.get(c, sql);
        if (kept == null) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                bind(ps, args);
                return ps.executeUpdate();
            }
        }
        try {
            kept.clearParameters();
            bind(kept, args);
            return kept.executeUpdate(); // sqlite-jdbc resets the statement after it, failed or not
        } catch (SQLException | RuntimeException e) {
            statements.discard(c, sql, kept);
            throw e;
        }
    }

    /**
     * Runs the query {@code sql} (a constant, as for {@link #update}) with {@code args} on the
     * caller's connection and hands its rows to {@code read}; the result set is closed (on SQLite
     * that resets the kept statement, ending its read) before this returns. {@code read} must not
     * keep the result set.
     */
    public <T> T query(Connection c, String sql, RowsWork<T> read, Object... args) throws SQLException {
        PreparedStatement kept = statements == null ? null : statements.get(c, sql);
        if (kept == null) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                bind(ps, args);
                try (ResultSet rs = ps.executeQuery()) {
                    return read.read(rs);
                }
            }
        }
        try {
            kept.clearParameters();
            bind(kept, args);
            try (ResultSet rs = kept.executeQuery()) {
                return read.read(rs);
            }
        } catch (SQLException | RuntimeException e) {
            statements.discard(c, sql, kept);
            throw e;
        }
    }

    private static void bind(PreparedStatement ps, Object[] args) throws SQLException {
        bind(ps, 1, args);
    }

    /**
     * Binds {@code values} from parameter {@code from}; returns the next free index. A null is bound
     * with {@code setNull} (its type left to the server: {@code setObject(i, null)} is not portable
     * across the two drivers), everything else with {@code setObject}.
     */
    static int bind(PreparedStatement ps, int from, Object[] values) throws SQLException {
        int at = from;
        for (Object v : values) {
            if (v == null) ps.setNull(at++, java.sql.Types.NULL);
            else ps.setObject(at++, v);
        }
        return at;
    }

    /** Binds {@code values} from the first parameter (see {@link #bind(PreparedStatement, int, Object[])}). */
    public static void bindAll(PreparedStatement ps, Object... values) throws SQLException {
        bind(ps, 1, values);
    }

    /**
     * One statement on the caller's connection (and transaction), prepared for this call only: for
     * code that holds a bare connection; {@link #update} keeps SQLite's statements prepared.
     */
    public static int execute(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, 1, args);
            return ps.executeUpdate();
        }
    }

    /** The most ids one {@link #selectIn} statement binds. */
    static final int IN_LIST = 500;

    /**
     * Runs {@code select + " IN (?, ...)"} on the caller's connection for {@code ids}, at most
     * {@value #IN_LIST} per statement, with {@code leading} bound before the ids, and hands every
     * row to {@code row}. Nothing runs for no ids.
     */
    public static void selectIn(Connection c, String select, List<String> ids, RowWork row, Object... leading) throws SQLException {
        for (int from = 0; from < ids.size(); from += IN_LIST) {
            List<String> part = ids.subList(from, Math.min(ids.size(), from + IN_LIST));
            try (PreparedStatement ps = c.prepareStatement(select + " IN (" + "?, ".repeat(part.size() - 1) + "?)")) {
                int at = bind(ps, 1, leading);
                for (String id : part) ps.setString(at++, id);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) row.read(rs);
                }
            }
        }
    }

    /** SQLite: how many physical connections have statements kept (for tests). */
    int connectionsWithKeptStatements() {
        return statements == null ? 0 : statements.connections();
    }

    /** Runs {@code work} on a pooled connection in auto-commit mode. */
    public <T> T call(SqlWork<T> work) {
        try (Connection c = pool.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        if (checkpointer != null) {
            checkpointer.interrupt();
            try {
                checkpointer.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try (Connection c = pool.getConnection(); var st = c.createStatement()) {
                st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            } catch (SQLException | RuntimeException e) {
                // Leaving a WAL behind is harmless: SQLite replays it on the next open.
            }
        }
        pool.close();
    }

    /** Accepts JDBC URLs and libpq-style {@code postgres://user:pass@host:port/db?...} URLs. */
    static String toJdbcUrl(String url) {
        if (url.startsWith("jdbc:postgresql:")) return url;
        if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
            URI u = URI.create(url);
            StringBuilder sb = new StringBuilder("jdbc:postgresql://").append(u.getHost());
            if (u.getPort() > 0) sb.append(':').append(u.getPort());
            sb.append(u.getRawPath() == null || u.getRawPath().isEmpty() ? "/postgres" : u.getRawPath());
            String query = u.getRawQuery() == null ? "" : u.getRawQuery();
            if (u.getRawUserInfo() != null) {
                String[] parts = u.getRawUserInfo().split(":", 2);
                query = (query.isEmpty() ? "" : query + "&") + "user=" + parts[0]
                        + (parts.length > 1 ? "&password=" + parts[1] : "");
            }
            return query.isEmpty() ? sb.toString() : sb.append('?').append(query).toString();
        }
        throw new IllegalArgumentException("ZUMIK_DATABASE_URL must be a jdbc:postgresql: or postgres:// URL");
    }

    private static String queryParam(String url, String name) {
        int q = url.indexOf('?');
        if (q < 0) return null;
        for (String kv : url.substring(q + 1).split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0 && kv.substring(0, eq).equals(name)) return kv.substring(eq + 1);
        }
        return null;
    }

    /** A unit of JDBC work. */
    @FunctionalInterface
    public interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    /** Reads one row (see {@link #selectIn}). */
    @FunctionalInterface
    public interface RowWork {
        void read(ResultSet rs) throws SQLException;
    }

    /** Reads a query's rows. */
    @FunctionalInterface
    public interface RowsWork<T> {
        T read(ResultSet rs) throws SQLException;
    }
}
