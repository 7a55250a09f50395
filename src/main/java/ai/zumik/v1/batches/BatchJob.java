package ai.zumik.v1.batches;

import ai.zumik.broker.ExecutionBroker;
import ai.zumik.broker.ExecutionContext;
import ai.zumik.http.ApiError;
import ai.zumik.http.ApiException;
import ai.zumik.ids.Ids;
import ai.zumik.json.Json;
import ai.zumik.keys.ApiKeyService;
import ai.zumik.keys.Principal;
import ai.zumik.qos.QosClass;
import ai.zumik.qos.QosRequest;
import ai.zumik.v1.files.FileObject;
import ai.zumik.v1.files.FileStore;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One batch, run by the replica that holds its lease, from wherever it stands to its end, on a
 * virtual thread:
 * <pre>
 *   validating   read the input line by line (never whole), check each envelope ({@link LineCheck}),
 *                store the lines; no runnable line at all: failed, with errors
 *   in_progress  lines in input order, at most N in flight: mark started (durable) -> send through
 *                the broker on an event loop -> record the outcome and count it (one transaction)
 *   cancelling   stop sending, let the lines in flight finish, fail the rest (batch_cancelled)
 *   past window  the same, with batch_expired, ending expired
 *   finalizing   write the output and error files, then publish them and end the batch in one transaction
 * </pre>
 * At most once: a line is durably {@code started} before it is sent and never sent again. When a
 * run begins (after a crash, or on another replica after a takeover) every line still
 * {@code started} is failed as {@code batch_line_interrupted}: it may have reached the provider,
 * so running it again could run it twice. A line refused before anything was sent (a rate limit, a
 * full queue) goes back to waiting and runs later.
 */
