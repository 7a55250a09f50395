package ai.zumik.v2;

import static ai.zumik.testing.Replies.ok;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.TestGateway;
import ai.zumik.testing.TestStore;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * On PostgreSQL a /v2 turn's writes — the branch's two new events and their texts, the snapshot,
 * the response's state record — commit in the same transaction as the response's usage event and
 * spend: one commit (one WAL flush) per turn, and never a turn without its usage or the reverse.
 * PostgreSQL's {@code xmin} names the transaction that inserted a row, so every row of a turn must
 * carry the same one; a turn that lost its swap, or whose session was purged while it ran, still
 * commits its usage and reports what happened to its writes from that same transaction.
 */
@Tag("postgres")
@Timeout(120)
class TurnOnPostgresTest {
    private static TestStore store;
    private static FakeProvider openai;
    private static TestGateway gw;

    @BeforeAll
    static void start() {
        store = TestStore.of("postgresql");
        openai = FakeProvider.start();
        gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-123456",
                "ZUMIK_DATABASE_URL", store.url());
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        openai.close();
        store.close();
    }

    @Test
    void aTurnsWritesCommitInItsUsageEventsTransaction() throws Exception {
        JsonNode s = ok(gw.post("/v2/sessions", "{}"));
        String sid = s.get("id").asText();
        String br = s.get("default_branch_id").asText();

        JsonNode r1 = ok(gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"session_id\":\"" + sid
                + "\",\"input\":\"first question\"}"));
        JsonNode state = r1.get("state");
        assertThat(state.get("append_status").asText()).isEqualTo("appended");
        String id = r1.get("id").asText();
        String tx = rows("SELECT xmin::text FROM usage_events WHERE response_id = ?", id).getFirst();
        assertThat(rows("SELECT xmin::text FROM spend_totals WHERE project_id = "
                + "(SELECT project_id FROM usage_events WHERE response_id = ?)", id)).containsExactly(tx);
        assertThat(rows("SELECT xmin::text FROM response_state WHERE response_id = ?", id)).containsExactly(tx);
        assertThat(rows("SELECT xmin::text FROM snapshots WHERE id = ?", state.get("snapshot_id").asText())).containsExactly(tx);
        assertThat(rows("SELECT xmin::text FROM events WHERE branch_id = ?", br)).containsExactly(tx, tx);
        assertThat(rows("SELECT xmin::text FROM artifacts WHERE id IN (SELECT payload_ref FROM events WHERE branch_id = ?)", br))
                .as("the two texts").containsExactly(tx, tx);

        // The next turn reads the line the first one committed (the cache learnt it from the commit).
        JsonNode r2 = ok(gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"branch_id\":\"" + br + "\",\"input\":\"second\"}"));
        assertThat(openai.lastRequest().json().get("messages")).extracting(m -> m.get("content").asText())
                .containsExactly("first question", r1.get("output_text").asText(), "second");
        assertThat(r2.at("/state/append_status").asText()).isEqualTo("appended");
        assertThat(ok(gw.get("/v2/sessions/" + sid + "/branches/" + br)).get("version").asLong()).isEqualTo(4);

        // A pinned snapshot's response appends nothing; its record too rides with its usage event.
        JsonNode again = ok(gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"snapshot_id\":\""
                + state.get("snapshot_id").asText() + "\",\"input\":\"first question\"}"));
        assertThat(again.at("/state/append_status").asText()).isEqualTo("not_appended");
        String pinned = again.get("id").asText();
        String pinnedTx = rows("SELECT xmin::text FROM usage_events WHERE response_id = ?", pinned).getFirst();
        assertThat(pinnedTx).isNotEqualTo(tx);
        assertThat(rows("SELECT xmin::text FROM response_state WHERE response_id = ?", pinned)).containsExactly(pinnedTx);
    }

    @Test
    void aTurnWhoseBranchMovedWhileItRanCommitsItsUsageAndItsConflictButNoEvents() throws Exception {
        JsonNode s = ok(gw.post("/v2/sessions", "{}"));
        String sid = s.get("id").asText();
        String br = s.get("default_branch_id").asText();
        JsonNode late = ok(SlowTurn.racing(gw, openai, sid, 1000, false, () -> ok(gw.post("/v2/sessions/" + sid + "/branches/"
                + br + "/events", "{\"expected_version\":0,\"expected_head_event_id\":null,\"event\":{\"event_type\":\"note\","
                + "\"content\":\"got there first\"}}"))));
        assertThat(late.at("/state/append_status").asText()).isEqualTo("conflict");
        String id = late.get("id").asText();
        String tx = rows("SELECT xmin::text FROM usage_events WHERE response_id = ?", id).getFirst();
        assertThat(rows("SELECT append_status FROM response_state WHERE response_id = ?", id)).containsExactly("conflict");
        assertThat(rows("SELECT xmin::text FROM response_state WHERE response_id = ?", id)).containsExactly(tx);
        assertThat(rows("SELECT event_type FROM events WHERE branch_id = ?", br)).as("only the note").containsExactly("note");
    }

    @Test
    void aTurnWhoseSessionWasPurgedWhileItRanWritesNothingAndForgetsItsAnswer() throws Exception {
        String sid = ok(gw.post("/v2/sessions", "{}")).get("id").asText();
        JsonNode late = ok(SlowTurn.racing(gw, openai, sid, 1000, false, () -> assertThat(ok(gw.post("/v2/purge-jobs",
                "{\"session_id\":\"" + sid + "\"}")).get("status").asText()).isEqualTo("completed")));
        assertThat(late.at("/state/append_status").asText()).isEqualTo("conflict");
        String id = late.get("id").asText();
        assertThat(rows("SELECT count(*) FROM usage_events WHERE response_id = ? AND output IS NULL AND completion_tokens > 0", id))
                .as("usage keeps its numbers and loses the answer").containsExactly("1");
        for (String table : List.of("snapshots", "snapshot_chunks", "events", "branches", "response_state")) {
            assertThat(rows("SELECT session_id FROM " + table + " WHERE session_id = ?", sid)).as(table).isEmpty();
        }
    }

    /** The first column of every row {@code sql} (one parameter) returns from the gateway's database. */
    private static List<String> rows(String sql, String arg) throws Exception {
        List<String> out = new ArrayList<>();
        try (var c = gw.zumik().database().connection(); var ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (var rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
        }
        return out;
    }
}
