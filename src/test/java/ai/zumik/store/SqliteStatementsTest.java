package ai.zumik.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQLite statements kept prepared per connection ({@link Database#query}, {@link Database#update}):
 * a kept statement never pins an old snapshot, survives schema changes, dies with its connection,
 * is forgotten when it fails, and is never used by two threads at once.
 */
@Timeout(60)
class SqliteStatementsTest {
    private static final String FIRST_OF_ALL = "SELECT v FROM kv ORDER BY id";
    private static final String ONE = "SELECT v FROM kv WHERE id = ?";
    private static final String SET = "UPDATE kv SET v = ? WHERE id = ?";

    private static Database open(Path dir) {
        Database db = Database.open(null, dir, false);
        db.call(c -> {
            c.createStatement().executeUpdate("CREATE TABLE kv (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
            c.createStatement().executeUpdate("INSERT INTO kv (id, v) VALUES (1, 'one'), (2, 'two'), (3, 'three')");
            return null;
        });
        return db;
    }

    private static String one(Database db, java.sql.Connection c, long id) throws SQLException {
        return db.query(c, ONE, rs -> rs.next() ? rs.getString(1) : null, id);
    }

    private static String read(Database db, long id) {
        return db.call(c -> one(db, c, id));
    }

    private static int updated(Database db, String value, long id) {
        return db.call(c -> db.update(c, SET, value, id));
    }

    @Test
    void aKeptQueryThatStoppedAfterItsFirstRowDoesNotPinItsConnectionsSnapshot(@TempDir Path dir) {
        try (Database db = open(dir)) {
            String seen = db.call(c -> {
                // Reads one row of three and stops: unless the statement is reset, its read
                // transaction stays open and this connection keeps seeing the database as it was.
                String first = db.query(c, FIRST_OF_ALL, rs -> rs.next() ? rs.getString(1) : null);
                assertThat(first).isEqualTo("one");
                db.call(other -> db.update(other, SET, "uno", 1L)); // another connection commits
                return one(db, c, 1);
            });
            assertThat(seen).isEqualTo("uno");
            // And a checkpoint can copy everything back: no reader holds the WAL.
            int busy = db.call(c -> db.query(c, "PRAGMA wal_checkpoint(TRUNCATE)", rs -> {
                rs.next();
                return rs.getInt(1);
            }));
            assertThat(busy).isZero();
        }
    }

    @Test
    void aKeptStatementFollowsSchemaChangesMadeOnAnotherConnection(@TempDir Path dir) {
        try (Database db = open(dir)) {
            db.call(c -> {
                assertThat(one(db, c, 2)).isEqualTo("two");
                db.call(other -> {
                    other.createStatement().executeUpdate("ALTER TABLE kv ADD COLUMN extra TEXT");
                    other.createStatement().executeUpdate("CREATE INDEX kv_v ON kv (v)");
                    return null;
                });
                assertThat(one(db, c, 2)).isEqualTo("two");
                db.call(other -> {
                    other.createStatement().executeUpdate("DROP TABLE kv");
                    other.createStatement().executeUpdate("CREATE TABLE kv (v TEXT NOT NULL, id INTEGER PRIMARY KEY)");
                    other.createStatement().executeUpdate("INSERT INTO kv (v, id) VALUES ('deux', 2)");
                    return null;
                });
                assertThat(one(db, c, 2)).isEqualTo("deux");
                int changed = db.update(c, SET, "zwei", 2L);
                assertThat(changed).isEqualTo(1);
                assertThat(one(db, c, 2)).isEqualTo("zwei");
                return null;
            });
        }
    }

    @Test
    void statementsOfAConnectionThePoolClosedAreNeverUsedAgain(@TempDir Path dir) throws Exception {
        try (Database db = open(dir)) {
            var pool = ((HikariDataSource) db.dataSource()).getHikariPoolMXBean();
            for (int i = 0; i < 12; i++) {
                long id = 1 + i % 3;
                assertThat(read(db, id)).isNotNull();
                assertThat(updated(db, "v" + id, id)).isEqualTo(1);
                pool.softEvictConnections(); // closes every idle physical connection (and their statements)
                Thread.sleep(20);
            }
            assertThat(read(db, 3)).isEqualTo("v3");
            // Maps of closed connections are dropped as new connections arrive.
            assertThat(db.connectionsWithKeptStatements()).isLessThanOrEqualTo(4);
        }
    }

    @Test
    void aStatementThatFailedIsForgottenAndTheNextUseWorks(@TempDir Path dir) {
        String insert = "INSERT INTO kv (id, v) VALUES (?, ?)";
        try (Database db = open(dir)) {
            db.call(c -> {
                int four = db.update(c, insert, 4L, "four");
                assertThat(four).isEqualTo(1);
                assertThatThrownBy(() -> db.update(c, insert, 4L, "again")).isInstanceOf(SQLException.class);
                int five = db.update(c, insert, 5L, "five");
                assertThat(five).isEqualTo(1);
                assertThatThrownBy(() -> db.query(c, ONE, rs -> {
                    throw new IllegalStateException("reader failed");
                }, 1L)).isInstanceOf(IllegalStateException.class);
                assertThat(one(db, c, 5)).isEqualTo("five");
                return null;
            });
            // A write transaction that fails rolls back through the kept ROLLBACK, and the next one commits.
            assertThatThrownBy(() -> db.writeTransaction(c -> {
                db.update(c, SET, "lost", 1L);
                return db.update(c, insert, 5L, "duplicate");
            })).isInstanceOf(StoreException.class);
            int kept = db.writeTransaction(c -> db.update(c, SET, "kept", 1L));
            assertThat(kept).isEqualTo(1);
            assertThat(read(db, 1)).isEqualTo("kept");
        }
    }

    @Test
    void readModifyWriteFromManyThreadsLosesNoUpdate(@TempDir Path dir) throws Exception {
        try (Database db = open(dir); var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            db.call(c -> db.update(c, SET, "0", 1L));
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                fs.add(threads.submit(() -> {
                    for (int i = 0; i < 100; i++) {
                        db.writeTransaction(c -> db.update(c, SET, Long.toString(Long.parseLong(one(db, c, 1)) + 1), 1L));
                    }
                    return null;
                }));
            }
            for (var f : fs) f.get();
            assertThat(read(db, 1)).isEqualTo("800");
        }
    }

    @Test
    void beyondTheCapStatementsArePreparedPerUseAndStillWork(@TempDir Path dir) {
        try (Database db = open(dir)) {
            db.call(c -> {
                for (int round = 0; round < 2; round++) {
                    for (int i = 0; i < SqliteStatements.MAX_PER_CONNECTION + 10; i++) {
                        int got = db.query(c, "SELECT v, " + i + " FROM kv WHERE id = ?", rs -> rs.next() ? rs.getInt(2) : -1, 1L);
                        assertThat(got).isEqualTo(i);
                    }
                }
                return null;
            });
        }
    }
}
