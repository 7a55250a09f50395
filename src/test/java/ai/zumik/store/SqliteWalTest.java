package ai.zumik.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
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
                            // One commit per row, another connection reading meanwhile: the load of a busy gateway.
                            db.call(c -> db.update(c, "INSERT INTO blob_rows (body) VALUES (?)", body));
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
            int previous = 0;
            while (rows.get() < 20_000 && System.nanoTime() < deadline) {
                Thread.sleep(20);
                int frames = db.checkpoint(RESTART_FRAMES);
                if (previous >= RESTART_FRAMES && frames < previous) rounds++; // restarted: it is shorter than last round
                previous = frames;
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
}
