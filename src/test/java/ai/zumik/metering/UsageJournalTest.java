package ai.zumik.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.zumik.reuse.ReuseAccount;
import ai.zumik.store.Database;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsageJournalTest {
    @TempDir
    Path dir;

    static final DecisionTemplate TEMPLATE =
            DecisionTemplate.of("{\"targets\":[\"openai/gpt-4o-mini\"],\"note\":\"é ✓ 😀\"}");

    static UsageEvent event(String id, String output) {
        return new UsageEvent(id, "trc_" + id, "prj_1", "key_1", "/v1/chat/completions", "gpt-4o-mini", "openai",
                "gpt-4o-mini", "live", "managed_provider", true, 200, "completed", null, 12L, 3L, null, 7L, 0L, 41L, 120L,
                1_700_000_000_000L, "v1", "rel_9", TEMPLATE, "{\"seed\":\"" + id + "\"}", "[]",
                "{\"admission\":\"accepted\"}", output, true, 123_456L, "prc_test",
                new ReuseAccount(10L, 8L, 3L, "pf_0123456789abcdef", "provider", "provider_reported", 300_000L));
    }

    private List<Path> segments() throws Exception {
        return segments(dir);
    }

    private static List<Path> segments(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
        }
    }

    @Test
    void codecRoundTripsEveryFieldIncludingNullsAndNonAscii() {
        UsageEvent full = event("resp_1", "hello wörld 👋");
        assertThat(UsageEventCodec.decode(UsageEventCodec.encode(full, true))).isEqualTo(full);
        UsageEvent latin = event("resp_é", "caf\u00e9 \u00ff\u0100 \u07ff"); // one- and two-byte UTF-8, no surrogate
        assertThat(UsageEventCodec.decode(UsageEventCodec.encode(latin, true))).isEqualTo(latin);
        UsageEvent sparse = new UsageEvent("resp_2", "t", "p", "k", "/v1/embeddings", "m", null, null, "placeholder",
                "managed_provider", false, 503, "failed", "upstream_unavailable", null, null, null, null, null, null, 5L,
                6L, null, null, null, null, null, null, null, false, null, null, null);
        assertThat(UsageEventCodec.decode(UsageEventCodec.encode(sparse, true))).isEqualTo(sparse);
    }

    @Test
    void aRecordAfterTheFirstCarriesOnlyTheTemplateIdAndIsThatMuchSmaller() {
        UsageEvent e = event("resp_1", null);
        byte[] first = UsageEventCodec.encode(e, true);
        byte[] later = UsageEventCodec.encode(e, false);
        assertThat(first.length - later.length).isEqualTo(TEMPLATE.json().getBytes(StandardCharsets.UTF_8).length);
        UsageEvent decoded = UsageEventCodec.decode(later);
        assertThat(decoded.decisionTemplate()).isEqualTo(new DecisionTemplate(TEMPLATE.id(), null));
        assertThat(decoded.decision()).isEqualTo(e.decision());
    }

    @Test
    void aVersionOneRecordFromAnOlderBuildStillDecodesWithItsWholeDecision() {
        String whole = "{\"requested_model\":\"gpt-4o-mini\",\"seed\":\"ab\"}";
        UsageEvent old = new UsageEvent("resp_1", "t", "p", "k", "/v1/chat/completions", "m", "openai", "m", "live",
                "managed_provider", false, 200, "completed", null, 1L, null, null, 2L, null, 3L, 4L, 5L, "v1", null,
                null, whole, "[]", "{}", null, true, null, null, null);
        byte[] v4 = UsageEventCodec.encode(old, true);
        // Version 3 is version 4 without the reuse account's presence byte at the end.
        byte[] v3 = java.util.Arrays.copyOf(v4, v4.length - 1);
        v3[0] = 3;
        assertThat(UsageEventCodec.decode(v3)).as("a version 3 record has no reuse account").isEqualTo(old);
        // Version 2 is version 3 without the cost and price revision at the end (a null number, 1
        // byte, and a null string, 4).
        byte[] v2 = java.util.Arrays.copyOf(v3, v3.length - 5);
        v2[0] = 2;
        assertThat(UsageEventCodec.decode(v2)).as("a version 2 record has no cost").isEqualTo(old);
        // Version 1 is version 2 without the template's id and JSON (two null strings, 4 bytes each),
        // which sit just before the decision.
        int decisionAt = v2.length - (4 + whole.length()) - (4 + 2) - (4 + 2) - 4 - 1;
        byte[] v1 = new byte[v2.length - 8];
        System.arraycopy(v2, 0, v1, 0, decisionAt - 8);
        System.arraycopy(v2, decisionAt, v1, decisionAt - 8, v2.length - decisionAt);
        v1[0] = 1;
        UsageEvent decoded = UsageEventCodec.decode(v1);
        assertThat(decoded).isEqualTo(old);
        assertThat(decoded.routingDecision()).isEqualTo(whole);
    }

    @Test
    void codecRefusesTruncatedTrailingOrUnknownBytes() {
        byte[] bytes = UsageEventCodec.encode(event("resp_1", null), true);
        assertThatThrownBy(() -> UsageEventCodec.decode(Arrays.copyOf(bytes, bytes.length - 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UsageEventCodec.decode(Arrays.copyOf(bytes, bytes.length + 1)))
                .isInstanceOf(IllegalArgumentException.class);
        byte[] future = bytes.clone();
        future[0] = 9;
        assertThatThrownBy(() -> UsageEventCodec.decode(future)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Appends; when the current segment is full and its spare was taken, prepares another first, as
     * only the writer would, and appends again.
     */
    private static void append(UsageJournal journal, UsageEvent e) throws Exception {
        byte[] payload = UsageEventCodec.encode(e, true);
        if (!journal.append(payload)) {
            journal.prepareSpare();
            assertThat(journal.append(payload)).isTrue();
        }
    }

    @Test
    void recordsAreReadInOrderAcrossSegmentsAndSegmentsGoOnceCommitted() throws Exception {
        String big = "x".repeat(200_000); // ~20 records per 4 MiB segment
        try (UsageJournal journal = UsageJournal.recover(dir, events -> { throw new AssertionError("nothing to replay"); })) {
            int appended = 0;
            for (int i = 0; i < 70; i++) {
                append(journal, event("resp_" + i, big));
                appended++;
            }
            assertThat(segments()).hasSizeGreaterThanOrEqualTo(4);
            assertThat(journal.appended()).isEqualTo(appended);

            List<UsageEvent> read = new ArrayList<>();
            assertThat(journal.read(read, 30)).isEqualTo(30);
            journal.rewindRead(); // the database write failed: the same records come again
            read.clear();
            while (journal.read(read, 16) > 0) {
                // until the appenders' position
            }
            assertThat(read).extracting(UsageEvent::responseId)
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 70).mapToObj(i -> "resp_" + i).toList());
            assertThat(read.get(69)).isEqualTo(event("resp_69", big));
            assertThat(journal.backlog()).isEqualTo(70);
            journal.commitRead();
            assertThat(journal.backlog()).isZero();
            assertThat(journal.committed()).isEqualTo(70);
            assertThat(segments()).as("the segment being written, its spare and one kept for reuse remain")
                    .hasSizeLessThanOrEqualTo(3);
        }
        assertThat(segments()).as("a drained journal leaves nothing behind").isEmpty();
    }

    @Test
    void theReaderTakesHandedOverEventsAndDecodesOnlyRecordsWithoutOne() throws Exception {
        try (UsageJournal journal = UsageJournal.recover(dir, events -> { throw new AssertionError("nothing to replay"); })) {
            int n = UsageJournal.HANDOVER_LIMIT + 10;
            List<UsageEvent> appended = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                UsageEvent e = event("resp_" + i, null);
                appended.add(e);
                // Record 1 hands nothing over; past the limit the queue is full and the event is not kept.
                assertThat(journal.append(UsageEventCodec.encode(e, true), i == 1 ? null : e)).isTrue();
            }
            List<UsageEvent> read = new ArrayList<>();
            assertThat(journal.read(read, 3)).isEqualTo(3);
            journal.rewindRead(); // the database write failed: records 0 to 2 are read again, from the mapping
            read.clear();
            while (journal.read(read, 1000) > 0) {
                // until the appenders' position
            }
            assertThat(read).containsExactlyElementsOf(appended);
            for (int i = 0; i < n; i++) {
                boolean handed = i >= 3 && i <= UsageJournal.HANDOVER_LIMIT;
                if (handed) assertThat(read.get(i)).as("record %d", i).isSameAs(appended.get(i));
                else assertThat(read.get(i)).as("record %d", i).isNotSameAs(appended.get(i));
            }
            journal.commitRead();
            // The queue drained: the next event is handed over again.
            UsageEvent later = event("resp_later", null);
            assertThat(journal.append(UsageEventCodec.encode(later, true), later)).isTrue();
            read.clear();
            assertThat(journal.read(read, 10)).isEqualTo(1);
            assertThat(read.getFirst()).isSameAs(later);
        }
    }

    @Test
    void aJournalLeftByACrashIsReplayedUpToItsTornLastRecord() throws Exception {
        UsageJournal crashed = UsageJournal.recover(dir, events -> { });
        for (int i = 0; i < 5; i++) assertThat(crashed.append(UsageEventCodec.encode(event("resp_" + i, "out " + i), true))).isTrue();
        // The process "dies" here: its files are what the next one finds (copied, as this JVM still
        // holds the journal's lock). Damage the last record's payload, as a kill during the copy would.
        Path next = Files.createDirectories(dir.resolve("after-crash"));
        for (Path seg : segments()) Files.copy(seg, next.resolve(seg.getFileName()));
        Path seg = segments(next).getFirst();
        assertThat(UsageJournal.readAll(seg)).hasSize(5);
        long lastPayloadByte = lastRecordEnd(seg) - 1;
        try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "rw")) {
            f.seek(lastPayloadByte);
            int b = f.read();
            f.seek(lastPayloadByte);
            f.write(b ^ 0x5a);
        }

        List<UsageEvent> replayed = new ArrayList<>();
        try (UsageJournal reopened = UsageJournal.recover(next, replayed::addAll)) {
            assertThat(replayed).extracting(UsageEvent::responseId).containsExactly("resp_0", "resp_1", "resp_2", "resp_3");
            assertThat(replayed.get(2)).isEqualTo(event("resp_2", "out 2"));
            assertThat(segments(next)).as("old segments are gone; the new journal starts after them")
                    .isNotEmpty().allMatch(p -> p.getFileName().toString().compareTo(seg.getFileName().toString()) > 0);
            assertThat(reopened.backlog()).isZero();
        }
        crashed.close();
    }

    @Test
    void aCommittedSegmentIsUsedAgainAndItsOldRecordsAreNeverReplayedAsNew() throws Exception {
        String big = "x".repeat(200_000); // ~20 records per 4 MiB segment, all of one size
        UsageJournal journal = UsageJournal.recover(dir, events -> { throw new AssertionError("nothing to replay"); });
        Path first = segments().getFirst();
        List<String> expected = new ArrayList<>();
        int n = 0;
        for (; n < 30; n++) append(journal, event(String.format("resp_%03d", n), big));
        int inFirst = UsageJournal.readAll(first).size();
        assertThat(inFirst).isBetween(10, 29);
        for (int i = inFirst; i < 30; i++) expected.add(String.format("resp_%03d", i));
        List<UsageEvent> read = new ArrayList<>();
        while (journal.read(read, 100) > 0) {
            // all of them
        }
        journal.commitRead(); // the first segment is sealed and wholly committed
        assertThat(UsageJournal.readAll(first)).as("kept for reuse, it replays nothing after a crash").isEmpty();
        journal.prepareSpare(); // the writer's next spare is that segment, not a new file
        assertThat(segments()).doesNotContain(first).hasSize(2);
        Path reused = segments().getLast(); // the spare: a later generation than the segment being written

        // Fill the second segment and write two records of the same size into the used one: its
        // third record slot still holds the first generation's third record, intact.
        while (UsageJournal.readAll(reused).size() < 2) {
            String id = String.format("resp_%03d", n++);
            append(journal, event(id, big));
            expected.add(id);
            assertThat(n).isLessThan(100);
        }
        assertThat(segments()).as("no new file was made").hasSize(2);
        String bytes = new String(Files.readAllBytes(reused), StandardCharsets.ISO_8859_1);
        assertThat(bytes).as("the used segment still holds the first generation's third record")
                .contains("resp_002").doesNotContain("resp_000");
        // The process "dies": the next one finds these files (copied; this JVM holds the lock).
        Path next = Files.createDirectories(dir.resolve("after-crash"));
        for (Path seg : segments()) Files.copy(seg, next.resolve(seg.getFileName()));
        List<UsageEvent> replayed = new ArrayList<>();
        try (UsageJournal reopened = UsageJournal.recover(next, replayed::addAll)) {
            assertThat(replayed).extracting(UsageEvent::responseId).as("what was not committed, once, and nothing older")
                    .containsExactlyElementsOf(expected);
        }
        journal.close();
    }

    @Test
    void aSegmentOfTheFirstFormatIsStillReplayed() throws Exception {
        // ZUMIKJ01, as a build before segment reuse left it: unsalted checksums, no previous generation.
        ByteBuffer seg = ByteBuffer.allocate(UsageJournal.HEADER + 4096).order(java.nio.ByteOrder.BIG_ENDIAN);
        seg.putLong(0, 0x5a554d494b4a3031L).putLong(8, 7);
        int at = UsageJournal.HEADER;
        for (int i = 0; i < 3; i++) {
            byte[] payload = UsageEventCodec.encode(event("resp_" + i, "out " + i), true);
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            crc.update(payload);
            seg.putInt(at, payload.length).putInt(at + 4, (int) crc.getValue()).put(at + 8, payload);
            at = (at + 8 + payload.length + 7) & ~7;
        }
        Files.write(dir.resolve("0000000000000007.seg"), seg.array());
        List<UsageEvent> replayed = new ArrayList<>();
        try (UsageJournal reopened = UsageJournal.recover(dir, replayed::addAll)) {
            assertThat(replayed).extracting(UsageEvent::responseId).containsExactly("resp_0", "resp_1", "resp_2");
            assertThat(replayed.get(1)).isEqualTo(event("resp_1", "out 1"));
        }
    }

    @Test
    void aSecondJournalOnTheSameDirectoryIsRefused() throws Exception {
        try (UsageJournal first = UsageJournal.recover(dir, events -> { })) {
            assertThatThrownBy(() -> UsageJournal.recover(dir, events -> { }))
                    .isInstanceOf(java.io.IOException.class).hasMessageContaining("another Zumik process");
            assertThat(first.append(UsageEventCodec.encode(event("resp_1", null), true))).isTrue();
        }
        try (UsageJournal again = UsageJournal.recover(dir, events -> { })) {
            assertThat(again.backlog()).as("closing released the lock").isZero();
        }
    }

    @Test
    void tooLargeEventsAndAppendsAfterSealAreRefusedSoTheCallerUsesGroupCommit() throws Exception {
        try (UsageJournal journal = UsageJournal.recover(dir, events -> { })) {
            assertThat(journal.append(new byte[UsageJournal.MAX_RECORD + 1])).isFalse();
            assertThat(journal.append(UsageEventCodec.encode(event("resp_a", null), true))).isTrue();
            journal.seal();
            assertThat(journal.append(UsageEventCodec.encode(event("resp_b", null), true))).isFalse();
            assertThat(journal.appended()).isEqualTo(1);
        }
    }

    @Test
    void meterAcknowledgesFromTheJournalAndReadersSeeEveryAcknowledgedEvent() throws Exception {
        Path journalDir = dir.resolve("journal");
        try (Database db = Database.open(null, dir, false)) {
            try (UsageMeter meter = new UsageMeter(db, journalDir)) {
                UsageQueries queries = new UsageQueries(db, meter);
                // With SQLite's write lock held elsewhere no commit can happen: the acknowledgement
                // must come from the journal alone.
                try (Connection lock = writeLock(dir)) {
                    CompletableFuture<Throwable> done = new CompletableFuture<>();
                    meter.record(event("resp_locked", null), null, done::complete);
                    assertThat(done.get(2, TimeUnit.SECONDS)).isNull();
                    lock.createStatement().execute("ROLLBACK");
                }
                assertThat(queries.byResponse("prj_1", "resp_locked")).isEqualTo(event("resp_locked", null));
                for (int i = 0; i < 50; i++) {
                    CompletableFuture<Throwable> done = new CompletableFuture<>();
                    meter.record(event("resp_" + i, null), null, done::complete);
                    assertThat(done.get(5, TimeUnit.SECONDS)).isNull();
                    // Read right after the acknowledgement: the read must wait for the journal to drain.
                    assertThat(queries.byResponse("prj_1", "resp_" + i)).as("event %d readable", i)
                            .isEqualTo(event("resp_" + i, null));
                }
                assertThat(meter.eventsWritten()).isEqualTo(51);
                assertThat(meter.journalBacklog()).isZero();
                assertThat(count(db, "SELECT COUNT(*) FROM decision_templates")).as("one template for 51 responses").isEqualTo(1);
                assertThat(count(db, "SELECT MAX(length(decision)) FROM usage_events"))
                        .as("rows keep only their own part").isLessThan(40);
                assertThat(queries.byResponse("prj_1", "resp_7").routingDecision())
                        .isEqualTo("{\"targets\":[\"openai/gpt-4o-mini\"],\"note\":\"é ✓ 😀\",\"seed\":\"resp_7\"}");
            }
            assertThat(segments(journalDir)).isEmpty();
        }
    }

    @Test
    void aCrashedJournalWhoseLaterRecordsNameOnlyTheTemplateReplaysIntoWholeDecisions() throws Exception {
        Path crashedData = Files.createDirectories(dir.resolve("crashed"));
        Path copied = Files.createDirectories(dir.resolve("copied-journal"));
        try (Database db = Database.open(null, crashedData, false);
             UsageMeter meter = new UsageMeter(db, crashedData.resolve("journal"));
             Connection lock = writeLock(crashedData)) {
            for (int i = 0; i < 3; i++) {
                CompletableFuture<Throwable> done = new CompletableFuture<>();
                meter.record(event("resp_" + i, null), null, done::complete);
                assertThat(done.get(2, TimeUnit.SECONDS)).isNull();
            }
            // Nothing could commit: the journal alone holds the three, the template's JSON in the first.
            List<UsageEvent> journaled = new ArrayList<>();
            for (Path seg : segments(crashedData.resolve("journal"))) {
                Files.copy(seg, copied.resolve(seg.getFileName()));
                journaled.addAll(UsageJournal.readAll(seg));
            }
            assertThat(journaled).extracting(e -> e.decisionTemplate().json())
                    .containsExactly(TEMPLATE.json(), null, null);
            lock.createStatement().execute("ROLLBACK");
        }
        Path fresh = Files.createDirectories(dir.resolve("fresh"));
        try (Database db = Database.open(null, fresh, false); UsageMeter meter = new UsageMeter(db, copied)) {
            UsageQueries queries = new UsageQueries(db, meter);
            for (int i = 0; i < 3; i++) {
                assertThat(queries.byResponse("prj_1", "resp_" + i)).as("replayed %d", i).isEqualTo(event("resp_" + i, null));
            }
            assertThat(count(db, "SELECT COUNT(*) FROM decision_templates")).isEqualTo(1);
        }
    }

    private static long count(Database db, String sql) {
        return db.call(c -> {
            var rs = c.prepareStatement(sql).executeQuery();
            rs.next();
            return rs.getLong(1);
        });
    }

    @Test
    void aWriterBehindByABatchOrMoreCommitsTheNextAtOnceInsteadOfRestingAfterEach() throws Exception {
        int behind = 4 * UsageMeter.MAX_BATCH + 500;
        // Resting 3 s after each batch, the four whole batches take >= 9 s after the first commit;
        // going on at once, they are in by the writer's first wake-up (<= 3 s) and four commits.
        long rest = TimeUnit.SECONDS.toNanos(3);
        try (Database db = Database.open(null, dir, false);
             UsageMeter meter = new UsageMeter(db, dir.resolve("journal"), rest)) {
            try (Connection lock = writeLock(dir)) {
                // No commit can happen meanwhile: the backlog builds up in the journal alone.
                for (int i = 0; i < behind; i++) meter.record(event("resp_" + i, null), null, null);
                assertThat(meter.journalBacklog()).isEqualTo(behind);
                lock.createStatement().execute("ROLLBACK");
            }
            // Nobody reads or waits (either would wake the writer): only the writer's own loop drains.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(7);
            while (meter.journalBacklog() >= UsageMeter.MAX_BATCH && System.nanoTime() < deadline) Thread.sleep(5);
            assertThat(meter.journalBacklog()).as("the writer rests only once less than a batch is left")
                    .isLessThan(UsageMeter.MAX_BATCH);
            assertThat(count(db, "SELECT COUNT(*) FROM usage_events")).isGreaterThan(behind - UsageMeter.MAX_BATCH);
        }
    }

    @Test
    void aLargeOutputSkipsTheJournalButIsStillCommittedBeforeItsCallback() throws Exception {
        try (Database db = Database.open(null, dir, false); UsageMeter meter = new UsageMeter(db, dir.resolve("journal"))) {
            UsageEvent huge = event("resp_huge", "y".repeat(UsageJournal.MAX_RECORD));
            CompletableFuture<Throwable> done = new CompletableFuture<>();
            try (Connection lock = writeLock(dir)) {
                meter.record(huge, null, done::complete);
                Thread.sleep(300);
                assertThat(done).as("not acknowledged while its commit cannot happen").isNotDone();
                lock.createStatement().execute("ROLLBACK");
            }
            assertThat(done.get(5, TimeUnit.SECONDS)).isNull();
            assertThat(meter.commits()).isPositive();
            long stored = db.call(c -> {
                var rs = c.prepareStatement("SELECT length(output) FROM usage_events WHERE response_id = 'resp_huge'").executeQuery();
                return rs.next() ? rs.getLong(1) : -1L;
            });
            assertThat(stored).isEqualTo(UsageJournal.MAX_RECORD);
        }
    }

    /** Holds SQLite's write lock on the database in {@code dir} until rolled back or closed. */
    private static Connection writeLock(Path dir) throws Exception {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("zumik.db"));
        c.createStatement().execute("BEGIN IMMEDIATE");
        return c;
    }

    /** Offset just past the last record's payload in a segment file (records are 8-aligned). */
    private static long lastRecordEnd(Path seg) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(seg.toFile(), "r")) {
            long at = UsageJournal.HEADER;
            long end = at;
            while (true) {
                f.seek(at);
                int len = f.readInt();
                if (len <= 0) return end;
                end = at + 8 + len;
                at = (end + 7) & ~7L;
            }
        }
    }
}
