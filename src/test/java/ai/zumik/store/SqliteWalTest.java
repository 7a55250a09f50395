package ai.zumik.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQLite WAL stays bounded while writes never stop: a passive checkpoint alone never lets the
 * WAL start over under continuous commits (it grew to 2 GB in bench/state.sh), so a checkpoint
 * round on a long WAL restarts it.
 */
@Timeout(120)
class SqliteWalTest {
    private static final int RESTART_FRAMES = 256; // 1 MiB of 4 KiB pages

    @Test
    void aWalUnderContinuousCommitsIsStartedOverInsteadOfGrowingWithoutBound(@TempDir Path dir) throws Exception {
        try (Database db = Database.open(null, dir, false)) {
            db.call(c -> c.createStatement().executeUpdate("CREATE TABLE blob_rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"));
            String body = "x".repeat(3000);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong rows = new AtomicLong();
            CountDownLatch done = new CountDownLatch(2);
            for (int w = 0; w < 2; w++) {
                Thread.ofPlatform().start(() -> {
                    try {
                        while (!stop.get()) {
                            // One commit per row, another connection reading meanwhile, a breath between
                            // commits (a turn is ~0.6 ms of which its commit a fraction): a busy gateway's load.
                            db.call(c -> db.update(c, "INSERT INTO blob_rows (body) VALUES (?)", body));
                            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
                            db.call(c -> db.query(c, "SELECT count(*) FROM blob_rows WHERE id > ?", rs -> rs.next(), rows.get() - 10));
                            rows.incrementAndGet();
                        }
                    } finally {
                        done.countDown();
                    }
                });
            }
            Path wal = dir.resolve("zumik.db-wal");
            long largest = 0;
            int rounds = 0;
            long deadline = System.nanoTime() + 60_000_000_000L;
            // Each row fills a 4 KiB page of its own, so each commit puts at least one page through the
            // WAL: 20,000 rows are 80 MiB, 2.5 times journal_size_limit. A checkpoint round every 20 ms.
            while (rows.get() < 20_000 && System.nanoTime() < deadline) {
                Thread.sleep(20);
                if (db.checkpoint(RESTART_FRAMES).restart() == Database.Restart.DONE) rounds++;
                largest = Math.max(largest, Files.size(wal));
            }
            stop.set(true);
            done.await();
            assertThat(rows.get()).as("enough was written to matter").isGreaterThanOrEqualTo(20_000);
            assertThat(rounds).as("the WAL reached the restart length and started over").isPositive();
            // Started over, the WAL is reused from its start: the file never grows past the restart
            // length and what one 20 ms round commits, and a longer one is trimmed to journal_size_limit
            // (the product's restart length). Without the restart it holds every page written: 80 MiB.
            assertThat(largest).as("largest WAL seen, bytes").isLessThanOrEqualTo(Database.RESTART_WAL_FRAMES * 4096L);
            long stored = db.call(c -> db.query(c, "SELECT count(*) FROM blob_rows", rs -> rs.next() ? rs.getLong(1) : -1L));
            assertThat(stored).isEqualTo(rows.get());
        }
    }

    /**
     * A RESTART waits (holding writers back) for readers to leave the old WAL; a long read makes it
     * come back busy. Then it backs off — skipped for 1, 2, 4 ... rounds — instead of stalling
     * writers every round while the read lasts, and restarts again once the read is over.
     */
    @Test
    void aRestartThatMeetsALongReadBacksOffAndRestartsOnceTheReadIsOver(@TempDir Path dir) throws Exception {
        try (Database db = Database.open(null, dir, false)) {
            db.call(c -> c.createStatement().executeUpdate("CREATE TABLE blob_rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"));
            String body = "x".repeat(3000);
            Runnable write = () -> {
                for (int i = 0; i < 2 * RESTART_FRAMES; i++) db.call(c -> db.update(c, "INSERT INTO blob_rows (body) VALUES (?)", body));
            };
            write.run();
            List<Database.Restart> seen = new ArrayList<>();
            long busyNanos = Long.MAX_VALUE;
            try (Connection reader = db.connection()) {
                // A long read: a transaction that has read and not ended pins the WAL as it was.
                reader.setAutoCommit(false);
                try (var rs = reader.createStatement().executeQuery("SELECT count(*) FROM blob_rows")) {
                    assertThat(rs.next()).isTrue();
                }
                write.run();
                for (int round = 0; round < 7; round++) {
                    long start = System.nanoTime();
                    Database.Restart r = db.checkpoint(RESTART_FRAMES).restart();
                    if (r == Database.Restart.READER) busyNanos = Math.min(busyNanos, System.nanoTime() - start);
                    seen.add(r);
                }
                reader.rollback();
            }
            var busy = Database.Restart.READER;
            var skipped = Database.Restart.SKIPPED;
            assertThat(seen).containsExactly(busy, skipped, busy, skipped, skipped, busy, skipped);
            assertThat(busyNanos).as("a busy RESTART waited for the reader").isGreaterThanOrEqualTo(90_000_000L);

            // The read is over: within the back-off (four rounds left) the WAL restarts, and the
            // back-off starts over — the next long WAL restarts at its first round.
            Database.Restart r = skipped;
            for (int round = 0; round < 5 && r != Database.Restart.DONE; round++) r = db.checkpoint(RESTART_FRAMES).restart();
            assertThat(r).isEqualTo(Database.Restart.DONE);
            write.run();
            assertThat(db.checkpoint(RESTART_FRAMES).restart()).isEqualTo(Database.Restart.DONE);
        }
    }
}
