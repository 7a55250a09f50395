package ai.zumik.v2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.TestGateway;
import java.net.http.HttpResponse;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** A /v2 turn kept in flight, so a test can race it (an append, a purge) on either store. */
final class SlowTurn {
    private SlowTurn() {}

    /** What the test does while the turn is in flight. */
    @FunctionalInterface
    interface Race {
        void run() throws Exception;
    }

    /**
     * Starts a turn on session {@code sid} whose answer {@code upstream} holds for {@code delayMs},
     * waits until the upstream has the request — the turn has read its state by then (the head is
     * read before dispatch) — runs {@code race}, and returns the turn's response once it ends.
     */
    static HttpResponse<String> racing(TestGateway gw, FakeProvider upstream, String sid, int delayMs, boolean stream, Race race)
            throws Exception {
        upstream.enqueue(new Script.Chunks("gpt-4o-mini").role().delay(delayMs).text("slow").finish("stop").usage(1, 1, 0).done()
                .build());
        int before = upstream.requests().size();
        try (ExecutorService pool = Executors.newSingleThreadExecutor()) {
            Future<HttpResponse<String>> turn = pool.submit(() -> gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\","
                    + "\"session_id\":\"" + sid + "\",\"stream\":" + stream + ",\"input\":\"slow one\"}"));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (upstream.requests().size() == before && System.nanoTime() < deadline) Thread.sleep(5);
            assertThat(upstream.requests()).as("the turn read its state and is waiting for its answer").hasSizeGreaterThan(before);
            race.run();
            return turn.get();
        }
    }
}
