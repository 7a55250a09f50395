package ai.zumik.http;

import ai.zumik.telemetry.Tracing;

import ai.zumik.ids.Ids;
import ai.zumik.keys.ApiKeyService;
import ai.zumik.keys.ApiKeyService.Check;
import ai.zumik.keys.Principal;
import ai.zumik.keys.RawKeys;
import ai.zumik.keys.Scope;
import ai.zumik.limits.Governor;
import ai.zumik.limits.Refusal;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.ConnectionBase;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The HTTP front door, one instance per event loop: admit the connection (caps, deadlines: see
 * {@link ConnectionGuard}), accept, route, authenticate, read the body under the 2 MiB cap and the
 * shared {@link BodyBudget}, then hand the exchange to its handler. Every request that is rejected
 * here, including ones the HTTP codec could not parse, gets OpenAI's error envelope and an
 * {@code Agent-Trace-Id}.
 */
public final class HttpFront extends VerticleBase {
    private final String host;
    private final int port;
    private final Supplier<Routes> routes;
    private final ApiKeyService keys;
    private final Telemetry telemetry;
    private final Executor blocking;
    private final AtomicInteger inFlight;
    private final Connections connections;
    private final BodyBudget bodyBudget;
    private final Governor governor;
    /** This loop's open connections; touched only on this loop. */
    private final Set<ConnectionGuard> guards = new HashSet<>();
    private Routes table;
    private HttpServer server;
    private volatile boolean draining;

    /** This front's routing table (built when it starts). */
    public Routes routes() {
        return table;
    }

    public HttpFront(String host, int port, Supplier<Routes> routes, ApiKeyService keys, Telemetry telemetry,
                     Executor blocking, AtomicInteger inFlight, Connections connections, BodyBudget bodyBudget,
                     Governor governor) {
        this.host = host;
        this.port = port;
        this.routes = routes;
        this.keys = keys;
        this.telemetry = telemetry;
        this.blocking = blocking;
        this.inFlight = inFlight;
        this.connections = connections;
        this.bodyBudget = bodyBudget;
        this.governor = governor;
    }

    /** A front refused to start on an event loop another front already serves. */
    public static final class LoopTaken extends RuntimeException {
        LoopTaken() {
            super("this event loop already serves another HTTP front", null, false, false);
        }
    }

    private java.util.Set<Thread> takenLoops;

    /**
     * Makes {@link #start} refuse (fail with {@link LoopTaken}, before building anything) on an
     * event loop already in {@code taken}, and claim its loop otherwise.
     */
    public HttpFront claimingLoopFrom(java.util.Set<Thread> taken) {
        this.takenLoops = taken;
        return this;
    }

    @Override
    public Future<?> start() {
        if (takenLoops != null && !takenLoops.add(Thread.currentThread())) return Future.failedFuture(new LoopTaken());
        table = routes.get();
        var options = new HttpServerOptions()
                .setHost(host)
                .setPort(port)
                .setTcpNoDelay(true)
                .setAcceptBacklog(4096)
                .setReuseAddress(true)
                // Zumik's own deadlines (ConnectionGuard) replace Vert.x's idle timeout, which would
                // also cut a stream waiting on a slow upstream. No h2c: its upgrade sniffing would
                // hide a silent connection from the guard until its first bytes.
                .setIdleTimeout(0)
                .setHttp2ClearTextEnabled(false);
        server = vertx.createHttpServer(options)
                .connectionHandler(conn -> {
                    ConnectionGuard g = ConnectionGuard.attach(((ConnectionBase) conn).channel(), connections);
                    if (g == null) return;
                    guards.add(g);
                    conn.closeHandler(v -> guards.remove(g));
                })
                .invalidRequestHandler(this::invalid)
                .requestHandler(this::accept);
        var limits = connections.limits();
        long shortest = Math.min(limits.idleTimeout().toMillis(), Math.min(limits.headerTimeout().toMillis(),
                limits.bodyTimeout().toMillis()));
        vertx.setPeriodic(Math.clamp(shortest / 4, 10, 1_000), id -> sweep());
        return server.listen();
    }

    private void sweep() {
        long now = System.nanoTime();
        var limits = connections.limits();
        for (ConnectionGuard g : new ArrayList<>(guards)) g.sweep(now, limits);
    }

