package ai.zumik.v1.responses;

import ai.zumik.http.ApiError;
import ai.zumik.json.Json;
import ai.zumik.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Stored /v1 Response objects (table {@code v1_responses}), tenant-scoped: every read names the
 * project, so another project's id is simply not found. All methods block; callers run them off
 * the event loop.
 */
final class StoredResponses {
    /** How many earlier turns a {@code previous_response_id} chain may reach back. */
    static final int MAX_CHAIN = 1000;

    /** One stored response: its input items and its Response object. */
    record Stored(String id, String responseId, String previousId, String status, ArrayNode inputItems, ObjectNode response) {}

    private final Database db;

    StoredResponses(Database db) {
        this.db = db;
    }

    /** Inserts the row, or replaces its status and object when it exists (a background response finishing). */
    void save(String project, Stored s) {
        insert(project, s, "DO UPDATE SET status = excluded.status, response = excluded.response");
    }

    /** Inserts the row unless it already exists (a background response that finished first keeps its end). */
    void saveIfAbsent(String project, Stored s) {
        insert(project, s, "DO NOTHING");
    }

    private void insert(String project, Stored s, String onConflict) {
        db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO v1_responses (id, project_id, response_id, previous_id, "
                    + "status, created_at, input_items, response) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) " + onConflict)) {
                ps.setString(1, s.id());
                ps.setString(2, project);
                ps.setString(3, s.responseId());
                ps.setString(4, s.previousId());
                ps.setString(5, s.status());
                ps.setLong(6, s.response().path("created_at").asLong());
                ps.setString(7, Json.text(s.inputItems()));
                ps.setString(8, Json.text(s.response()));
                return ps.executeUpdate();
            }
        });
    }

    /** Sets the status of a response still {@code queued} or {@code in_progress}; false when it had ended. */
    boolean endIfRunning(String project, String id, ObjectNode response) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE v1_responses SET status = ?, response = ? "
                    + "WHERE project_id = ? AND id = ? AND status IN ('queued', 'in_progress')")) {
                ps.setString(1, response.path("status").asText());
                ps.setString(2, Json.text(response));
                ps.setString(3, project);
                ps.setString(4, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    Optional<Stored> find(String project, String id) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, response_id, previous_id, status, input_items, response "
                    + "FROM v1_responses WHERE project_id = ? AND id = ?")) {
                ps.setString(1, project);
                ps.setString(2, id);
                ResultSet rs = ps.executeQuery();
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        });
    }

    boolean delete(String project, String id) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM v1_responses WHERE project_id = ? AND id = ?")) {
                ps.setString(1, project);
                ps.setString(2, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /**
     * The conversation up to and including {@code id}: for each turn, oldest first, its input items
     * followed by its output items.
     *
     * @throws ai.zumik.http.ApiException 400 naming {@code previous_response_id} when a link is missing
     */
    List<ArrayNode> chain(String project, String id) {
        List<ArrayNode> turns = new ArrayList<>();
        String next = id;
        while (next != null) {
            if (turns.size() >= MAX_CHAIN) {
                throw ApiError.invalid("previous_response_id", "invalid_value", "Invalid 'previous_response_id': the "
                        + "conversation is longer than " + MAX_CHAIN + " responses.").exception();
            }
            String wanted = next;
            Stored s = find(project, wanted).orElseThrow(() -> ApiError.invalid("previous_response_id",
                    "previous_response_not_found", "Previous response with id '" + wanted + "' not found.").exception());
            if (s.status().equals("queued") || s.status().equals("in_progress")) {
                throw ApiError.invalid("previous_response_id", "previous_response_in_progress", "Previous response with id '"
                        + wanted + "' is still " + s.status() + "; wait for it to finish.").exception();
            }
            ArrayNode turn = s.inputItems().deepCopy();
            JsonNode output = s.response().get("output");
            if (output instanceof ArrayNode out) turn.addAll(out);
            turns.add(turn);
            next = s.previousId();
        }
        Collections.reverse(turns);
        return turns;
    }

    private static Stored row(ResultSet rs) throws SQLException {
        try {
            return new Stored(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                    (ArrayNode) Json.MAPPER.readTree(rs.getString(5)), (ObjectNode) Json.MAPPER.readTree(rs.getString(6)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
