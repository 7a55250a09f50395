import ai.zumik.json.Json;
import ai.zumik.metering.UsageEvent;
import ai.zumik.metering.UsageMeter;
import ai.zumik.state.SessionStore;
import ai.zumik.state.SnapshotCompiler;
import ai.zumik.state.StateCache;
import ai.zumik.store.Database;
import ai.zumik.store.Pipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A native-state turn's durable writes on PostgreSQL, without HTTP, the upstream or the client in
 * the way (issue 13, item 8): the response's usage event and the turn's record (swap, two events
 * and their texts, snapshot chunks, snapshot, response record) made durable the two ways Zumik's
 * code can, in one process, alternating in rounds:
 * <ul>
 *   <li>apart: the usage meter's group commit, then the turn's own pipeline — two transactions, two
 *       WAL flushes, one after the other (every turn before companion writes; still SQLite's way);</li>
 *   <li>together: one pipeline holding the event, its spend and the turn ({@link UsageMeter.Companion}).</li>
 * </ul>
 * Each turn runs on a fresh fork at the 50th event of one branch, as {@code StateBench} does; the
 * fork and the compile are outside the timing, which runs from the meter's call until both are
 * durable (the caller waits on the event's callback, then, apart, on the turn's pipeline).
 *
 * <p>Usage: {@code java -cp zumik.jar:classes TurnCommitBench JDBC-URL [N=2000] [ROUNDS=6] [EVENTS=50]};
 * N turns per way per round, after N unrecorded per way, each on a fork at the EVENTS-th event (its
 * snapshot holds EVENTS + 2 blocks, in chunks of 16); works in a fresh schema and drops it.
 */
public final class TurnCommitBench {
    private static final String PROJECT = "prj_turn_commit";

    public static void main(String[] args) throws Exception {
        String server = args[0];
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 6;
        int line = args.length > 3 ? Integer.parseInt(args[3]) : 50;
        String schema = "zumik_turn_commit_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        Path dir = Files.createTempDirectory("turn-commit");
        try (Connection admin = DriverManager.getConnection(server)) {
            admin.createStatement().execute("CREATE SCHEMA " + schema);
        }
        try (Database db = Database.open(server + "&currentSchema=" + schema, dir, false); UsageMeter meter = new UsageMeter(db, null)) {
            db.call(c -> Database.execute(c, "INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)", PROJECT, "bench", 1L));
            StateCache cache = new StateCache(64 << 20);
            SessionStore sessions = new SessionStore(db, Clock.systemUTC(), cache);
            SnapshotCompiler compiler = new SnapshotCompiler(db, Clock.systemUTC(), cache);
            var session = sessions.createSession(PROJECT, List.of(), Json.object());
            String main = session.defaultBranchId();
            String head = null;
            for (int i = 0; i < line; i++) {
                head = sessions.append(PROJECT, session.id(), main, i, head, List.of(new SessionStore.NewEvent(
                        i % 2 == 0 ? "user_message" : "assistant_message", null,
                        "turn " + i + ": " + "a sentence of earlier conversation. ".repeat(3)))).getLast().id();
            }
            Turns t = new Turns(sessions, compiler, meter, session.id(), main);
            t.run(n, true, null);
            t.run(n, false, null);
            List<Long> apart = new ArrayList<>();
            List<Long> together = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                t.run(n, r % 2 == 0, r % 2 == 0 ? apart : together);
                t.run(n, r % 2 != 0, r % 2 != 0 ? apart : together);
            }
            System.out.println("apart (usage commit, then the turn's pipeline): " + stats(apart));
            System.out.println("together (one pipeline, UsageMeter.Companion):  " + stats(together));
        } finally {
            try (Connection admin = DriverManager.getConnection(server)) {
                admin.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    private record Turns(SessionStore sessions, SnapshotCompiler compiler, UsageMeter meter, String sessionId, String main) {
        void run(int n, boolean apart, List<Long> out) {
            for (int i = 0; i < n; i++) {
                var fork = sessions.fork(PROJECT, sessionId, main, null, null);
                var compiled = compiler.compileForTurn(PROJECT, null, fork.id());
                String id = "rsp_" + UUID.randomUUID().toString().replace("-", "");
                UsageEvent event = event(id);
                var writes = sessions.turnWrites(PROJECT, id, compiled.snapshot(), compiled.serialized(), true, "mk_bench",
                        "What changed in turn " + i + "?", event.output(), compiled.generation());
                long t0 = System.nanoTime();
                SessionStore.Turn turn;
                if (apart) {
                    await(meter, event, null);
                    turn = writes.commit();
                } else {
                    SessionStore.Turn[] done = new SessionStore.Turn[1];
                    await(meter, event, new UsageMeter.Companion() {
                        @Override
                        public void addTo(Pipeline p) {
                            writes.addTo(p);
                        }

                        @Override
                        public void committed(int[] counts) {
                            done[0] = writes.result(counts);
                        }
                    });
                    turn = done[0];
                }
                long took = System.nanoTime() - t0;
                if (turn == null || !"appended".equals(turn.appendStatus())) throw new IllegalStateException("turn not appended");
                if (out != null) out.add(took);
            }
        }
    }

    private static void await(UsageMeter meter, UsageEvent e, UsageMeter.Companion companion) {
        CompletableFuture<Throwable> f = new CompletableFuture<>();
        meter.record(e, companion, null, err -> f.complete(err == null ? new Done() : err));
        if (!(f.join() instanceof Done)) throw new IllegalStateException("usage event not durable");
    }

    private static final class Done extends RuntimeException {}

    private static UsageEvent event(String id) {
        return new UsageEvent(id, "trc_" + id, PROJECT, "key_bench", "/v2/responses", "gpt-4o-mini", "openai", "gpt-4o-mini",
                "live", "managed_provider", false, 200, "completed", null, 812L, 0L, null, 17L, 0L, 3L, 4L,
                System.currentTimeMillis(), "v2", null, null,
                "{\"alias\":null,\"targets\":[{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\"}]}",
                "[{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\",\"status\":200}]",
                "{\"class\":\"standard\",\"admission\":\"admitted\",\"completion\":\"completed\"}",
                "The quick brown fox jumps over the lazy dog, twice, for the benchmark.", true, 12_345L, "prc_bench", null);
    }

    private static String stats(List<Long> nanos) {
        long[] v = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        double mean = Arrays.stream(v).average().orElse(0) / 1000;
        return String.format("p50 %d µs, p90 %d µs, p99 %d µs, mean %.0f µs (%d)", v[v.length / 2] / 1000,
                v[(int) (v.length * 0.9)] / 1000, v[(int) (v.length * 0.99)] / 1000, mean, v.length);
    }
}
