package ai.zumik.provider;

import ai.zumik.config.ZumikConfig.Timeouts;
import ai.zumik.inference.FailureClass;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.UpstreamFailure;
import ai.zumik.inference.Usage;
import ai.zumik.provider.sse.SseDecoder;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import java.util.function.Consumer;

/**
 * The lifecycle of one HTTP call to a provider, shared by every wire protocol. A small state
 * machine: CONNECTING → AWAITING_HEAD → READING → DONE, with four timers that can end it
 * (connect, first byte, stream idle, total). Exactly one terminal event is emitted, and never
 * after {@link #cancel()}. Subclasses supply the protocol: the request, how to read a success
 * body or a stream event, and how to read an error body.
 */
public abstract class HttpAttempt implements UpstreamCall {
    private enum State { CONNECTING, AWAITING_HEAD, READING, DONE }

    private static final int MAX_ERROR_BODY = 64 * 1024;
    private static final int MAX_BODY = 256 * 1024 * 1024;
    // Header names and values as pre-encoded ASCII (Netty's HttpHeaderValues are too): Netty copies
    // their bytes whole where a String is written byte by byte (bench/RESULTS.md, 2026-12-07, 22:56Z).
    private static final CharSequence TRACEPARENT = HttpHeaders.createOptimized("traceparent");

    protected final Transport transport;
    private final Timeouts timeouts;
    private final boolean stream;
    private final Consumer<StreamEvent> events;
    /** The W3C trace context of this attempt's span (null when tracing is off). */
    private final String traceparent = UpstreamTrace.pending();
    private State state = State.CONNECTING;
    private HttpClientRequest request;
    private HttpClientResponse response;
    private SseDecoder decoder;
    private long firstByteTimer = -1;
    private long idleTimer = -1;
    private long totalTimer = -1;
    private boolean firstEventSeen;
    private boolean paused;

    protected HttpAttempt(Transport transport, Timeouts timeouts, boolean stream, Consumer<StreamEvent> events) {
        this.transport = transport;
        this.timeouts = timeouts;
        this.stream = stream;
        this.events = events;
    }

    protected abstract Endpoint endpoint();

    protected abstract String path();

    /** Adds auth and protocol headers; content type is set already. */
    protected abstract void headers(HttpClientRequest request);

    /** The request body, asked for once, when the attempt has its connection (so it need not be kept before). */
    protected abstract Buffer body();

    /** Reads a non-2xx response. */
    protected abstract UpstreamFailure errorResponse(int status, MultiMap headers, byte[] body);

    /** Reads a non-stream 2xx body into a {@link StreamEvent.Completion} (or a failure). */
    protected abstract StreamEvent completion(HttpClientResponse head, byte[] body);

    /** Handles one SSE event of a 2xx stream by calling {@link #emit}, {@link #finish} or {@link #fail}. */
    protected abstract void onSseEvent(String event, byte[] data, int length);

    /** Called when a 2xx response head arrives, before its body (for usage headers). */
    protected void onHead(HttpClientResponse head) {}

    /**
     * The stream's connection ended; protocols whose streams have an explicit terminator fail here.
     * Before any event it is an ordinary upstream failure (another target may answer), after one an
     * interruption.
     */
    protected void onStreamClosed() {
        fail(eventSeen() ? UpstreamFailure.of(FailureClass.STREAM_INTERRUPTED, "The upstream closed the stream before it finished.")
                : UpstreamFailure.of(FailureClass.SERVER_ERROR, "The upstream closed the stream before sending any event."),
                Usage.UNREPORTED);
    }

    /** Whether the stream has delivered an event yet. */
    protected final boolean eventSeen() {
        return firstEventSeen;
    }

