package ai.zumik.store;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.metering.UsageEvent;
import ai.zumik.metering.UsageMeter;
import ai.zumik.metering.UsageQueries;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A database made by an older Zumik is carried forward with its rows (SQLite-only steps included). */
class SqliteMigrationTest {
    @Test
    void usageEventsBecomeARowidTableAndKeepEveryRow(@TempDir Path dir) throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("zumik.db");
        // The database as the release before the SQLite-only step left it (shared migrations up to 3).
        Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration")
                .placeholders(java.util.Map.of("without_rowid", "WITHOUT ROWID")).target("3").load().migrate();
        try (Connection c = DriverManager.getConnection(url)) {
            assertThat(tableSql(c)).contains("WITHOUT ROWID");
            c.createStatement().execute("INSERT INTO usage_events (project_id, response_id, trace_id, key_id, endpoint, "
                    + "requested_model, execution_mode, execution_profile, stream, status, outcome, latency_ms, created_at, "
                    + "decision, charged) VALUES ('prj_1', 'resp_1', 'trc_1', 'key_1', '/v1/chat/completions', 'gpt-4o-mini', "
                    + "'live', 'managed_provider', 0, 200, 'completed', 12, 1700000000000, '{\"d\":1}', 0)");
        }

        try (Database db = Database.open(null, dir, false)) {
            List<String> rows = db.call(c -> {
                List<String> out = new ArrayList<>();
                ResultSet rs = c.createStatement().executeQuery(
                        "SELECT response_id, decision, charged, latency_ms FROM usage_events");
                while (rs.next()) out.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getInt(3) + " " + rs.getLong(4));
                return out;
            });
            assertThat(rows).containsExactly("resp_1 {\"d\":1} 0 12");
            // A row from before decision templates keeps its whole decision and reads back as it was.
            try (UsageMeter meter = new UsageMeter(db, null)) {
                UsageEvent old = new UsageQueries(db, meter).byResponse("prj_1", "resp_1");
                assertThat(old.decisionTemplate()).isNull();
                assertThat(old.routingDecision()).isEqualTo("{\"d\":1}");
            }
            String sql = db.call(SqliteMigrationTest::tableSql);
            assertThat(sql).doesNotContain("WITHOUT ROWID").contains("PRIMARY KEY (project_id, response_id)");
            // The key still refuses a second row for the same response.
            boolean refused = db.call(c -> {
                try {
                    c.createStatement().execute("INSERT INTO usage_events (project_id, response_id, trace_id, key_id, "
                            + "endpoint, requested_model, execution_mode, execution_profile, stream, status, outcome, "
                            + "latency_ms, created_at) VALUES ('prj_1', 'resp_1', 't', 'k', 'e', 'm', 'live', 'p', 0, 200, "
                            + "'completed', 1, 1)");
                    return false;
                } catch (java.sql.SQLException e) {
                    return true;
                }
            });
            assertThat(refused).isTrue();
        }
    }

    private static String tableSql(Connection c) throws java.sql.SQLException {
        ResultSet rs = c.createStatement().executeQuery("SELECT sql FROM sqlite_master WHERE name = 'usage_events'");
        return rs.next() ? rs.getString(1) : "";
    }
}
