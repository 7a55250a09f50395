package ai.zumik.metering;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.store.Database;
import ai.zumik.testing.TestStore;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The meter's group commit on both stores, without the journal: each event lands with its spend
 * (on PostgreSQL in the same statement, one round trip per batch), a replayed event adds nothing,
 * and a batch that fails leaves nothing behind and does not break the next one.
 */
class UsageMeterStoreTest {
    @TempDir
    Path dir;

    private static UsageEvent event(String id, String key, Long cost) {
        UsageEvent e = UsageJournalTest.event(id, "out " + id);
        return new UsageEvent(e.responseId(), e.traceId(), e.projectId(), key, e.endpoint(), e.requestedModel(), e.provider(),
                e.model(), e.executionMode(), e.executionProfile(), e.stream(), e.status(), e.outcome(), e.errorCode(),
                e.promptTokens(), e.cachedTokens(), e.cacheWriteTokens(), e.completionTokens(), e.reasoningTokens(), e.ttftMs(),
                e.latencyMs(), e.createdAtMs(), e.surface(), e.aliasReleaseId(), e.decisionTemplate(), e.decision(), e.attempts(),
                e.qos(), e.output(), e.charged(), cost, e.priceRevision(), e.reuse());
    }

    private static Throwable record(UsageMeter meter, UsageEvent e) throws Exception {
        CompletableFuture<Throwable> done = new CompletableFuture<>();
        meter.record(e, null, f -> done.complete(f == null ? new NoFailure() : f));
        Throwable t = done.get(10, TimeUnit.SECONDS);
        return t instanceof NoFailure ? null : t;
    }

    private static final class NoFailure extends RuntimeException {}

    private static long[] spend(Database db, String key) throws Exception {
        return db.call(c -> {
            try (var ps = c.prepareStatement("SELECT cost_nanos, requests FROM spend_totals WHERE project_id = 'prj_1' AND key_id = ?")) {
                ps.setString(1, key);
                ResultSet rs = ps.executeQuery();
                return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : new long[] {0, 0};
            }
        });
    }

    private static long events(Database db) {
        return db.call(c -> {
            try (ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM usage_events")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void eachEventLandsWithItsSpendOnceAndAFailedBatchLeavesNothing(String store) throws Exception {
        try (TestStore s = TestStore.of(store); Database db = Database.open(s.url(), dir, false);
             UsageMeter meter = new UsageMeter(db, null)) {
            assertThat(record(meter, event("rsp_a", "key_1", 100L))).isNull();
            assertThat(record(meter, event("rsp_b", "key_1", 20L))).isNull();
            assertThat(record(meter, event("rsp_c", "key_2", null))).isNull();
            assertThat(spend(db, "key_1")).containsExactly(120, 2);
            assertThat(spend(db, "key_2")).as("no cost: a request, no money").containsExactly(0, 1);

            assertThat(record(meter, event("rsp_a", "key_1", 100L))).as("a replayed event is accepted").isNull();
            assertThat(spend(db, "key_1")).as("and adds nothing").containsExactly(120, 2);
            assertThat(events(db)).isEqualTo(3);

            UsageEvent broken = event("rsp_bad", null, 7L); // key_id is NOT NULL
            assertThat(record(meter, broken)).as("the caller learns the event is not durable").isNotNull();
            assertThat(events(db)).isEqualTo(3);
            assertThat(record(meter, event("rsp_d", "key_1", 5L))).as("the next batch commits on a fresh connection").isNull();
            assertThat(spend(db, "key_1")).containsExactly(125, 3);
            assertThat(events(db)).isEqualTo(4);
        }
    }
}
