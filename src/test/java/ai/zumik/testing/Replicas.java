package ai.zumik.testing;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Two Zumik processes on one PostgreSQL schema of their own (127.0.0.1:5432, database {@code test}),
 * started one at a time (both would race to create the schema); closing stops both and drops the
 * schema. What every multi-replica test needs, whatever it then checks.
 */
public final class Replicas implements AutoCloseable {
    public static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    public final ZumikProcess a;
    public final ZumikProcess b;
    private final String schema;

    private Replicas(ZumikProcess a, ZumikProcess b, String schema) {
        this.a = a;
        this.b = b;
        this.schema = schema;
    }

    /** @param env the replicas' environment; {@code ZUMIK_DATABASE_URL} is added */
    public static Replicas start(String name, Map<String, String> env) throws Exception {
        String schema = "zumik_" + name + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        Map<String, String> all = new HashMap<>(env);
        all.put("ZUMIK_DATABASE_URL", SERVER + "&currentSchema=" + schema);
        ZumikProcess a = null;
        try {
            a = ZumikProcess.start(Files.createTempDirectory("zumik-" + name + "-a-"), "server.log", all, List.of()).awaitHealthy();
            ZumikProcess b = ZumikProcess.start(Files.createTempDirectory("zumik-" + name + "-b-"), "server.log", all, List.of())
                    .awaitHealthy();
            return new Replicas(a, b, schema);
        } catch (Exception | Error e) {
            if (a != null) a.close();
            drop(schema);
            throw e;
        }
    }

    /** A JDBC URL on the replicas' schema, for a test that reads what they wrote. */
    public String jdbcUrl() {
        return SERVER + "&currentSchema=" + schema;
    }

    @Override
    public void close() throws Exception {
        try {
            a.close();
            b.close();
        } finally {
            drop(schema);
        }
    }

    private static void drop(String schema) throws Exception {
        try (Connection c = DriverManager.getConnection(SERVER)) {
            c.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
