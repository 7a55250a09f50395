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
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Scores a JSONL stream of trace envelopes ({@code zumik diagnose}, {@code zumik score}) without
 * holding it: bytes are read in 1 MiB chunks, hashed into the evidence digest, split at newlines and
 * each line parsed on its own. A bad line (not JSON, a missing or ill-typed field) is rejected with
 * its line number and the field {@link TraceEnvelope#fromJson} names; the others are scored. Blank
 * lines are skipped.
 */
public final class TraceLines {
    /** Rejected lines listed in a report; beyond, only counted. */
    public static final int ERRORS_LISTED = 20;
    static final int MAX_LINE_BYTES = 1 << 20;
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

    /** Reads {@code in} to its end, scoring every line. */
    public TraceLines read(InputStream in) throws IOException {
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
                    line(chunk, start, i - start, false);
                } else {
                    int take = i - start;
                    if (!overlong && lineLength + take <= MAX_LINE_BYTES) {
                        line = ensure(line, lineLength + take);
                        System.arraycopy(chunk, start, line, lineLength, take);
                        lineLength += take;
                    } else {
                        overlong = true;
                    }
                    line(line, 0, lineLength, overlong);
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
        if (lineLength > 0 || overlong) line(line, 0, lineLength, overlong);
        return this;
    }

    private static byte[] ensure(byte[] b, int size) {
        return size <= b.length ? b : Arrays.copyOf(b, Math.max(size, 2 * b.length));
    }

    private void line(byte[] b, int off, int len, boolean overlong) {
        lineNumber++;
        if (overlong) {
            reject("line longer than " + MAX_LINE_BYTES + " bytes");
            return;
        }
        if (len > 0 && b[off + len - 1] == '\r') len--;
        if (blank(b, off, len)) return;
        JsonNode node;
        try {
            node = MAPPER.readTree(b, off, len);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            reject("not JSON: " + firstLine(e.getOriginalMessage()));
            return;
        } catch (IOException e) {
            reject("not JSON: " + firstLine(e.getMessage()));
            return;
        }
        try {
            scorer.accept(TraceEnvelope.fromJson(node));
            scored++;
        } catch (IllegalArgumentException e) {
            reject(e.getMessage());
        }
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
