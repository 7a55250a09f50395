import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.UUID;

/**
 * What PostgreSQL itself costs a request on this machine, with no Zumik in between: the floor
 * under a native-state turn's time on PostgreSQL (issue 13, item 8). One connection, pgjdbc,
 * loopback, one thing at a time; each measured N times after N / 2 unrecorded:
 * <ul>
 *   <li>round trip: a prepared {@code SELECT 1};</li>
 *   <li>read: the turn's head query shape (three tables joined on primary keys);</li>
 *   <li>commit: one auto-committed insert of a 1.1 KB row (a usage event's size) — one WAL flush;</li>
 *   <li>turn: what a turn on PostgreSQL waits for in a row — the read, the usage event's commit, and
 *       the turn's record (a four-statement batch committed at its Sync).</li>
 * </ul>
 * Usage: {@code java -cp zumik.jar:classes PgFloor JDBC-URL [N]}; it works in a fresh schema and drops it.
 */
public final class PgFloor {
    public static void main(String[] args) throws Exception {
        String url = args[0];
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
        String schema = "zumik_pg_floor_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        try (Connection c = DriverManager.getConnection(url)) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA " + schema);
                s.execute("SET search_path = " + schema);
                s.execute("CREATE TABLE a (id TEXT PRIMARY KEY, project TEXT, head TEXT, version BIGINT)");
                s.execute("CREATE TABLE b (id TEXT PRIMARY KEY, bundles TEXT)");
                s.execute("CREATE TABLE p (id TEXT PRIMARY KEY, generation BIGINT)");
                s.execute("CREATE TABLE u (id TEXT PRIMARY KEY, body TEXT)");
                s.execute("INSERT INTO a VALUES ('br', 'prj', 'evt', 50)");
                s.execute("INSERT INTO b VALUES ('ses', '[\"bnd\"]')");
                s.execute("INSERT INTO p VALUES ('prj', 0)");
            }
            String body = "x".repeat(1100);
            try (PreparedStatement one = c.prepareStatement("SELECT 1");
                 PreparedStatement head = c.prepareStatement("SELECT a.head, a.version, b.bundles, p.generation FROM a "
                         + "JOIN b ON b.id = 'ses' LEFT JOIN p ON p.id = a.project WHERE a.id = ?");
                 PreparedStatement insert = c.prepareStatement("INSERT INTO u VALUES (?, ?)")) {
                head.setString(1, "br");
                Probe rtt = () -> { try (ResultSet rs = one.executeQuery()) { rs.next(); } };
                Probe read = () -> { try (ResultSet rs = head.executeQuery()) { rs.next(); } };
                Probe commit = () -> {
                    insert.setString(1, UUID.randomUUID().toString());
                    insert.setString(2, body);
                    insert.executeUpdate();
                };
                Probe record = () -> {
                    for (int i = 0; i < 4; i++) {
                        insert.setString(1, UUID.randomUUID().toString());
                        insert.setString(2, body);
                        insert.addBatch();
                    }
                    insert.executeBatch();
                };
                Probe turn = () -> { read.run(); commit.run(); record.run(); };
                System.out.println("- round trip (SELECT 1): " + measure(rtt, n));
                System.out.println("- the head read: " + measure(read, n));
                System.out.println("- one durable commit (1.1 KB insert): " + measure(commit, n));
                System.out.println("- a turn's waits in a row (read, usage commit, four-row record commit): " + measure(turn, n));
            } finally {
                try (Statement s = c.createStatement()) {
                    s.execute("DROP SCHEMA " + schema + " CASCADE");
                }
            }
        }
    }

    interface Probe {
        void run() throws Exception;
    }

    private static String measure(Probe p, int n) throws Exception {
        for (int i = 0; i < n / 2; i++) p.run();
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            long s = System.nanoTime();
            p.run();
            t[i] = System.nanoTime() - s;
        }
        Arrays.sort(t);
        double mean = Arrays.stream(t).average().orElse(0) / 1e3;
        return String.format("p50 %d µs, p90 %d µs, mean %.0f µs (%d)", t[n / 2] / 1000, t[n * 9 / 10] / 1000, mean, n);
    }
}
