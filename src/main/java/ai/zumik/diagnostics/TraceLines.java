package ai.zumik.diagnostics;

import ai.zumik.traces.TraceEnvelope;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.HexFormat;

/**
 * Scores a JSONL stream of trace envelopes ({@code zumik diagnose}, {@code zumik score}) without
 * holding it: bytes are read in 1 MiB chunks, hashed into the evidence digest, split at newlines and
 * each line parsed on its own (in batches, on parser threads, scored in file order). A bad line (not JSON, a missing or ill-typed field) is rejected with
 * its line number and the field {@link TraceEnvelope#fromJson} names; the others are scored. Blank
 * lines are skipped.
 */
public final class TraceLines {
    /** Rejected lines listed in a report; beyond, only counted. */
    public static final int ERRORS_LISTED = 20;
    static final int MAX_LINE_BYTES = 1 << 20;
    /** Parser threads: this machine's cores, at most 4 (reading, hashing and scoring take one more). */
    static final int PARSERS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    static final int BATCH_LINES = 2048;
    static final int BATCH_BYTES = 1 << 20;
    private static final ObjectMapper MAPPER = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    private final WorkloadScorer scorer;
    private final MessageDigest digest = sha256();
    private final ArrayNode errors = ai.zumik.json.Json.array();
    private long lineNumber;
    private long scored;
    private long rejected;
    private String evidenceDigest;

    public TraceLines(WorkloadScorer scorer) {
        this.scorer = scorer;
    }

