package ai.zumik.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.zumik.testing.TestStore;
import java.nio.file.Path;
import java.sql.ResultSet;
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

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void aPipelineIsAllOrNothingAndCountsEachStatement(String store, @TempDir Path dir) throws Exception {
        try (TestStore on = TestStore.of(store); Database db = Database.open(on.url(), dir, false)) {
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
