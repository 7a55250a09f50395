package ai.zumik.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.UUID;

/**
 * The database a store-level test runs on: {@code "sqlite"} (a null URL: the data directory's
 * file) or {@code "postgresql"} (a fresh schema on the local server, dropped on close). Close it
 * after the {@code Database} opened on it, i.e. declare it first in the try-with-resources.
 */
public final class TestStore implements AutoCloseable {
    public static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    private final String schema;

    private TestStore(String schema) {
        this.schema = schema;
    }

    public static TestStore of(String store) {
        return new TestStore(store.equals("sqlite") ? null
                : "zumik_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
    }

    /** The URL for {@code Database.open}: null on SQLite. */
    public String url() {
        return schema == null ? null : SERVER + "&currentSchema=" + schema;
    }

    @Override
    public void close() throws SQLException {
        if (schema == null) return;
        try (Connection c = DriverManager.getConnection(SERVER)) {
            c.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
