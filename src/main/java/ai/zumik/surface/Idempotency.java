package ai.zumik.surface;

import ai.zumik.ids.Sha256;
import ai.zumik.http.ApiError;
import ai.zumik.http.Exchange;
import ai.zumik.json.Json;
import ai.zumik.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.Map;

/**
 * {@code Agent-Idempotency-Key} on inference POSTs: a retry of a request that already succeeded
 * gets the stored answer instead of a second run (and a second charge). The key is scoped to the
 * project and the path and lives in the database, so it holds across replicas:
 *
 * <ul>
 *   <li>The first request with a key claims it ({@code running}) and runs. A 2xx answer (a JSON body
 *       or a whole SSE stream, up to 4 MiB) is kept for 24 h; anything else releases the key, so
 *       the client can simply retry.</li>
 *   <li>A retry with the same key and the same body (byte for byte) gets the stored status, content
 *       type, body and {@code Agent-*} headers, with {@code Agent-Idempotent-Replay: true}; nothing
 *       runs, nothing is charged.</li>
 *   <li>The same key with another body: 409 {@code idempotency_conflict}. The same key while the first
 *       request still runs (looked at again for 250 ms, see {@link #claimOrWait}): 409
 *       {@code idempotency_conflict} with {@code Retry-After: 1}. A claim whose
 *       request has not finished in 60 s (its replica died) may be taken over.</li>
 * </ul>
 */
public final class Idempotency {
    public static final String HEADER = "Agent-Idempotency-Key";
    private static final CharSequence REPLAY = HttpHeaders.createOptimized("Agent-Idempotent-Replay");
    static final long RUNNING_MS = 60_000;
    static final long KEPT_MS = 24 * 3_600_000L;
    static final int MAX_STORED = 4 * 1024 * 1024;
    static final long SETTLE_WAIT_MS = 250;

    private sealed interface Claim {
        record Mine() implements Claim {}

        record Replay(int status, String contentType, String headers, String body) implements Claim {}

        record OtherBody() implements Claim {}

        record Running() implements Claim {}
    }

    private final Database db;
    private final Clock clock;

    public Idempotency(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /**
     * Runs {@code proceed} for a request without a key at once; with a key, only if this request
     * claims it (and keeps its answer), else replays or refuses.
     */
    public void guard(Exchange ex, Buffer body, Runnable proceed) {
        String key = ex.request().getHeader(HEADER);
        if (key == null) {
            proceed.run();
            return;
        }
        if (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c > 32 && c < 127)) {
            throw ApiError.invalid(HEADER, "invalid_value", "Invalid '" + HEADER + "': 1 to 255 printable ASCII "
                    + "characters without spaces.").exception();
        }
        String project = ex.principal().projectId();
        String path = ex.request().path();
        String hash = Sha256.hex(body == null ? new byte[0] : body.getBytes());
        ex.offload(() -> claimOrWait(project, path, key, hash), claim -> {
            switch (claim) {
                case Claim.Mine m -> {
                    ex.response().putHeader(REPLAY, "false");
                    ex.capture(MAX_STORED, c -> ex.offload(() -> {
                        settle(project, path, key, c);
                        return null;
                    }, v -> { }));
                    proceed.run();
                }
                case Claim.Replay r -> replay(ex, r);
                case Claim.OtherBody o -> ex.sendError(new ApiError(409, "idempotency_conflict", "idempotency_conflict",
                        HEADER, "This " + HEADER + " was used with a different request body; use a new key for a new "
                        + "request.", null));
                case Claim.Running r -> ex.sendError(new ApiError(409, "idempotency_conflict", "idempotency_conflict",
                        HEADER, "A request with this " + HEADER + " is already in progress. Retry after it completes.", 1L));
            }
        });
    }

    private static void replay(Exchange ex, Claim.Replay r) {
        JsonNode headers = r.headers() == null ? null : parse(r.headers());
        if (headers != null) headers.properties().forEach(h -> ex.response().putHeader(h.getKey(), h.getValue().asText()));
        ex.response().putHeader(REPLAY, "true");
        ex.response().setStatusCode(r.status());
        if (r.contentType() != null) ex.response().putHeader(HttpHeaders.CONTENT_TYPE, r.contentType());
        ex.endStream(Buffer.buffer(r.body()));
    }

