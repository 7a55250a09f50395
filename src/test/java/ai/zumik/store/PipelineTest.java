package ai.zumik.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A pipeline run atomically is all or nothing on both stores — on PostgreSQL without an explicit
 * transaction, by the implicit one its statements share up to their single Sync — and reports each
 * statement's update count in order.
 */
@Tag("postgres")
@Timeout(60)
class PipelineTest {
    private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void aPipelineIsAllOrNothingAndCountsEachStatement(String store, @TempDir Path dir) throws Exception {
        String schema = "zumik_pipe_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String url = store.equals("sqlite") ? null : SERVER + "&currentSchema=" + schema;
        try (Database db = Database.open(url, dir, false)) {
            db.call(c -> c.createStatement().executeUpdate("INSERT INTO projects (id, name, created_at) VALUES ('p1', 'one', 1)"));
            String rename = "UPDATE projects SET name = ? WHERE id = ?";
            String insert = "INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)";

            int[] counts = new Pipeline(db).add(rename, "uno", "p1").add(rename, "none", "p9").add(insert, "p2", "two", 2L)
                    .runAtomically();
            assertThat(counts).containsExactly(1, 0, 1);
            assertThat(names(db)).isEqualTo("p1=uno,p2=two");

            Pipeline failing = new Pipeline(db).add(rename, "changed", "p1").add(insert, "p3", "three", 3L)
                    .add(insert, "p2", "again", 4L); // a duplicate key: the whole pipeline rolls back
            assertThatThrownBy(() -> failing.runAtomically()).isInstanceOf(StoreException.class);
            assertThat(names(db)).isEqualTo("p1=uno,p2=two");
        } finally {
            if (url != null) {
                try (Connection c = DriverManager.getConnection(SERVER)) {
                    c.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                }
            }
        }
    }

    private static String names(Database db) {
        return db.call(c -> {
            StringBuilder sb = new StringBuilder();
            try (ResultSet rs = c.createStatement().executeQuery("SELECT id, name FROM projects WHERE id LIKE 'p_' ORDER BY id")) {
                while (rs.next()) sb.append(sb.isEmpty() ? "" : ",").append(rs.getString(1)).append('=').append(rs.getString(2));
            }
            return sb.toString();
        });
    }
}
