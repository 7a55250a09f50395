package ai.zumik.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.sqlite.SQLiteConnection;

/**
 * SQLite prepared statements kept per physical connection: sqlite-jdbc compiles a statement's SQL
 * each time it is prepared (27 µs for the turn's head query on the bench's database, against 9 µs
 * reused), and Hikari closes the statements prepared through its proxy when the connection goes
 * back to the pool. These are prepared on the unwrapped {@link SQLiteConnection}, so they outlive
 * the loan and are used again by whoever borrows that connection next; the pool hands a connection
 * to one thread at a time (with a happens-before edge), so each connection's map is only ever
 * touched by the thread that holds it.
 *
 * <p>When the pool closes a physical connection, SQLite finalizes its statements: that
 * connection's map is never looked up again (a new connection is a new key) and is dropped the next
 * time a new connection arrives. A statement that failed is closed and forgotten. SQLite itself
 * re-prepares a statement whose schema changed ({@code sqlite3_prepare_v2}). Callers reset each
 * statement after use (close its result set; an update resets itself), so a cached statement never
 * holds a read transaction open between uses — which would pin an old snapshot for the connection's
 * later reads and stop checkpoints.
 */
final class SqliteStatements {
    /** Statements kept per connection; beyond it a statement is prepared and closed per use. Only constant SQL belongs here. */
    static final int MAX_PER_CONNECTION = 64;

    private final ConcurrentHashMap<SQLiteConnection, Map<String, PreparedStatement>> byConnection = new ConcurrentHashMap<>();

    /**
     * The kept statement for {@code sql} on {@code c}'s physical connection (prepared now if it has
     * none), or null when that connection keeps {@value #MAX_PER_CONNECTION} already.
     */
    PreparedStatement get(Connection c, String sql) throws SQLException {
        SQLiteConnection physical = c.unwrap(SQLiteConnection.class);
        Map<String, PreparedStatement> kept = byConnection.get(physical);
        if (kept == null) {
            byConnection.keySet().removeIf(SqliteStatements::closed);
            kept = new HashMap<>();
            byConnection.put(physical, kept);
        }
        PreparedStatement ps = kept.get(sql);
        if (ps != null && !ps.isClosed()) return ps;
        if (ps == null && kept.size() >= MAX_PER_CONNECTION) return null;
        ps = physical.prepareStatement(sql);
        kept.put(sql, ps);
        return ps;
    }

    /** Closes and forgets {@code ps} (it failed: whatever state it is in, the next use prepares afresh). */
    void discard(Connection c, String sql, PreparedStatement ps) {
        try {
            Map<String, PreparedStatement> kept = byConnection.get(c.unwrap(SQLiteConnection.class));
            if (kept != null) kept.remove(sql, ps);
            ps.close();
        } catch (SQLException | RuntimeException e) {
            // Closing a failed statement of a broken connection may fail too: it is forgotten either way.
        }
    }

    /** Physical connections with statements kept (for tests). */
    int connections() {
        return byConnection.size();
    }

    private static boolean closed(SQLiteConnection c) {
        try {
            return c.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }
}