    /**
     * Stops accepting; requests being answered finish within {@code graceMs}. Idle connections and
     * ones still sending a request are closed now, so a stalled upload cannot hold the stop.
     */
    public Future<Void> drain(long graceMs) {
        draining = true;
        context.runOnContext(v -> new ArrayList<>(guards).forEach(ConnectionGuard::drain));
        // Vert.x closes what is left when its own timeout ends; it ends a little after Zumik's grace
        // so that responses cut at the grace can still say so in band (Zumik#close).
        return server.shutdown(java.time.Duration.ofMillis(graceMs + 3_000));
    }

    /** This front's event loop (for the watchdog). */
    public Context loop() {
        return context;
    }

    /**
     * A request the HTTP codec could not parse (URL or headers too long, conflicting or malformed
     * Content-Length, a bad method or header character, an unknown HTTP version): its envelope,
     * then the connection is closed, since the rest of the stream cannot be trusted.
     */
    private void invalid(HttpServerRequest req) {
        inFlight.incrementAndGet();
        Exchange ex = new Exchange(req, context, telemetry, blocking, Ids.next("trc_"), inFlight::decrementAndGet);
        req.response().putHeader(HttpHeaders.CONNECTION, "close");
        ex.sendError(malformedRequest(req.decoderResult().cause()));
        context.runOnContext(v -> req.connection().close());
    }