    /**
     * Reads {@code in} to its end, scoring every line. Lines are parsed in batches on
     * {@link #PARSERS} threads while this one reads, hashes and splits the next ones and scores the
     * parsed batches strictly in file order.
     */
    public TraceLines read(InputStream in) throws IOException {
        ExecutorService parsers = Executors.newFixedThreadPool(PARSERS, r -> {
            Thread t = new Thread(r, "zumik-trace-parser");
            t.setDaemon(true);
            return t;
        });
        try {
            Batches batches = new Batches(parsers);
            byte[] chunk = new byte[1 << 20];
            byte[] line = new byte[64 * 1024];
            int lineLength = 0;
            boolean overlong = false;
            int n;
            while ((n = in.read(chunk)) > 0) {
                digest.update(chunk, 0, n);
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (chunk[i] != '\n') continue;
                    if (lineLength == 0 && !overlong) {
                        batches.add(chunk, start, i - start, false);
                    } else {
                        int take = i - start;
                        if (!overlong && lineLength + take <= MAX_LINE_BYTES) {
                            line = ensure(line, lineLength + take);
                            System.arraycopy(chunk, start, line, lineLength, take);
                            lineLength += take;
                        } else {
                            overlong = true;
                        }
                        batches.add(line, 0, lineLength, overlong);
                        lineLength = 0;
                        overlong = false;
                    }
                    start = i + 1;
                }
                int rest = n - start;
                if (rest > 0 && !overlong) {
                    if (lineLength + rest > MAX_LINE_BYTES) {
                        overlong = true;
                    } else {
                        line = ensure(line, lineLength + rest);
                        System.arraycopy(chunk, start, line, lineLength, rest);
                        lineLength += rest;
                    }
                }
            }
            if (lineLength > 0 || overlong) batches.add(line, 0, lineLength, overlong);
            batches.finish();
        } finally {
            parsers.shutdownNow();
        }
        return this;
    }

    private static byte[] ensure(byte[] b, int size) {
        return size <= b.length ? b : Arrays.copyOf(b, Math.max(size, 2 * b.length));
    }

    /** Lines grouped for the parser threads; parsed batches come back, and are scored, in order. */
    private final class Batches {
        private final ExecutorService parsers;
        private final ArrayDeque<Future<Object[]>> inFlight = new ArrayDeque<>();
        private byte[] data = new byte[BATCH_BYTES];
        private int used;
        private int[] offsets = new int[BATCH_LINES];
        private int[] lengths = new int[BATCH_LINES];
        private int count;

        Batches(ExecutorService parsers) {
            this.parsers = parsers;
        }

        /** Queues one line; an overlong one is marked by length -1. */
        void add(byte[] b, int off, int len, boolean overlong) {
            if (!overlong && used + len > data.length && count > 0) submit();
            if (!overlong) {
                data = ensure(data, used + len);
                System.arraycopy(b, off, data, used, len);
            }
            offsets[count] = used;
            lengths[count] = overlong ? -1 : len;
            if (!overlong) used += len;
            if (++count == BATCH_LINES) submit();
        }

        private void submit() {
            byte[] d = data;
            int[] o = offsets;
            int[] l = lengths;
            int c = count;
            inFlight.add(parsers.submit(() -> parse(d, o, l, c)));
            data = new byte[BATCH_BYTES];
            offsets = new int[BATCH_LINES];
            lengths = new int[BATCH_LINES];
            used = 0;
            count = 0;
            while (inFlight.size() > 2 * PARSERS) score(inFlight.poll());
        }

        void finish() {
            if (count > 0) submit();
            while (!inFlight.isEmpty()) score(inFlight.poll());
        }

        private void score(Future<Object[]> batch) {
            Object[] parsed;
            try {
                parsed = batch.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while scoring traces", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("a trace parser failed", e.getCause());
            }
            for (Object p : parsed) {
                lineNumber++;
                switch (p) {
                    case null -> { }
                    case TraceEnvelope t -> {
                        scorer.accept(t);
                        scored++;
                    }
                    case String error -> reject(error);
                    default -> throw new IllegalStateException("unexpected " + p);
                }
            }
        }
    }

    /** Each line as a {@link TraceEnvelope}, the error naming what is wrong with it, or null (blank). */
    private static Object[] parse(byte[] b, int[] offsets, int[] lengths, int count) {
        Object[] out = new Object[count];
        for (int i = 0; i < count; i++) {
            int off = offsets[i];
            int len = lengths[i];
            if (len < 0) {
                out[i] = "line longer than " + MAX_LINE_BYTES + " bytes";
                continue;
            }
            if (len > 0 && b[off + len - 1] == '\r') len--;
            if (blank(b, off, len)) continue;
            JsonNode node;
            try {
                node = MAPPER.readTree(b, off, len);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                out[i] = "not JSON: " + firstLine(e.getOriginalMessage());
                continue;
            } catch (IOException e) {
                out[i] = "not JSON: " + firstLine(e.getMessage());
                continue;
            }
            try {
                out[i] = TraceEnvelope.fromJson(node);
            } catch (IllegalArgumentException e) {
                out[i] = e.getMessage();
            }
        }
        return out;
    }

    private void reject(String message) {
        rejected++;
        if (errors.size() < ERRORS_LISTED) errors.addObject().put("line", lineNumber).put("error", message);
    }

    private static boolean blank(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') return false;
        }
        return true;
    }

    private static String firstLine(String s) {
        if (s == null) return "malformed";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Scores one trace given as an object ({@code POST /v2/diagnostics}); {@code json} is what the digest covers. */
    public void accept(TraceEnvelope trace, byte[] json) {
        lineNumber++;
        digest.update(json);
        digest.update((byte) '\n');
        scorer.accept(trace);
        scored++;
    }

    public long scored() {
        return scored;
    }

    public long rejected() {
        return rejected;
    }

    /** The scorer's report with what was read: lines scored and rejected, the first errors, the input's SHA-256. */
    public ObjectNode report() {
        ObjectNode r = scorer.report();
        r.put("lines_scored", scored);
        r.put("lines_rejected", rejected);
        r.set("errors", errors);
        if (evidenceDigest == null) evidenceDigest = "sha256:" + HexFormat.of().formatHex(digest.digest());
        r.put("evidence_digest", evidenceDigest);
        return r;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