    /** Starts the attempt; events follow on the current event loop. */
    public final HttpAttempt start() {
        var vertx = transport.vertx();
        // The attempt's own limit (non-stream) ends just this attempt; the response's total ends it all.
        boolean ownLimit = timeouts.attempt() != null;
        totalTimer = vertx.setTimer((ownLimit ? timeouts.attempt() : timeouts.total()).toMillis(), id -> {
            totalTimer = -1;
            if (ownLimit) {
                timeout(FailureClass.ATTEMPT_TIMEOUT, "The upstream did not answer within the attempt timeout ("
                        + timeouts.attempt().toMillis() + " ms).");
            } else {
                timeout(FailureClass.TOTAL_TIMEOUT, "The upstream did not finish within the total timeout.");
            }
        });
        if (stream) {
            firstByteTimer = vertx.setTimer(timeouts.firstByte().toMillis(), id -> {
                firstByteTimer = -1;
                timeout(FailureClass.FIRST_BYTE_TIMEOUT, "The upstream sent nothing within the first-byte timeout.");
            });
        }
        transport.open(endpoint(), HttpMethod.POST, path()).onComplete(ar -> {
            if (state == State.DONE) {
                if (ar.succeeded()) ar.result().reset();
                return;
            }
            if (ar.failed()) {
                fail(connectFailure(ar.cause()), Usage.UNREPORTED);
                return;
            }
            request = ar.result();
            request.putHeader(HttpHeaders.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            request.putHeader(HttpHeaders.ACCEPT, stream ? HttpHeaderValues.TEXT_EVENT_STREAM : HttpHeaderValues.APPLICATION_JSON);
            if (traceparent != null) request.putHeader(TRACEPARENT, traceparent);
            headers(request);
            state = State.AWAITING_HEAD;
            request.send(body()).onComplete(rr -> {
                if (state == State.DONE) return;
                if (rr.failed()) fail(connectFailure(rr.cause()), Usage.UNREPORTED);
                else onResponse(rr.result());
            });
        });
        return this;
    }

    private void onResponse(HttpClientResponse resp) {
        response = resp;
        state = State.READING;
        int status = resp.statusCode();
        if (status < 200 || status > 299) {
            collect(resp, MAX_ERROR_BODY, bytes -> fail(errorResponse(status, resp.headers(), bytes), Usage.UNREPORTED));
            return;
        }
        onHead(resp);
        if (!stream) {
            collect(resp, MAX_BODY, bytes -> {
                if (state == State.DONE) return;
                StreamEvent e = completion(resp, bytes);
                if (e instanceof StreamEvent.Failed f) fail(f.failure(), f.usage());
                else finish(e);
            });
            return;
        }
        String type = resp.getHeader("content-type");
        if (type != null && !type.contains("text/event-stream")) {
            collect(resp, MAX_ERROR_BODY, bytes -> {
                UpstreamFailure f = errorResponse(status, resp.headers(), bytes);
                fail(f.failureClass() == FailureClass.BAD_REQUEST
                        ? UpstreamFailure.of(FailureClass.MALFORMED_RESPONSE,
                        "The upstream answered a stream request with " + type + ".")
                        : f, Usage.UNREPORTED);
            });
            return;
        }
        decoder = new SseDecoder(this::sseEvent);
        resp.handler(buf -> {
            if (state != State.READING) return;
            if (firstEventSeen) armIdle();
            try {
                decoder.feed(buf);
            } catch (IllegalStateException tooBig) {
                fail(UpstreamFailure.of(FailureClass.MALFORMED_RESPONSE, "The upstream sent an oversized stream event."),
                        Usage.UNREPORTED);
            }
        });
        resp.exceptionHandler(t -> {
            if (state == State.READING) {
                fail(firstEventSeen ? UpstreamFailure.of(FailureClass.STREAM_INTERRUPTED, "The upstream connection broke mid-stream.")
                        : UpstreamFailure.of(FailureClass.CONNECT, "The upstream connection broke before the stream began."),
                        Usage.UNREPORTED);
            }
        });
        resp.endHandler(v -> {
            if (state == State.READING) onStreamClosed();
        });
    }

    private void sseEvent(String event, byte[] data, int length) {
        if (state != State.READING) return;
        if (!firstEventSeen) {
            firstEventSeen = true;
            cancelTimer(firstByteTimer);
            firstByteTimer = -1;
            armIdle();
        }
        onSseEvent(event, data, length);
    }

    /** Passes a non-terminal event on. */
    protected final void emit(StreamEvent e) {
        if (state == State.READING) events.accept(e);
    }

    /** Ends the attempt successfully with {@code e}. */
    protected final void finish(StreamEvent e) {
        if (state == State.DONE) return;
        state = State.DONE;
        cancelTimers();
        events.accept(e);
    }

    /** Ends the attempt with a failure and aborts the upstream request. */
    protected final void fail(UpstreamFailure failure, Usage usage) {
        if (state == State.DONE) return;
        state = State.DONE;
        cancelTimers();
        if (request != null) request.reset();
        events.accept(new StreamEvent.Failed(failure, usage));
    }

    protected final boolean done() {
        return state == State.DONE;
    }

    @Override
    public final void cancel() {
        if (state == State.DONE) return;
        state = State.DONE;
        cancelTimers();
        if (request != null) request.reset();
    }

    @Override
    public final void pause() {
        if (response != null && !paused) {
            paused = true;
            response.pause();
            cancelTimer(idleTimer);
            idleTimer = -1;
        }
    }

    @Override
    public final void resume() {
        if (response != null && paused) {
            paused = false;
            if (firstEventSeen && state == State.READING) armIdle();
            response.resume();
        }
    }

    private void timeout(FailureClass c, String message) {
        fail(UpstreamFailure.of(c, message), Usage.UNREPORTED);
    }

    private void armIdle() {
        cancelTimer(idleTimer);
        idleTimer = transport.vertx().setTimer(timeouts.streamIdle().toMillis(), id -> {
            idleTimer = -1;
            timeout(FailureClass.STREAM_IDLE_TIMEOUT, "The upstream stream stalled beyond the idle timeout.");
        });
    }

    private void cancelTimers() {
        cancelTimer(firstByteTimer);
        cancelTimer(idleTimer);
        cancelTimer(totalTimer);
        firstByteTimer = idleTimer = totalTimer = -1;
    }

    private void cancelTimer(long id) {
        if (id >= 0) transport.vertx().cancelTimer(id);
    }

    private void collect(HttpClientResponse resp, int limit, Consumer<byte[]> then) {
        Buffer acc = Buffer.buffer();
        boolean[] over = {false};
        resp.handler(buf -> {
            if (over[0]) return;
            if (acc.length() + buf.length() > limit) {
                over[0] = true;
                fail(UpstreamFailure.of(FailureClass.MALFORMED_RESPONSE, "The upstream response exceeded "
                        + (limit >> 10) + " KiB."), Usage.UNREPORTED);
            } else {
                acc.appendBuffer(buf);
            }
        });
        resp.exceptionHandler(t -> {
            if (!over[0]) fail(UpstreamFailure.of(FailureClass.STREAM_INTERRUPTED,
                    "The upstream connection broke while sending its response."), Usage.UNREPORTED);
        });
        resp.endHandler(v -> {
            if (!over[0] && state != State.DONE) then.accept(acc.getBytes());
        });
    }

    private static UpstreamFailure connectFailure(Throwable t) {
        if (t instanceof ConnectTimeoutException) {
            return UpstreamFailure.of(FailureClass.CONNECT_TIMEOUT, "Connecting to the upstream timed out.");
        }
        return UpstreamFailure.of(FailureClass.CONNECT, "The upstream could not be reached or closed the connection.");
    }
}
