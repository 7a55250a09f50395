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

    /** Inserts {@code ids} into {@code companion_probe}, and keeps the update counts handed back. */
    private static final class Probe implements UsageMeter.Companion {
        private final String[] ids;
        volatile int[] counts;

        Probe(String... ids) {
            this.ids = ids;
        }

        @Override
        public void addTo(ai.zumik.store.Pipeline writes) {
            for (String id : ids) writes.add("INSERT INTO companion_probe (id) VALUES (?)", id);
        }

        @Override
        public void committed(int[] counts) {
            this.counts = counts;
        }
    }

    private static Throwable record(UsageMeter meter, UsageEvent e, UsageMeter.Companion companion) throws Exception {
        CompletableFuture<Throwable> done = new CompletableFuture<>();
        meter.record(e, companion, null, f -> done.complete(f == null ? new NoFailure() : f));
        Throwable t = done.get(10, TimeUnit.SECONDS);
        return t instanceof NoFailure ? null : t;
    }

    private static String text(Database db, String sql, String arg) {
        return db.call(c -> {
            try (var ps = c.prepareStatement(sql)) {
                ps.setString(1, arg);
                ResultSet rs = ps.executeQuery();
                return rs.next() ? rs.getString(1) : null;
            }
        });
    }

    /**
     * On PostgreSQL an event's companion writes commit in the event's own transaction (same
     * {@code xmin}: one commit, one WAL flush), with its spend and its decision template, and the
     * companion learns its statements' counts before the callback; on SQLite the meter leaves them
     * to the caller (never calls {@code committed}) and records the event as ever.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void companionWritesCommitInTheEventsOwnTransactionOnPostgres(String store) throws Exception {
        try (TestStore s = TestStore.of(store); Database db = Database.open(s.url(), dir, false);
             UsageMeter meter = new UsageMeter(db, null)) {
            db.call(c -> Database.execute(c, "CREATE TABLE companion_probe (id TEXT PRIMARY KEY)"));
            Probe probe = new Probe("p1", "p2");
            assertThat(record(meter, event("rsp_t", "key_1", 40L), probe)).isNull();
            assertThat(events(db)).isEqualTo(1);
            assertThat(spend(db, "key_1")).containsExactly(40, 1);
            assertThat(text(db, "SELECT body FROM decision_templates WHERE template_id = ?", UsageJournalTest.TEMPLATE.id()))
                    .isEqualTo(UsageJournalTest.TEMPLATE.json());
            if (store.equals("sqlite")) {
                assertThat(probe.counts).as("left to the caller").isNull();
                assertThat(text(db, "SELECT id FROM companion_probe WHERE id = ?", "p1")).isNull();
                return;
            }
            assertThat(probe.counts).containsExactly(1, 1);
            String eventTx = text(db, "SELECT xmin::text FROM usage_events WHERE response_id = ?", "rsp_t");
            assertThat(text(db, "SELECT xmin::text FROM companion_probe WHERE id = ?", "p1")).isEqualTo(eventTx);
            assertThat(text(db, "SELECT xmin::text FROM companion_probe WHERE id = ?", "p2")).isEqualTo(eventTx);
            assertThat(text(db, "SELECT xmin::text FROM spend_totals WHERE key_id = ?", "key_1")).isEqualTo(eventTx);
        }
    }

    /**
     * Companion writes that fail take nothing of theirs with them and lose nothing of the event:
     * the event is recorded alone (once, its spend once), and {@code committed} is never called, so
     * the caller writes its own (and meets the failure itself).
     */
    @org.junit.jupiter.api.Test
    void failingCompanionWritesLeaveTheEventToTheBatchAndCommitNothingOfTheirs() throws Exception {
        try (TestStore s = TestStore.of("postgresql"); Database db = Database.open(s.url(), dir, false);
             UsageMeter meter = new UsageMeter(db, null)) {
            db.call(c -> Database.execute(c, "CREATE TABLE companion_probe (id TEXT PRIMARY KEY)"));
            db.call(c -> Database.execute(c, "INSERT INTO companion_probe (id) VALUES ('taken')"));
            Probe probe = new Probe("fresh", "taken"); // the second violates the primary key
            assertThat(record(meter, event("rsp_f", "key_1", 9L), probe)).isNull();
            assertThat(probe.counts).isNull();
            assertThat(text(db, "SELECT count(*) FROM companion_probe WHERE id = ?", "fresh")).as("rolled back whole").isEqualTo("0");
            assertThat(events(db)).isEqualTo(1);
            assertThat(spend(db, "key_1")).containsExactly(9, 1);
            assertThat(meter.eventsWritten()).isEqualTo(1);

            // A store that refuses the event itself still fails the caller, companion or not.
            assertThat(record(meter, event("rsp_bad", null, 1L), new Probe("other"))).isNotNull();
            assertThat(text(db, "SELECT count(*) FROM companion_probe WHERE id = ?", "other")).isEqualTo("0");
            assertThat(events(db)).isEqualTo(1);
        }
    }

    /**
     * Closing the meter waits for a companion transaction in flight: its event and writes commit
     * before {@code close} returns (and the database under it can close).
     */
    @org.junit.jupiter.api.Test
    void closeWaitsForACompanionTransactionInFlight() throws Exception {
        try (TestStore s = TestStore.of("postgresql"); Database db = Database.open(s.url(), dir, false)) {
            db.call(c -> Database.execute(c, "CREATE TABLE companion_probe (id TEXT PRIMARY KEY)"));
            UsageMeter meter = new UsageMeter(db, null);
            java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            Probe probe = new Probe("held");
            meter.record(event("rsp_held", "key_1", 1L), new UsageMeter.Companion() {
                @Override
                public void addTo(ai.zumik.store.Pipeline writes) {
                    started.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    probe.addTo(writes);
                }

                @Override
                public void committed(int[] counts) {
                    probe.committed(counts);
                }
            }, null, null);
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            Thread closing = Thread.ofPlatform().start(meter::close);
            closing.join(300);
            assertThat(closing.isAlive()).as("close waits for the transaction in flight").isTrue();
            release.countDown();
            closing.join(10_000);
            assertThat(closing.isAlive()).isFalse();
            assertThat(probe.counts).as("committed before close returned").containsExactly(1);
            assertThat(events(db)).isEqualTo(1);
        }
    }
}
