package ai.zumik.state;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.json.Json;
import ai.zumik.store.Database;
import ai.zumik.testing.TestStore;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A turn's record is one pipeline (one round trip on PostgreSQL) whose inserts are guarded by the
 * compare-and-swap in its first statement: on both stores, a won swap writes the snapshot, the two
 * events with their texts and the record; a lost one writes the snapshot and the record only, and
 * the next turn compiles the line as the database has it.
 */
@Tag("postgres")
@Timeout(120)
class TurnRecordTest {
    private static final String PROJECT = "proj_turns";

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void aWonSwapWritesTheTurnAndALostOneOnlyItsSnapshotAndRecord(String store, @TempDir Path dir) throws Exception {
        on(store, dir, (db, sessions, compiler, s) -> {
            String br = s.defaultBranchId();

            var first = compiler.compileForTurn(PROJECT, s.id(), null);
            var won = sessions.recordTurn(PROJECT, "rsp_1", first.snapshot(), first.serialized(), true, "mk_1", "question one",
                    "answer one", first.generation());
            assertThat(won.appendStatus()).isEqualTo("appended");
            assertThat(won.userEventId()).startsWith("evt_");
            assertThat(count(db, "SELECT count(*) FROM events WHERE branch_id = ?", br)).isEqualTo(2);
            assertThat(count(db, "SELECT count(*) FROM artifacts WHERE content IN ('question one', 'answer one')", null)).isEqualTo(2);
            assertThat(count(db, "SELECT count(*) FROM snapshots WHERE id = ?", first.snapshot().id())).isEqualTo(1);
            assertThat(status(db, "rsp_1")).isEqualTo("appended|" + won.userEventId() + "|" + won.assistantEventId());

            // Someone else appends while the second turn runs: its swap is lost.
            var second = compiler.compileForTurn(PROJECT, null, br);
            assertThat(second.materialized().messages()).extracting(m -> m.get("content").asText())
                    .containsExactly("question one", "answer one");
            sessions.append(PROJECT, s.id(), br, 2, won.assistantEventId(), List.of(new SessionStore.NewEvent("note", null, "meanwhile")));
            var lost = sessions.recordTurn(PROJECT, "rsp_2", second.snapshot(), second.serialized(), true, "mk_2", "question two",
                    "answer two", second.generation());
            assertThat(lost.appendStatus()).isEqualTo("conflict");
            assertThat(lost.userEventId()).isNull();
            assertThat(count(db, "SELECT count(*) FROM events WHERE branch_id = ?", br)).as("nothing of the lost turn").isEqualTo(3);
            assertThat(count(db, "SELECT count(*) FROM artifacts WHERE content IN ('question two', 'answer two')", null)).isZero();
            assertThat(count(db, "SELECT count(*) FROM snapshots WHERE id = ?", second.snapshot().id())).isEqualTo(1);
            assertThat(status(db, "rsp_2")).isEqualTo("conflict|null|null");
            assertThat(sessions.branch(PROJECT, s.id(), br).version()).isEqualTo(3);

            // A pinned snapshot's response records without storing the snapshot again.
            var pinned = sessions.recordTurn(PROJECT, "rsp_3", first.snapshot(), null, false, "mk_1", null, null, null);
            assertThat(pinned.appendStatus()).isEqualTo("not_appended");
            assertThat(status(db, "rsp_3")).isEqualTo("not_appended|null|null");

            var third = compiler.compileForTurn(PROJECT, s.id(), br);
            assertThat(third.materialized().messages()).extracting(m -> m.get("content").asText())
                    .as("notes are not shown to the model; the lost turn is not there").containsExactly("question one", "answer one");
            assertThat(third.snapshot().branchVersion()).isEqualTo(3);
        });
    }

    /**
     * A turn whose state was read under a namespace generation that a purge has since bumped writes
     * nothing — no swap, events, snapshot, chunks or record — whether it completed or not; one read
     * under the current generation writes as usual. On both stores (the guards are SQL).
     */
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void aTurnReadBeforeTheGenerationMovedWritesNothing(String store, @TempDir Path dir) throws Exception {
        on(store, dir, (db, sessions, compiler, s) -> {
            var stale = compiler.compileForTurn(PROJECT, s.id(), null);
            var unfinished = compiler.compileForTurn(PROJECT, s.id(), null);
            assertThat(stale.generation()).isZero();
            db.call(c -> Database.execute(c, "UPDATE projects SET namespace_generation = namespace_generation + 1 WHERE id = ?", PROJECT));

            var refused = sessions.recordTurn(PROJECT, "rsp_stale", stale.snapshot(), stale.serialized(), true, "mk", "q", "a",
                    stale.generation());
            assertThat(refused.appendStatus()).isEqualTo("conflict");
            assertThat(refused.purgedMeanwhile()).isTrue();
            sessions.recordTurn(PROJECT, "rsp_unfinished", unfinished.snapshot(), unfinished.serialized(), true, "mk", null, null,
                    unfinished.generation());
            for (String table : List.of("events", "snapshots", "snapshot_chunks", "response_state")) {
                assertThat(count(db, "SELECT count(*) FROM " + table + " WHERE session_id = ?", s.id())).as(table).isZero();
            }
            assertThat(sessions.branch(PROJECT, s.id(), s.defaultBranchId()).version()).isZero();

            var fresh = compiler.compileForTurn(PROJECT, s.id(), null);
            assertThat(fresh.generation()).isEqualTo(1L);
            var landed = sessions.recordTurn(PROJECT, "rsp_fresh", fresh.snapshot(), fresh.serialized(), true, "mk", "q", "a",
                    fresh.generation());
            assertThat(landed.appendStatus()).isEqualTo("appended");
            assertThat(landed.purgedMeanwhile()).isFalse();
            assertThat(count(db, "SELECT count(*) FROM snapshots WHERE session_id = ?", s.id())).isEqualTo(1);
            assertThat(status(db, "rsp_fresh")).isEqualTo("appended|" + landed.userEventId() + "|" + landed.assistantEventId());
        });
    }