final class BatchJob implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchJob.class);
    static final int MAX_LINES = 50_000;
    static final String INTERRUPTED = "batch_line_interrupted";
    private static final int MAX_ERRORS_SHOWN = 100;
    private static final int INSERT_CHUNK = 500;
    /** Validated lines are stored in transactions of at most this many lines or bytes of bodies. */
    private static final int INSERT_BYTES = 4 * 1024 * 1024;
    private static final int FETCH = 64;
    private static final QosRequest QOS = new QosRequest(QosClass.BATCH, null, null, 128, true);

    private final String id;
    private final BatchRunner runner;
    private final BatchStore store;
    private final FileStore files;
    private final Semaphore slots;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Deferred lines, run again before new ones. */
    private final ConcurrentLinkedDeque<BatchStore.PendingLine> retry = new ConcurrentLinkedDeque<>();
    private volatile long pauseUntil;
    private volatile boolean stop;
    private volatile boolean cancel;
    private volatile boolean lost;
    private volatile boolean broken;

    BatchJob(String id, BatchRunner runner) {
        this.id = id;
        this.runner = runner;
        this.store = runner.store();
        this.files = runner.files();
        this.slots = new Semaphore(runner.linesPerBatch());
    }

    String id() {
        return id;
    }

    /** Zumik is stopping: send nothing more; lines in flight finish; the batch resumes later. */
    void stop() {
        stop = true;
    }

    void cancelRequested() {
        cancel = true;
    }

    /** Another replica holds the batch now: send nothing more. */
    void leaseLost() {
        lost = true;
    }

    private boolean halted() {
        return stop || cancel || lost || broken;
    }

    @Override
    public void run() {
        boolean ended = false;
        try {
            ended = work();
        } catch (Exception e) {
            // Kept leased: it is taken up again once the lease lapses, not in a tight loop.
            LOG.error("batch {} stopped on an error; it resumes when its lease lapses", id, e);
        } finally {
            awaitIdle();
            if (!ended && !lost && stop) {
                try {
                    store.release(id, runner.owner());
                } catch (RuntimeException e) {
                    LOG.warn("could not release batch {}: {}", id, e.getMessage());
                }
            }
            runner.ended(this);
        }
    }

    /** True when the batch reached its end here (the lease went with it). */
    private boolean work() throws IOException {
        Batch b = store.get(id).orElse(null);
        if (b == null || !b.status().active()) return true;
        if (b.status() == BatchStatus.CANCELLING && b.inProgressAt() == null) {
            // Cancelled before it began: nothing ran, nothing to report.
            store.clearLines(id);
            return finish(b, BatchStatus.CANCELLED);
        }
        if (b.status() == BatchStatus.VALIDATING) {
            if (!validate(b)) return !lost && !stop;
            b = store.get(id).orElseThrow();
        }
        if (b.status() == BatchStatus.IN_PROGRESS || b.status() == BatchStatus.CANCELLING) {
            int interrupted = store.failAll(id, "started", INTERRUPTED, "Zumik stopped while this request was in flight; it "
                    + "may or may not have reached the provider, so it was not sent again.");
            if (interrupted > 0) LOG.warn("batch {}: {} requests in flight when its runner stopped are reported as {}",
                    id, interrupted, INTERRUPTED);
            if (b.status() == BatchStatus.IN_PROGRESS) runLines(b);
            if (stop || lost || broken) return false;
            return end(store.get(id).orElseThrow());
        }
        return b.status() != BatchStatus.FINALIZING || finish(b, BatchStatus.COMPLETED);
    }

    /** Every line has run, or the batch was cancelled or expired: the batch's end. */
    private boolean end(Batch b) throws IOException {
        if (b.status() == BatchStatus.CANCELLING) {
            store.failAll(id, "pending", "batch_cancelled", "This request was not executed because the batch was cancelled.");
            return finish(store.get(id).orElseThrow(), BatchStatus.CANCELLED);
        }
        boolean pending = !store.pending(id, 0, 1).isEmpty();
        if (pending && runner.clock().millis() >= b.expiresAt()) {
            store.failAll(id, "pending", "batch_expired",
                    "This request could not be executed before the completion window expired.");
            return finish(store.get(id).orElseThrow(), BatchStatus.EXPIRED);
        }
        if (pending) return false;
        if (!store.toFinalizing(id, runner.owner(), runner.clock().millis())) {
            Batch now = store.get(id).orElseThrow();
            if (now.status() == BatchStatus.CANCELLING) return end(now);
            lost = true;
            return false;
        }
        return finish(store.get(id).orElseThrow(), BatchStatus.COMPLETED);
    }

    // ---- validating ----

    private boolean validate(Batch b) throws IOException {
        long now = runner.clock().millis();
        Optional<FileObject> input = files.find(b.projectId(), b.inputFileId());
        if (input.isEmpty()) {
            return fail(b, List.of(error("input_file_not_found", "The input file '" + b.inputFileId() + "' no longer exists "
                    + "(it was deleted or expired before the batch read it).", "input_file_id", null)));
        }
        BatchEndpoint endpoint = BatchEndpoint.of(b.endpoint());
        store.clearLines(id);
        LineCheck check = new LineCheck(endpoint);
        List<BatchStore.CheckedLine> chunk = new ArrayList<>(INSERT_CHUNK);
        long chunkBytes = 0;
        List<ObjectNode> errors = new ArrayList<>();
        long total = 0;
        long bad = 0;
        String model = null;
        boolean mixed = false;
        try (CountingStream in = new CountingStream(files.open(input.get()))) {
            InputLines lines = new InputLines(in, (int) ApiError.MAX_BODY_BYTES);
            for (InputLines.Line l = lines.next(); l != null; l = lines.next()) {
                if (l.blank()) continue;
                if (++total > MAX_LINES) {
                    return fail(b, List.of(error("too_many_lines", "The input file has more than " + MAX_LINES
                            + " requests, the most one batch may hold; split it into several batches.", "input_file_id", null)));
                }
                LineCheck.Verdict v = check.check(l);
                if (!v.runnable()) {
                    bad++;
                    if (errors.size() < MAX_ERRORS_SHOWN) errors.add(error(v.code(), v.message(), v.param(), v.lineNo()));
                } else if (v.model() != null && !mixed) {
                    if (model == null) model = v.model();
                    else if (!model.equals(v.model())) mixed = true;
                }
                chunk.add(v.row());
                chunkBytes += v.runnable() ? v.body().length() : 0;
                if (chunk.size() == INSERT_CHUNK || chunkBytes >= INSERT_BYTES) {
                    store.insertLines(id, chunk);
                    chunk.clear();
                    chunkBytes = 0;
                    if (lost || stop) return false;
                }
            }
            if (in.count() != input.get().bytes()) {
                // Its content went while it was read (deleted on another replica): what was read is not the file.
                return fail(b, List.of(error("input_file_not_found", "The input file '" + b.inputFileId() + "' was deleted "
                        + "while the batch read it.", "input_file_id", null)));
            }
        }
        store.insertLines(id, chunk);
        if (total == 0) {
            return fail(b, List.of(error("empty_file", "The input file has no requests.", "input_file_id", null)));
        }
        if (bad == total) return fail(b, errors);
        if (!store.validated(id, runner.owner(), total, bad, mixed ? null : model, now)) {
            lost = true;
            return false;
        }
        return true;
    }

    /** The input as a whole cannot run: the batch fails (no files), its errors say why. */
    private boolean fail(Batch b, List<ObjectNode> errors) {
        ArrayNode data = Json.array();
        errors.forEach(data::add);
        if (!store.failValidation(id, runner.owner(), Json.text(data), runner.clock().millis())) lost = true;
        else LOG.info("batch {} failed: no line can run ({}: {})", id, errors.getFirst().get("code").asText(),
                errors.getFirst().get("message").asText());
        return false;
    }

    private static ObjectNode error(String code, String message, String param, Integer line) {
        ObjectNode e = Json.object();
        e.put("code", code);
        e.put("message", message);
        e.put("param", param);
        e.put("line", line);
        return e;
    }

    // ---- in_progress ----

    private void runLines(Batch b) {
        BatchEndpoint endpoint = BatchEndpoint.of(b.endpoint());
        ArrayDeque<BatchStore.PendingLine> buffer = new ArrayDeque<>();
        int cursor = 0;
        boolean revoked = false;
        while (!halted() && runner.clock().millis() < b.expiresAt()) {
            BatchStore.PendingLine line = retry.poll();
            if (line == null) {
                if (buffer.isEmpty()) {
                    List<BatchStore.PendingLine> next = store.pending(id, cursor, FETCH);
                    buffer.addAll(next);
                    if (!next.isEmpty()) cursor = next.getLast().lineNo();
                }
                line = buffer.poll();
            }
            if (line == null) {
                if (inFlight.get() == 0 && retry.isEmpty()) break; // every line has an outcome
                sleep(20);
                continue;
            }
            if (!acquireSlot()) break;
            if (!awaitPause() || !acquireBody(line)) {
                slots.release();
                break;
            }
            Principal principal = principal(b);
            if (principal == null) {
                release(line);
                revoked = true;
                break;
            }
            start(endpoint, line, principal);
        }
        awaitIdle();
        if (revoked) {
            store.failAll(id, "pending", "api_key_revoked", "The API key that created this batch (" + b.keyId()
                    + ") was revoked, so this request was not executed.");
        }
    }

    /** Runs one line; its slot and body budget are released when the line has an outcome. */
    private void start(BatchEndpoint endpoint, BatchStore.PendingLine line, Principal principal) {
        BatchEndpoint.Prepared prepared;
        try {
            String body = store.body(id, line.lineNo());
            if (body == null) { // no longer pending: reported by another runner
                release(line);
                return;
            }
            prepared = endpoint.prepare((ObjectNode) Json.parse(body.getBytes(StandardCharsets.UTF_8)));
        } catch (ApiException e) {
            // What the live endpoint answers to this body, before anything runs: no response id, no usage.
            recordUnsent(line, new LineOutcome.Answered(e.error().status(), null, Json.text(e.error().toJson()), null));
            return;
        } catch (IOException | RuntimeException e) {
            LOG.error("batch {} line {} could not be read", id, line.lineNo(), e);
            recordUnsent(line, new LineOutcome.Errored("internal_error", "Zumik could not read this request."));
            return;
        }
        String responseId = Ids.next("rsp_");
        if (!store.markStarted(id, line.lineNo(), responseId, runner.owner(), runner.clock().millis())) {
            lost = true;
            release(line);
            return;
        }
        inFlight.incrementAndGet();
        runner.lineStarted();
        LineSink sink = new LineSink(prepared, responseId);
        ExecutionContext ctx = new ExecutionContext(Ids.next("trc_"), responseId, principal, endpoint.url(), "v1",
                prepared.model(), false, System.nanoTime(), runner.clock().millis(), QOS, false).viaBatchApi();
        sink.outcome().whenComplete((o, t) -> runner.blocking().execute(() -> ended(line, o, t)));
        if (!runner.brokers().run(broker -> submit(broker, ctx, prepared, sink))) sink.internal();
    }

    /** On the broker's event loop. */
    private void submit(ExecutionBroker broker, ExecutionContext ctx, BatchEndpoint.Prepared prepared, LineSink sink) {
        try {
            ExecutionBroker.Result r = prepared.submit().submit(broker, ctx, sink);
            if (r.refusal() != null) broker.recordRefusal(ctx, r.refusal(), () -> sink.refused(r.refusal()));
        } catch (RuntimeException e) {
            LOG.error("batch {} could not submit {}", id, ctx.responseId(), e);
            sink.internal();
        }
    }

    /** A line's outcome arrived (on a virtual thread): record and count it, or put it back if deferred. */
    private void ended(BatchStore.PendingLine line, LineOutcome outcome, Throwable failure) {
        try {
            LineOutcome o = failure == null ? outcome : new LineOutcome.Errored("internal_error",
                    "Zumik failed while running this request.");
            if (o instanceof LineOutcome.Deferred d) {
                store.backToPending(id, line.lineNo());
                pauseUntil = Math.max(pauseUntil, runner.clock().millis() + d.delayMs());
                retry.addLast(line);
            } else {
                record(line, "started", o);
            }
        } catch (RuntimeException e) {
            LOG.error("batch {} line {}: could not put a deferred line back", id, line.lineNo(), e);
            broken = true;
        } finally {
            inFlight.decrementAndGet();
            runner.lineEnded();
            release(line);
        }
    }

    private void recordUnsent(BatchStore.PendingLine line, LineOutcome o) {
        try {
            record(line, "pending", o);
        } finally {
            release(line);
        }
    }

    /** A line's slot in this batch and its share of the replica's body budget go back. */
    private void release(BatchStore.PendingLine line) {
        runner.bodies().release(bodyPermits(line));
        slots.release();
    }

    private static int bodyPermits(BatchStore.PendingLine line) {
        return Math.clamp(line.bytes(), 1, BatchRunner.BODY_BUDGET);
    }

    /**
     * Stores a line's outcome, retrying a failing store a few times; if it stays down, this run
     * stops (the line stays {@code started} and the next run reports it interrupted).
     */
    private void record(BatchStore.PendingLine line, String from, LineOutcome o) {
        long[] backoff = {0, 200, 1_000, 5_000};
        for (long wait : backoff) {
            sleep(wait);
            try {
                if (!store.record(id, line.lineNo(), from, o)) {
                    LOG.info("batch {} line {} was already reported (taken over)", id, line.lineNo());
                }
                return;
            } catch (RuntimeException e) {
                LOG.warn("batch {} line {}: could not record its outcome: {}", id, line.lineNo(), e.getMessage());
            }
        }
        broken = true;
    }

    /** The key's principal now, through the key cache; null once it is revoked or gone. */
    private Principal principal(Batch b) {
        return switch (runner.keys().checkById(b.keyId())) {
            case ApiKeyService.Check.Granted g -> g.principal();
            case ApiKeyService.Check.Revoked r -> null;
            case ApiKeyService.Check.Unknown u -> null;
        };
    }

    private boolean acquireSlot() {
        try {
            while (!halted()) {
                if (slots.tryAcquire(100, TimeUnit.MILLISECONDS)) return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop = true;
        }
        return false;
    }

    private boolean acquireBody(BatchStore.PendingLine line) {
        try {
            while (!halted()) {
                if (runner.bodies().tryAcquire(bodyPermits(line), 100, TimeUnit.MILLISECONDS)) return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop = true;
        }
        return false;
    }

    private boolean awaitPause() {
        long left;
        while ((left = pauseUntil - runner.clock().millis()) > 0) {
            if (halted()) return false;
            sleep(Math.min(left, 100));
        }
        return !halted();
    }

    /** Waits until every line sent has its outcome recorded (or was put back). */
    private void awaitIdle() {
        while (inFlight.get() > 0) sleep(20);
    }

    private static void sleep(long ms) {
        if (ms <= 0) return;
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the end ----

    /**
     * Writes the output file (lines that succeeded) and the error file (the rest), each only when
     * it has lines, then publishes them and ends the batch in {@code status}, in one transaction.
     */
    private boolean finish(Batch b, BatchStatus status) throws IOException {
        long now = runner.clock().millis();
        Long expires = now + b.outputExpiresAfterS() * 1000;
        FileStore.Pending out = b.completed() == 0 ? null : files.store(b.projectId(), FileObject.BATCH_OUTPUT,
                b.id() + "_output.jsonl", 0, expires, o -> store.forEachDone(id, true, l -> OutputLines.write(o, l)));
        FileStore.Pending err = null;
        try {
            err = b.failed() == 0 ? null : files.store(b.projectId(), FileObject.BATCH_OUTPUT, b.id() + "_error.jsonl", 0,
                    expires, o -> store.forEachDone(id, false, l -> OutputLines.write(o, l)));
            FileStore.Pending o = out;
            FileStore.Pending e = err;
            String column = switch (status) {
                case COMPLETED -> "completed_at";
                case CANCELLED -> "cancelled_at";
                case EXPIRED -> "expired_at";
                default -> throw new IllegalArgumentException("not an end: " + status);
            };
            boolean done = store.finish(id, runner.owner(), status, column, now, o == null ? null : o.id(),
                    e == null ? null : e.id(), c -> {
                        if (o != null) files.publish(c, o);
                        if (e != null) files.publish(c, e);
                    });
            if (done) {
                LOG.info("batch {} {}: {} of {} requests completed, {} failed", id, status.wire(), b.completed(), b.total(),
                        b.failed());
                return true;
            }
            lost = true;
        } catch (IOException | RuntimeException x) {
            discard(out);
            discard(err);
            throw x;
        }
        discard(out);
        discard(err);
        return false;
    }

    /** Counts what is read, to tell a whole input from one cut short. */
    private static final class CountingStream extends java.io.FilterInputStream {
        private long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) count++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) count += n;
            return n;
        }

        long count() {
            return count;
        }
    }

    private void discard(FileStore.Pending p) {
        if (p == null) return;
        try {
            files.discard(p);
        } catch (RuntimeException e) {
            LOG.warn("could not remove an unpublished output file {}: {}", p.id(), e.getMessage());
        }
    }
}