    /**
     * {@link #claim}, looking again for up to {@value #SETTLE_WAIT_MS} ms while the key's first
     * request runs: the first answer is kept just after its last byte is sent, so a client that
     * retries the moment it has the answer would otherwise be told "in progress" for an answer that
     * is one commit away. A request still genuinely running is refused after that wait.
     */
    private Claim claimOrWait(String project, String path, String key, String hash) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_WAIT_MS * 1_000_000L;
        while (true) {
            Claim c = claim(project, path, key, hash);
            if (!(c instanceof Claim.Running) || System.nanoTime() > deadline) return c;
            Thread.sleep(25);
        }
    }

    /** Claims the key, or says why not. Blocking. */
    private Claim claim(String project, String path, String key, String hash) {
        long now = clock.millis();
        return db.transaction(c -> {
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO idempotency_keys (project_id, path, idem_key, "
                    + "body_hash, state, created_at, expires_at) VALUES (?, ?, ?, ?, 'running', ?, ?) "
                    + "ON CONFLICT (project_id, path, idem_key) DO NOTHING")) {
                bind(ins, project, path, key);
                ins.setString(4, hash);
                ins.setLong(5, now);
                ins.setLong(6, now + RUNNING_MS);
                if (ins.executeUpdate() == 1) return new Claim.Mine();
            }
            // An expired answer, or a claim whose request never finished, can be taken over.
            try (PreparedStatement take = c.prepareStatement("UPDATE idempotency_keys SET body_hash = ?, state = 'running', "
                    + "response_id = NULL, status = NULL, content_type = NULL, body = NULL, headers = NULL, created_at = ?, "
                    + "expires_at = ? WHERE project_id = ? AND path = ? AND idem_key = ? AND expires_at < ?")) {
                take.setString(1, hash);
                take.setLong(2, now);
                take.setLong(3, now + RUNNING_MS);
                take.setString(4, project);
                take.setString(5, path);
                take.setString(6, key);
                take.setLong(7, now);
                if (take.executeUpdate() == 1) return new Claim.Mine();
            }
            try (PreparedStatement sel = c.prepareStatement("SELECT body_hash, state, status, content_type, headers, body "
                    + "FROM idempotency_keys WHERE project_id = ? AND path = ? AND idem_key = ?")) {
                bind(sel, project, path, key);
                ResultSet rs = sel.executeQuery();
                if (!rs.next()) return new Claim.Running(); // released between the two statements: retry shortly
                if (!hash.equals(rs.getString(1))) return new Claim.OtherBody();
                if (!"done".equals(rs.getString(2))) return new Claim.Running();
                return new Claim.Replay(rs.getInt(3), rs.getString(4), rs.getString(5), rs.getString(6));
            }
        });
    }

    /** Keeps a 2xx answer for replay, or releases the key. Blocking. */
    private void settle(String project, String path, String key, Exchange.Captured c) {
        boolean keep = c.status() >= 200 && c.status() < 300 && c.body() != null;
        db.call(conn -> {
            if (keep) {
                try (PreparedStatement ps = conn.prepareStatement("UPDATE idempotency_keys SET state = 'done', status = ?, "
                        + "content_type = ?, headers = ?, body = ?, response_id = ?, expires_at = ? "
                        + "WHERE project_id = ? AND path = ? AND idem_key = ? AND state = 'running'")) {
                    ps.setInt(1, c.status());
                    ps.setString(2, c.contentType());
                    ObjectNode headers = Json.object();
                    for (Map.Entry<String, String> h : c.agentHeaders().entrySet()) headers.put(h.getKey(), h.getValue());
                    ps.setString(3, Json.text(headers));
                    ps.setString(4, new String(c.body(), StandardCharsets.UTF_8));
                    ps.setString(5, c.agentHeaders().get("Agent-Response-Id"));
                    ps.setLong(6, clock.millis() + KEPT_MS);
                    ps.setString(7, project);
                    ps.setString(8, path);
                    ps.setString(9, key);
                    return ps.executeUpdate();
                }
            }
            try (PreparedStatement ps = conn.prepareStatement("DELETE FROM idempotency_keys "
                    + "WHERE project_id = ? AND path = ? AND idem_key = ? AND state = 'running'")) {
                bind(ps, project, path, key);
                return ps.executeUpdate();
            }
        });
    }

    /** Deletes answers kept past their 24 h (called every few minutes off the event loops). */
    public void purgeExpired() {
        long cutoff = clock.millis() - 3_600_000L;
        db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM idempotency_keys WHERE expires_at < ?")) {
                ps.setLong(1, cutoff);
                return ps.executeUpdate();
            }
        });
    }

    private static void bind(PreparedStatement ps, String project, String path, String key) throws java.sql.SQLException {
        ps.setString(1, project);
        ps.setString(2, path);
        ps.setString(3, key);
    }

    private static JsonNode parse(String json) {
        try {
            return Json.parse(json.getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
