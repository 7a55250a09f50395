package ai.zumik.http;

import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import ai.zumik.keys.Principal;
import ai.zumik.telemetry.AccessRecord;
import ai.zumik.telemetry.RequestSpan;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP request and its response, from accept to the access-log line. Lives on one event loop;
 * every method must be called on it. Handlers write through it so that the common headers, the
 * error envelope and the telemetry record happen in exactly one place.
 */
public final class Exchange {
    private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);
    public static final CharSequence AGENT_TRACE_ID = HttpHeaders.createOptimized("Agent-Trace-Id");
    public static final CharSequence AGENT_RESPONSE_ID = HttpHeaders.createOptimized("Agent-Response-Id");

    private final HttpServerRequest request;
    private final HttpServerResponse response;
    private final Context context;
    private final Telemetry telemetry;
    private final Executor blocking;
    private final long startNanos = System.nanoTime();
    private final long startMs = System.currentTimeMillis();
    private final String traceId;
    private String route = "unmatched";
    private Principal principal;
    private String responseId;
    private boolean finished;
    private boolean clientClosed;
    private Runnable closeAction;

    // Inference facts, filled in by surfaces for the access log and metrics.
    private String provider;
    private String model;
    private String executionMode;
    private Usage usage;
    private long ttftNanos = -1;
    private long upstreamNanos = -1;
    private String errorCode;
    private boolean stream;

    private final Runnable onFinished;
    private Runnable release;
    private ConnectionGuard guard;
    private Capture capture;
    private Query query = Query.EMPTY;
    /** The request's trace span; null unless tracing is on and this is an inference route. */
    private RequestSpan span;

    Exchange(HttpServerRequest request, Context context, Telemetry telemetry, Executor blocking, String traceId,
             Runnable onFinished) {
        this.onFinished = onFinished;
        this.request = request;
        this.response = request.response();
        this.context = context;
        this.telemetry = telemetry;
        this.blocking = blocking;
        this.traceId = traceId;
        response.putHeader(AGENT_TRACE_ID, traceId);
        response.closeHandler(v -> {
            if (!finished) {
                clientClosed = true;
                if (closeAction != null) closeAction.run();
                finish(499);
            }
        });
    }

    public HttpServerRequest request() {
        return request;
    }

    public HttpServerResponse response() {
        return response;
    }

    public Context context() {
        return context;
    }

    public long startNanos() {
        return startNanos;
    }

    public long startMs() {
        return startMs;
    }

    public String traceId() {
        return traceId;
    }

    public Principal principal() {
        return principal;
    }

    void principal(Principal p) {
        this.principal = p;
    }

    public RequestSpan span() {
        return span;
    }

    void span(RequestSpan s) {
        this.span = s;
    }

    void route(String route) {
        this.route = route;
    }

    ConnectionGuard guard() {
        return guard;
    }

    void guard(ConnectionGuard g) {
        this.guard = g;
        if (g != null) g.exchange(this);
    }

    /** The query string, decoded strictly before the handler ran. */
    public Query query() {
        return query;
    }

    void query(Query q) {
        this.query = q;
    }

    /** Runs {@code action} once when the exchange ends (after its response, or when the client left). */
    void onFinish(Runnable action) {
        this.release = action;
    }

    /**
     * A copy of what this exchange answered, for replaying it later: status, content type, the
     * {@code Agent-*} headers and the body; {@code body} is null when the body passed {@code limit}
     * bytes or the client left before the end.
     */
    public record Captured(int status, String contentType, java.util.Map<String, String> agentHeaders, byte[] body) {}

    private static final class Capture {
        final int limit;
        final Consumer<Captured> done;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();

        Capture(int limit, Consumer<Captured> done) {
            this.limit = limit;
            this.done = done;
        }

        void add(Buffer b) {
            if (bytes == null) return;
            if (bytes.size() + b.length() > limit) bytes = null;
            else bytes.writeBytes(b.getBytes());
        }
    }

    /** Keeps a copy of the body written from now on, handed to {@code done} when the exchange ends. */
    public void capture(int limit, Consumer<Captured> done) {
        this.capture = new Capture(limit, done);
    }

    /** Writes part of a streamed body (and keeps its copy when capturing). */
    public void write(Buffer b) {
        if (capture != null) capture.add(b);
        response.write(b);
    }

    public String responseId() {
        return responseId;
    }

    /** Assigns the response id and announces it in {@code Agent-Response-Id}. */
    public void responseId(String id) {
        this.responseId = id;
        response.putHeader(AGENT_RESPONSE_ID, id);
    }

    public boolean finished() {
        return finished;
    }

    /** Runs {@code action} if the client disconnects before the response is complete. */
    public void onClientClose(Runnable action) {
        this.closeAction = action;
    }

    public boolean clientClosed() {
        return clientClosed;
    }

    /** Records what served the request (for the access log and metrics). */
    public void served(String provider, String model, String executionMode) {
        this.provider = provider;
        this.model = model;
        this.executionMode = executionMode;
    }

    public void upstreamTimings(long ttftNanos, long upstreamNanos) {
        this.ttftNanos = ttftNanos;
        this.upstreamNanos = upstreamNanos;
    }

    public void usage(Usage usage) {
        this.usage = usage;
    }

    public void stream(boolean stream) {
        this.stream = stream;
    }

    public void errorCode(String code) {
        this.errorCode = code;
    }

    public void sendJson(int status, JsonNode body) {
        sendJson(status, Json.bytes(body));
    }

    public void sendJson(int status, byte[] body) {
        if (finished || response.ended()) return;
        response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        Buffer b = Buffer.buffer(body);
        if (capture != null) capture.add(b);
        response.end(b);
        finish(status);
    }

    public void sendError(ApiError e) {
        sendError(e, null);
    }

    /** The error envelope with {@code details} added to its error object. */
    public void sendError(ApiError e, com.fasterxml.jackson.databind.node.ObjectNode details) {
        if (finished || response.ended()) return;
        errorCode = e.code() != null ? e.code() : e.type();
        if (e.retryAfterSeconds() != null) response.putHeader(HttpHeaders.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
        var json = e.toJson();
        if (details != null) ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("error")).setAll(details);
        sendJson(e.status(), json);
    }

    /** Ends a response written by the caller (a stream) and records it. */
    public void endStream(Buffer last) {
        if (finished) return;
        if (!response.ended()) {
            if (last != null) {
                if (capture != null) capture.add(last);
                response.end(last);
            } else {
                response.end();
            }
        }
        finish(response.getStatusCode());
    }

    /** Converts anything a handler threw into the right response. */
    public void fail(Throwable t) {
        if (t instanceof ApiException ae) {
            sendError(ae.error(), ae.details());
            return;
        }
        LOG.error("unhandled error on {} {} trace={}", request.method(), route, traceId, t);
        if (!response.headWritten()) sendError(ApiError.internal());
        else {
            errorCode = "internal_error";
            response.reset();
            finish(response.getStatusCode());
        }
    }

    /**
     * Runs blocking {@code work} on a virtual thread and hands its result to {@code then} back on
     * this exchange's event loop; failures of either end the request through {@link #fail}.
     */
    public <T> void offload(Callable<T> work, Consumer<T> then) {
        offload(true, work, then);
    }

    /**
     * As {@link #offload(Callable, Consumer)} when {@code mayBlock}; otherwise {@code work} (which
     * then must not block) and {@code then} run here and now, on the event loop, with the same
     * failure handling — for a caller that learns only at run time whether its work has I/O to do.
     */
    public <T> void offload(boolean mayBlock, Callable<T> work, Consumer<T> then) {
        if (!mayBlock) {
            try {
                then.accept(work.call());
            } catch (Throwable t) {
                fail(t);
            }
            return;
        }
        blocking.execute(() -> {
            T result;
            try {
                result = work.call();
            } catch (Throwable t) {
                context.runOnContext(v -> fail(t));
                return;
            }
            context.runOnContext(v -> {
                try {
                    then.accept(result);
                } catch (Throwable t) {
                    fail(t);
                }
            });
        });
    }

    private void finish(int status) {
        if (finished) return;
        finished = true;
        onFinished.run();
        if (release != null) release.run();
        if (capture != null) {
            java.util.Map<String, String> agent = new java.util.LinkedHashMap<>();
            response.headers().forEach(h -> {
                if (h.getKey().regionMatches(true, 0, "Agent-", 0, 6)) agent.put(h.getKey(), h.getValue());
            });
            capture.done.accept(new Captured(status, response.headers().get(HttpHeaders.CONTENT_TYPE), agent,
                    clientClosed || capture.bytes == null ? null : capture.bytes.toByteArray()));
        }
        long now = System.nanoTime();
        long durationMicros = (now - startNanos) / 1_000;
        long upstreamMicros = upstreamNanos < 0 ? -1 : upstreamNanos / 1_000;
        AccessRecord record = new AccessRecord(
                startMs, traceId, responseId, request.method().name(), route, status, durationMicros,
                Math.max(0, durationMicros - Math.max(0, upstreamMicros)),
                upstreamMicros < 0 ? null : upstreamMicros,
                ttftNanos < 0 ? null : ttftNanos / 1_000,
                principal == null ? null : principal.projectId(),
                principal == null ? null : principal.keyId(),
                provider, model, executionMode,
                usage == null ? null : usage.promptTokens(),
                usage == null ? null : usage.cachedTokens(),
                usage == null ? null : usage.completionTokens(),
                errorCode, stream, clientClosed);
        telemetry.record(record);
        if (span != null) span.end(status, errorCode);
    }
}
