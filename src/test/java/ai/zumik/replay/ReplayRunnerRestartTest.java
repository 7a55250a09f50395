package ai.zumik.replay;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.json.Json;
import ai.zumik.store.Database;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process that stops mid-run never wedges the queue: the next runner on the same database fails
 * the run it left {@code running} with {@code runner_restarted}, the stopped runner cannot store a
 * report over that afterwards (its claim is gone), and the new runner goes on to run queued runs.
 */
@Timeout(60)
class ReplayRunnerRestartTest {
    private static final Clock CLOCK = Clock.systemUTC();

    static ReplayRun queued(String id) {
        return new ReplayRun(id, "prj_test", ReplayStatus.QUEUED, ReplayClass.PROVIDER_COMPARISON, "managed", "openai/gpt-4o", 1,
                "inline", 0, Json.object(), CLOCK.millis(), null, null, null, null, null, null, null);
    }

    static ObjectNode report(ReplayRun run) {
        return Json.object().put("id", run.id()).put("completed_at", Instant.now().toString());
    }

    static ReplayRun await(ReplayStore store, String id, ReplayStatus status) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            ReplayRun r = store.find(id).orElseThrow();
            if (r.status() == status) return r;
            assertThat(System.nanoTime()).as("%s becomes %s; it is %s", id, status, r.status()).isLessThan(until);
            Thread.sleep(20);
        }
    }

    @Test
    void aRunLeftRunningByAStoppedRunnerIsFailedByTheNextAndTheQueueMovesOn(@TempDir Path dir) throws Exception {
        ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
        try (Database db = Database.open(null, dir, false)) {
            ReplayStore store = new ReplayStore(db);
            CountDownLatch stuck = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            ReplayRunner first = new ReplayRunner(store, run -> {
                stuck.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return report(run);
            }, blocking, CLOCK, Duration.ofSeconds(30));
            first.start();
            store.insert(queued("rpl_first"), Json.array(), CLOCK.millis());
            first.queued();
            assertThat(stuck.await(10, TimeUnit.SECONDS)).as("the first runner started the run").isTrue();
            assertThat(store.find("rpl_first").orElseThrow().status()).isEqualTo(ReplayStatus.RUNNING);
            first.close(); // the process "stops": no more renewals; the evaluation is still stuck

            ReplayRunner second = new ReplayRunner(store, ReplayRunnerRestartTest::report, blocking, CLOCK, Duration.ofSeconds(30));
            second.start();
            ReplayRun failed = store.find("rpl_first").orElseThrow();
            assertThat(failed.status()).as("failed at start, long before the 30 s lease would lapse").isEqualTo(ReplayStatus.FAILED);
            assertThat(failed.failureCode()).isEqualTo("runner_restarted");
            assertThat(failed.failureMessage()).contains("resubmit");
            assertThat(failed.completedAtMs()).isNotNull();

            release.countDown(); // the old evaluation ends and tries to store its report
            Thread.sleep(200);
            assertThat(store.find("rpl_first").orElseThrow().status()).as("a lost claim stores nothing").isEqualTo(ReplayStatus.FAILED);
            assertThat(store.find("rpl_first").orElseThrow().report()).isNull();

            store.insert(queued("rpl_next"), Json.array(), CLOCK.millis());
            second.queued();
            assertThat(await(store, "rpl_next", ReplayStatus.COMPLETED).report().get("id").asText()).isEqualTo("rpl_next");
            second.close();
        } finally {
            blocking.shutdownNow();
        }
    }

    @Test
    void aRunOutlastingItsLeaseIsRenewedByItsRunnerAndCompletes(@TempDir Path dir) throws Exception {
        ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
        try (Database db = Database.open(null, dir, false)) {
            ReplayStore store = new ReplayStore(db);
            // The evaluation takes several 500 ms leases; only the runner's renewals keep its claim.
            ReplayRunner runner = new ReplayRunner(store, run -> {
                try {
                    Thread.sleep(2_500);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return report(run);
            }, blocking, CLOCK, Duration.ofMillis(500));
            runner.start();
            store.insert(queued("rpl_slow"), Json.array(), CLOCK.millis());
            runner.queued();
            ReplayRun done = await(store, "rpl_slow", ReplayStatus.COMPLETED);
            assertThat(done.failureCode()).isNull();
            assertThat(done.report().get("id").asText()).isEqualTo("rpl_slow");
            runner.close();
        } finally {
            blocking.shutdownNow();
        }
    }

    @Test
    void aRunWhoseLeaseLapsedIsFailedByAnyRunnerAndAQueuedRunIsClaimedOnce(@TempDir Path dir) throws Exception {
        ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
        try (Database db = Database.open(null, dir, false)) {
            ReplayStore store = new ReplayStore(db);
            ReplayRunner runner = new ReplayRunner(store, ReplayRunnerRestartTest::report, blocking, CLOCK, Duration.ofSeconds(30));
            runner.start();
            // Another replica claimed this one and stopped renewing: its lease runs out in a moment. It is
            // scheduled far ahead, so this runner never claims it itself before the other replica does.
            store.insert(queued("rpl_elsewhere"), Json.array(), CLOCK.millis() + 3_600_000);
            assertThat(store.claim("rpl_elsewhere", "rnr_gone", CLOCK.millis(), CLOCK.millis() + 300)).isTrue();
            assertThat(store.claim("rpl_elsewhere", "rnr_other", CLOCK.millis(), CLOCK.millis() + 300)).as("claimed once").isFalse();
            assertThat(await(store, "rpl_elsewhere", ReplayStatus.FAILED).failureCode()).isEqualTo("runner_restarted");
            assertThat(store.cancel("prj_test", "rpl_elsewhere", CLOCK.millis())).as("only a queued run is canceled").isFalse();
            runner.close();
        } finally {
            blocking.shutdownNow();
        }
    }
}