    static ApiError malformedRequest(Throwable cause) {
        String m = cause == null || cause.getMessage() == null ? "" : cause.getMessage();
        if (cause instanceof TooLongHttpLineException) {
            return new ApiError(414, "invalid_request_error", "uri_too_long", null,
                    "The request line is longer than Zumik accepts (4 KiB).", null);
        }
        if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            return new ApiError(431, "invalid_request_error", "request_header_fields_too_large", null,
                    "The request headers are larger than Zumik accepts (8 KiB).", null);
        }
        if (m.contains("version") || m.contains("Version")) {
            return new ApiError(505, "invalid_request_error", "http_version_not_supported", null,
                    "Zumik speaks HTTP/1.0 and HTTP/1.1.", null);
        }
        if (m.contains("Content-Length") || m.contains("content-length") || m.contains("Transfer-Encoding")) {
            return ApiError.invalid(null, "invalid_content_length", "The request's Content-Length is malformed, "
                    + "repeated, or combined with Transfer-Encoding.");
        }
        if (m.contains("method") || m.contains("Method")) {
            return ApiError.invalid(null, "invalid_method", "The request method is not a valid HTTP token.");
        }
        if (m.contains("header") || m.contains("Header")) {
            return ApiError.invalid(null, "invalid_header", "A request header has an invalid name or value "
                    + "(control characters such as NUL or a bare CR are not allowed).");
        }
        return ApiError.invalid(null, "malformed_http_request", "The HTTP request could not be parsed.");
    }

    public int actualPort() {
        return server.actualPort();
    }

    private void accept(HttpServerRequest req) {
        Context ctx = context;
        inFlight.incrementAndGet();
        Exchange ex = new Exchange(req, ctx, telemetry, blocking, Ids.next("trc_"), inFlight::decrementAndGet);
        ConnectionGuard guard = ConnectionGuard.of(((ConnectionBase) req.connection()).channel());
        ex.guard(guard);
        if (draining) {
            req.response().putHeader(HttpHeaders.CONNECTION, "close");
            ex.sendError(ApiError.unavailable("shutting_down", "Zumik is shutting down; retry on another replica."));
            return;
        }
        boolean[] wrongMethod = {false};
        Route route = table.match(req.method(), req.path(), wrongMethod);
        if (route == null) {
            ex.sendError(wrongMethod[0]
                    ? new ApiError(405, "invalid_request_error", "method_not_allowed", null,
                    "Method " + req.method() + " is not allowed on " + req.path() + ".", null)
                    : ApiError.unknownUrl(req.method().name(), req.path()));
            return;
        }
        ex.route(route.path());
        if (telemetry.tracing() != null && Tracing.traced(route.path())) {
            ex.span(telemetry.tracing().request(req.method().name(), route.path(), req.getHeader("traceparent"),
                    req.getHeader("tracestate"), ex.traceId()));
        }
        try {
            ex.query(Query.parse(req.query()));
        } catch (ApiException bad) {
            ex.sendError(bad.error());
            return;
        }
        if (route.scope() == null) {
            readAndDispatch(ex, route);
            return;
        }
        String keyHash = bearerKeyHash(ex);
        if (keyHash == null) return;
        Check cached = keys.cached(keyHash);
        if (cached != null) {
            authorize(ex, route, cached);
            return;
        }
        req.pause();
        ex.offload(() -> keys.load(keyHash), check -> {
            if (authorize(ex, route, check)) req.resume();
        });
    }

    /** The SHA-256 of the presented key, or null after answering 401. Never echoes the key. */
    private static String bearerKeyHash(Exchange ex) {
        String header = ex.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || header.isBlank()) {
            ex.sendError(ApiError.unauthorized("You didn't provide an API key. Provide your Zumik key in an "
                    + "Authorization header using Bearer auth (Authorization: Bearer zk_live_...)."));
            return null;
        }
        String raw = header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
        if (!RawKeys.wellFormed(raw)) {
            ex.sendError(ApiError.unauthorized("Incorrect API key provided. Zumik keys look like zk_live_ followed by 32 characters."));
            return null;
        }
        return RawKeys.hash(raw);
    }

    private boolean authorize(Exchange ex, Route route, Check check) {
        switch (check) {
            case Check.Unknown u -> {
                ex.sendError(ApiError.unauthorized("Incorrect API key provided."));
                return false;
            }
            case Check.Revoked r -> {
                ex.sendError(ApiError.unauthorized("This API key has been revoked."));
                return false;
            }
            case Check.Granted g -> {
                ex.principal(g.principal());
                if (ex.guard() != null) ex.guard().authenticated();
                if (!g.principal().may(route.scope())) {
                    ex.sendError(ApiError.insufficientScope(route.scope().wire()));
                    return false;
                }
                Refusal limited = classLimit(ex, route, g.principal());
                if (limited != null) {
                    if (limited.headers() != null) limited.headers().apply(ex.response());
                    ex.sendError(new ApiError(limited.failure().httpStatus(), limited.failure().errorType(),
                            limited.failure().code(), null, limited.message(), limited.retryAfterSeconds()));
                    return false;
                }
                readAndDispatch(ex, route);
                return true;
            }
        }
    }

    /**
     * The per-key limit of the route's class: reads (GET) and admin changes each have their own
     * window; inference is governed in the broker, with its tokens and budgets.
     */
    private Refusal classLimit(Exchange ex, Route route, Principal p) {
        if (ex.request().method() == HttpMethod.GET) return governor.checkClass(p, false);
        if (route.scope() == Scope.ADMIN || route.scope() == Scope.PLATFORM) return governor.checkClass(p, true);
        return null;
    }

    private void readAndDispatch(Exchange ex, Route route) {
        HttpServerRequest req = ex.request();
        if (!route.readsBody()) {
            dispatch(ex, route, null);
            return;
        }
        String declared = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        long length = -1;
        if (declared != null) {
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                length = -1;
            }
        }
        if (length > ApiError.MAX_BODY_BYTES) {
            rejectTooLarge(ex);
            return;
        }
        BodyReader body = new BodyReader(bodyBudget);
        ex.onFinish(body::release);
        req.handler(chunk -> {
            if (ex.finished()) return;
            switch (body.append(chunk)) {
                case OK -> { }
                case TOO_LARGE -> rejectTooLarge(ex);
                case OVER_BUDGET -> {
                    ex.response().putHeader(HttpHeaders.CONNECTION, "close");
                    ex.sendError(new ApiError(503, "api_error", "server_busy", null, "Zumik is holding as many request "
                            + "bodies in memory as it allows (" + bodyBudget.limit() / (1024 * 1024) + " MiB); retry shortly.", 1L));
                    ex.context().runOnContext(v -> ex.request().connection().close());
                }
            }
        });
        req.exceptionHandler(t -> {
            // The client went away mid-upload; nothing to answer.
        });
        req.endHandler(v -> {
            if (!ex.finished()) dispatch(ex, route, body.body());
        });
    }

    private static void rejectTooLarge(Exchange ex) {
        // The rest of the body is never read, so the connection cannot be reused.
        ex.response().putHeader(HttpHeaders.CONNECTION, "close");
        ex.sendError(ApiError.tooLarge());
        ex.context().runOnContext(v -> ex.request().connection().close());
    }

    private static void dispatch(Exchange ex, Route route, Buffer body) {
        try {
            route.handler().handle(ex, body);
        } catch (Throwable t) {
            ex.fail(t);
        }
    }
}