    /**
     * A turn on a long line stores its snapshot's chunks (on PostgreSQL in one statement over a
     * VALUES list), a later turn on the same line adds only the chunk that changed, and each
     * snapshot reads back exactly as it was compiled — on both stores.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void aLongLinesChunksAreStoredOnceAndItsSnapshotsReadBackWhole(String store, @TempDir Path dir) throws Exception {
        on(store, dir, (db, sessions, compiler, s) -> {
            String br = s.defaultBranchId();
            String head = null;
            for (int i = 0; i < 40; i++) {
                head = sessions.append(PROJECT, s.id(), br, i, head, List.of(new SessionStore.NewEvent(
                        i % 2 == 0 ? "user_message" : "assistant_message", null, "line " + i))).getLast().id();
            }
            var first = compiler.compileForTurn(PROJECT, s.id(), null);
            var t1 = sessions.recordTurn(PROJECT, "rsp_long1", first.snapshot(), first.serialized(), true, "mk", "q41", "a42",
                    first.generation());
            assertThat(t1.appendStatus()).isEqualTo("appended");
            assertThat(first.serialized().chunks()).hasSize(3);
            assertThat(count(db, "SELECT count(*) FROM snapshot_chunks WHERE session_id = ?", s.id())).isEqualTo(3);
            var second = compiler.compileForTurn(PROJECT, s.id(), null);
            sessions.recordTurn(PROJECT, "rsp_long2", second.snapshot(), second.serialized(), true, "mk", "q43", "a44",
                    second.generation());
            assertThat(count(db, "SELECT count(*) FROM snapshot_chunks WHERE session_id = ?", s.id()))
                    .as("two full chunks shared, the last one new").isEqualTo(4);
            for (var compiled : List.of(first, second)) {
                assertThat(sessions.snapshot(PROJECT, compiled.snapshot().id()).blocks()).isEqualTo(compiled.snapshot().blocks());
            }
        });
    }

    /**
     * A turn on a warm line takes its snapshot's stored JSON and manifest digest from the cached
     * compiled body: what it stores and the materialization key must be exactly what the snapshot
     * serializes to afresh.
     */
    @org.junit.jupiter.api.Test
    void aTurnFromTheCachedBodyStoresExactlyItsSnapshot(@TempDir Path dir) throws Exception {
        on("sqlite", dir, (db, sessions, compiler, s) -> {
            var first = compiler.compileForTurn(PROJECT, s.id(), null);
            sessions.recordTurn(PROJECT, "rsp_1", first.snapshot(), first.serialized(), true, "mk_1", "question \u00e9 one", "answer one",
                    first.generation());
            for (int i = 0; i < 2; i++) { // the second compile of the same head comes from the cache
                var turn = compiler.compileForTurn(PROJECT, s.id(), null);
                StateObjects.Snapshot snap = turn.snapshot();
                assertThat(turn.serialized()).isEqualTo(SnapshotCompiler.Serialized.of(snap));
                assertThat(SnapshotCompiler.materializationKey(snap, turn.serialized(), "openai"))
                        .isEqualTo(SnapshotCompiler.materializationKey(snap, "openai"));
                sessions.recordTurn(PROJECT, "rsp_x" + i, snap, turn.serialized(), true, "mk", null, null, turn.generation());
                StateObjects.Snapshot stored = sessions.snapshot(PROJECT, snap.id());
                assertThat(stored.orderedBlockManifest()).isEqualTo(snap.orderedBlockManifest()).hasSize(2);
                assertThat(stored.artifactVersions()).isEqualTo(snap.artifactVersions());
                assertThat(stored.blocks()).isEqualTo(snap.blocks());
            }
        });
    }

    /** A test's body, given the store, its session and snapshot stores (sharing one cache) and a new session. */
    @FunctionalInterface
    private interface Turns {
        void run(Database db, SessionStore sessions, SnapshotCompiler compiler, StateObjects.Session s) throws Exception;
    }

    /** Runs {@code body} on a fresh {@code store} ("sqlite" or "postgresql") holding the test project. */
    private static void on(String store, Path dir, Turns body) throws Exception {
        try (TestStore on = TestStore.of(store); Database db = Database.open(on.url(), dir, false)) {
            db.call(c -> Database.execute(c, "INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)", PROJECT, "t", 1L));
            StateCache cache = new StateCache(1 << 20);
            SessionStore sessions = new SessionStore(db, Clock.systemUTC(), cache);
            body.run(db, sessions, new SnapshotCompiler(db, Clock.systemUTC(), cache), sessions.createSession(PROJECT, List.of(),
                    Json.object()));
        }
    }

    private static long count(Database db, String sql, String arg) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (arg != null) ps.setString(1, arg);
                ResultSet rs = ps.executeQuery();
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    private static String status(Database db, String response) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT append_status, user_event_id, assistant_event_id FROM response_state "
                    + "WHERE response_id = ?")) {
                ps.setString(1, response);
                ResultSet rs = ps.executeQuery();
                rs.next();
                return rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(3);
            }
        });
    }
}
