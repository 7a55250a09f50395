package ai.zumik.metering;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The usage meter's write-ahead journal: a response's usage event becomes durable by being copied
 * into a memory-mapped, preallocated file, on the thread that finishes the response, with no
 * system call and no hand-off to another thread. Once the bytes are in the mapping they are in the
 * kernel's page cache: a process crash (SIGKILL) cannot lose them, exactly the guarantee SQLite
 * gives a WAL commit with {@code synchronous=NORMAL} (neither survives a power failure; that is what
 * {@code ZUMIK_USAGE_SYNC=full} is for, which bypasses the journal).
 *
 * <p>Files are segments {@code <generation>.seg} of {@value #SEGMENT_BYTES} bytes, zero-filled
 * when created (so the disk blocks exist before anything is written through the mapping). A
 * segment is a {@value #HEADER}-byte header (magic, generation, the generation it was used for
 * before or 0) followed by 8-aligned records: {@code int length, int crc32c(payload) ^
 * salt(generation), payload}. Length 0 means "nothing more here", -1 "sealed, go on to the next
 * generation". Appends are serialised by a lock held for the copy only; the usage writer reads
 * records behind the appenders (a volatile published offset per segment) and inserts them into the
 * database. A segment sealed and wholly committed is used again as a later generation (its first
 * record's length zeroed at once, so a crash replays nothing from it; then renamed, its header
 * rewritten, its mapping and pages kept): making a fresh one costs the writer a 4 MiB
 * zero-fill and a page fault per page, and under load that was half its CPU. The records a used
 * segment still holds past the new generation's last are not mistaken for new ones, because their
 * checksums are salted with the generation they were written in. At start-up, whatever segments a
 * crash left behind are replayed first ({@link #recover}); replay is idempotent because an event's
 * primary key is its response id. Segments of the first format ({@code ZUMIKJ01}: unsalted checksums,
 * never used twice) are still replayed.
 *
 * <p>The reader does not decode what this process just encoded: an appender that passes its event
 * along leaves it, tagged with its record's index, in an in-memory hand-over queue (bounded to
 * {@value #HANDOVER_LIMIT} events), and the reader takes the event from there for the record with
 * that index. The record is still what counts: an event is only ever read for a record already in
 * the mapping, and a record with no event handed over (the queue was full, the read was rewound)
 * is decoded from the mapping.
 */
final class UsageJournal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UsageJournal.class);
    private static final long PAGE = 4096;
    static final int SEGMENT_BYTES = 4 << 20;
    static final int HEADER = 64;
    /** Larger events (a long captured output) go through the queue instead. */
    static final int MAX_RECORD = 1 << 20;
    private static final long MAGIC = 0x5a554d494b4a3032L; // "ZUMIKJ02": salted checksums, segments used again
    private static final long MAGIC_UNSALTED = 0x5a554d494b4a3031L; // "ZUMIKJ01"
    private static final int SEALED = -1;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 << 10);
    /** Events held for the reader at most; past it (the database is behind) records are decoded instead. */
    static final int HANDOVER_LIMIT = 4096;

    /** An appended event and the index of its record (records appended before it). */
    private record Handed(long index, UsageEvent event) {}

    /** One mapped segment. Appenders write under the journal's lock; the reader follows {@code published}. */
    private static final class Segment {
        final Path file;
        final Arena arena;
        final MemorySegment map;
        final int salt; // of this segment's generation: xor-ed into each record's checksum
        long writeAt = HEADER; // appenders only, under the lock
        volatile long published = HEADER; // end of the last complete record
        volatile Segment next; // set before sealed
        volatile boolean sealed;

        Segment(Path file, Arena arena, MemorySegment map, long generation) {
            this.file = file;
            this.arena = arena;
            this.map = map;
            this.salt = salt(generation);
        }
    }

    private final Path dir;
    private final FileChannel lockFile; // held for the journal's life: one process per journal
    private final Object lock = new Object();
    private Segment current; // under lock
    private volatile Segment spare; // prepared by the writer, taken by an appender
    private Segment reusable; // writer only: sealed, wholly committed, kept for a later generation
    private long nextGeneration; // writer only
    private volatile long appended; // records appended, ever
    private final ConcurrentLinkedQueue<Handed> handover = new ConcurrentLinkedQueue<>();
    private final AtomicInteger handedOver = new AtomicInteger(); // the queue's size
    private volatile boolean closed;

    // Reader side: the usage writer thread only.
    private Segment reading;
    private long readAt;
    private Segment committedSegment;
    private long committedAt;
    private volatile long readCount; // written by the writer only; read by its idle check
    private volatile long committedCount; // written by the writer only; read by waiting readers

    private UsageJournal(Path dir, FileChannel lockFile, long firstGeneration) throws IOException {
        this.dir = dir;
        this.lockFile = lockFile;
        this.nextGeneration = firstGeneration;
        this.current = create();
        this.reading = current;
        this.readAt = HEADER;
        this.committedSegment = current;
        this.committedAt = HEADER;
        prepareSpare();
    }

    /**
     * Replays the segments left in {@code dir} by an earlier process through {@code replay} (which
     * must make them durable elsewhere, idempotently), deletes them, and opens a fresh journal.
     */
    static UsageJournal recover(Path dir, Consumer<List<UsageEvent>> replay) throws IOException {
        Files.createDirectories(dir);
        FileChannel lockFile = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            if (lockFile.tryLock() == null) throw new OverlappingFileLockException();
        } catch (OverlappingFileLockException | IOException e) {
            lockFile.close();
            throw new IOException("another Zumik process is serving from this data directory (" + dir + " is locked)");
        }
        try {
            return recover(dir, lockFile, replay);
        } catch (IOException | RuntimeException e) {
            lockFile.close();
            throw e;
        }
    }

    private static UsageJournal recover(Path dir, FileChannel lockFile, Consumer<List<UsageEvent>> replay)
            throws IOException {
        List<Path> left;
        try (Stream<Path> files = Files.list(dir)) {
            left = files.filter(p -> generationOf(p) >= 0)
                    .sorted((a, b) -> Long.compare(generationOf(a), generationOf(b))).toList();
        }
        long last = 0;
        int replayed = 0;
        for (Path file : left) {
            last = Math.max(last, generationOf(file));
            List<UsageEvent> events = readAll(file);
            if (!events.isEmpty()) replay.accept(events);
            replayed += events.size();
        }
        for (Path file : left) Files.delete(file);
        if (replayed > 0) LOG.info("replayed {} usage events from the journal left by the previous process", replayed);
        return new UsageJournal(dir, lockFile, last + 1);
    }

    /**
     * Appends one encoded event; true once it is in the mapping (durable against a process crash).
     * False when it cannot be journaled right now (too large, no prepared segment, closed): the
     * caller then makes it durable some other way.
     */
    boolean append(byte[] payload) {
        return append(payload, null);
    }

    /**
     * As {@link #append(byte[])}; {@code event} is what {@code payload} decodes to, handed to the
     * reader so it need not decode the record (null: the reader decodes it).
     */
    boolean append(byte[] payload, UsageEvent event) {
        if (payload.length > MAX_RECORD) return false;
        CRC32C crc = new CRC32C();
        crc.update(payload);
        long size = align(8L + payload.length);
        synchronized (lock) {
            if (closed) return false;
            Segment s = current;
            if (s.writeAt + size + 8 > SEGMENT_BYTES) {
                Segment n = spare;
                if (n == null) return false;
                spare = null;
                s.map.set(INT, s.writeAt, SEALED);
                s.next = n;
                s.sealed = true;
                current = s = n;
            }
            long at = s.writeAt;
            MemorySegment.copy(payload, 0, s.map, ValueLayout.JAVA_BYTE, at + 8, payload.length);
            s.map.set(INT, at + 4, (int) crc.getValue() ^ s.salt);
            s.map.set(INT, at, payload.length);
            s.writeAt = at + size;
            // Handed over before the record is published: a reader that sees the record finds its event.
            if (event != null && handedOver.incrementAndGet() <= HANDOVER_LIMIT) handover.offer(new Handed(appended, event));
            else if (event != null) handedOver.decrementAndGet();
            s.published = s.writeAt;
            appended++;
        }
        return true;
    }

    /** Records appended since this journal opened. */
    long appended() {
        return appended;
    }

    /** Records appended but not yet committed by the reader. */
    long backlog() {
        return appended - committedCount;
    }

    long committed() {
        return committedCount;
    }

    /** Records appended but not yet read by the writer. */
    long unread() {
        return appended - readCount;
    }

    /**
     * Writer thread: makes sure the next segment exists, so appenders never wait for a file: the
     * segment last committed when there is one, a new file otherwise.
     */
    void prepareSpare() throws IOException {
        if (spare != null || closed) return;
        Segment used = reusable;
        reusable = null;
        spare = used != null ? reuse(used) : create();
    }

    /**
     * Writer thread: decodes up to {@code max} records past the read position into {@code out}. The
     * position moves on only in memory; {@link #commitRead} makes it final, {@link #rewindRead}
     * returns to the last committed position (the database write failed).
     */
    int read(List<UsageEvent> out, int max) {
        int n = 0;
        while (n < max) {
            boolean sealed = reading.sealed;
            long end = reading.published;
            if (readAt >= end) {
                if (!sealed) break;
                reading = reading.next;
                readAt = HEADER;
                continue;
            }
            int len = reading.map.get(INT, readAt);
            UsageEvent handed = handedOver(readCount + n);
            if (handed != null) {
                out.add(handed);
            } else {
                byte[] payload = new byte[len];
                MemorySegment.copy(reading.map, ValueLayout.JAVA_BYTE, readAt + 8, payload, 0, len);
                try {
                    out.add(UsageEventCodec.decode(payload));
                } catch (IllegalArgumentException e) { // only a bug in the codec can get here
                    LOG.error("usage journal: a record written by this process does not decode; skipped", e);
                }
            }
            readAt += align(8L + len);
            n++;
        }
        readCount += n;
        return n;
    }

    /**
     * The event handed over for record {@code index}, or null. The reader visits every record in
     * order and takes each event as it goes, so the queue's head is never behind {@code index}; it
     * is ahead for a record with none (not handed over, or read again after a rewind).
     */
    private UsageEvent handedOver(long index) {
        Handed h = handover.peek();
        if (h == null || h.index != index) return null;
        handover.poll();
        handedOver.decrementAndGet();
        return h.event;
    }

    /** Writer thread: what was read is in the database; segments wholly behind it are deleted. */
    void commitRead() {
        while (committedSegment != reading) {
            Segment done = committedSegment;
            committedSegment = done.next;
            if (reusable == null) {
                // Kept for reuse: a crash before then must not replay what is already in the database.
                done.map.set(INT, HEADER, 0);
                reusable = done;
            } else {
                discard(done);
            }
        }
        committedAt = readAt;
        committedCount = readCount;
    }

    void rewindRead() {
        reading = committedSegment;
        readAt = committedAt;
        readCount = committedCount;
    }

    /** Stops appends; pending records stay readable until {@link #close}. */
    void seal() {
        synchronized (lock) {
            closed = true;
        }
    }

    /** Unmaps everything; deletes the files only when every record is committed. */
    @Override
    public void close() {
        seal();
        boolean drained = backlog() == 0;
        for (Segment s = committedSegment; s != null; s = s.next) {
            if (drained) discard(s);
            else s.arena.close();
        }
        Segment sp = spare;
        if (sp != null) discard(sp);
        if (reusable != null) discard(reusable);
        if (!drained) LOG.warn("usage journal closed with {} events not yet in the database; they replay at next start", backlog());
        try {
            lockFile.close(); // releases the lock
        } catch (IOException ignored) {
            // The process is stopping; the OS drops the lock with the file.
        }
    }

    private Segment create() throws IOException {
        long generation = nextGeneration++;
        Path file = dir.resolve(String.format("%016d.seg", generation));
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            for (long at = 0; at < SEGMENT_BYTES; ) at += ch.write(ZEROS.duplicate(), at);
            ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.BIG_ENDIAN).putLong(MAGIC).putLong(generation).putLong(0).flip();
            ch.write(header, 0);
            MemorySegment map = ch.map(FileChannel.MapMode.READ_WRITE, 0, SEGMENT_BYTES, arena);
            // Write-fault every page in here, on the writer thread: an appender's first store to a page
            // would otherwise take that fault on the event loop. The last byte of a page is past the
            // header and already zero.
            for (long at = PAGE - 1; at < SEGMENT_BYTES; at += PAGE) map.set(ValueLayout.JAVA_BYTE, at, (byte) 0);
            return new Segment(file, arena, map, generation);
        } catch (IOException | RuntimeException e) {
            arena.close();
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /**
     * The committed segment {@code used} as the next generation: renamed, its header rewritten in
     * place, its mapping and pages kept. Its old records stay until overwritten; a salt equal to the
     * old one's (about one generation pair in 2^32) would let them pass for new ones, so then a new
     * segment is made instead.
     */
    private Segment reuse(Segment used) throws IOException {
        if (salt(nextGeneration) == used.salt) {
            discard(used);
            return create();
        }
        long generation = nextGeneration++;
        long previous = used.map.get(LONG, 8);
        Path file = dir.resolve(String.format("%016d.seg", generation));
        try {
            Files.move(used.file, file);
        } catch (IOException e) {
            discard(used);
            throw e;
        }
        used.map.set(LONG, 16, previous);
        used.map.set(LONG, 8, generation);
        return new Segment(file, used.arena, used.map, generation);
    }

    /** Mixed into each record's checksum, so a record left from a segment's earlier generation fails it. */
    private static int salt(long generation) {
        return (int) ((generation * 0x9E3779B97F4A7C15L) >>> 32);
    }

    private static void discard(Segment s) {
        s.arena.close();
        try {
            Files.deleteIfExists(s.file);
        } catch (IOException e) {
            LOG.warn("could not delete usage journal segment {}", s.file.getFileName(), e);
        }
    }

    /** Every intact record of one segment file, in order; stops at the first gap, seal or damage. */
    static List<UsageEvent> readAll(Path file) throws IOException {
        List<UsageEvent> events = new ArrayList<>();
        ByteBuffer b;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() < HEADER) return events;
            b = ByteBuffer.allocate((int) Math.min(ch.size(), SEGMENT_BYTES)).order(ByteOrder.BIG_ENDIAN);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // fill
            }
            b.flip();
        }
        long magic = b.getLong(0);
        if (magic != MAGIC && magic != MAGIC_UNSALTED || b.getLong(8) != generationOf(file)) {
            LOG.warn("usage journal segment {} has no valid header; skipped", file.getFileName());
            return events;
        }
        int salt = magic == MAGIC ? salt(generationOf(file)) : 0;
        long previous = magic == MAGIC ? b.getLong(16) : 0;
        int at = HEADER;
        while (at + 8 <= b.limit()) {
            int len = b.getInt(at);
            if (len == 0 || len == SEALED) break;
            if (len < 0 || len > MAX_RECORD || at + 8L + len > b.limit()) {
                // In a segment used before, what follows the last record is the previous generation's.
                if (previous == 0) LOG.warn("usage journal segment {}: bad record length at {}; the rest is skipped", file.getFileName(), at);
                break;
            }
            byte[] payload = new byte[len];
            b.get(at + 8, payload);
            CRC32C crc = new CRC32C();
            crc.update(payload);
            int sum = (int) crc.getValue();
            if ((sum ^ salt) != b.getInt(at + 4)) {
                if (previous == 0 || (sum ^ salt(previous)) != b.getInt(at + 4)) {
                    LOG.warn("usage journal segment {}: damaged record at {} (torn by the crash); the rest is skipped",
                            file.getFileName(), at);
                }
                break; // or a record of the segment's previous generation: the end of this one's
            }
            try {
                events.add(UsageEventCodec.decode(payload));
            } catch (IllegalArgumentException e) {
                LOG.warn("usage journal segment {}: undecodable record at {}; the rest is skipped", file.getFileName(), at);
                break;
            }
            at += (int) align(8L + len);
        }
        return events;
    }

    private static long generationOf(Path file) {
        String name = file.getFileName().toString();
        if (!name.endsWith(".seg") || name.length() != 20) return -1;
        try {
            return Long.parseLong(name.substring(0, 16));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static long align(long n) {
        return (n + 7) & ~7L;
    }
}
