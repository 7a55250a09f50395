package ai.zumik.http;

import ai.zumik.ids.Ids;
import ai.zumik.keys.ApiKeyService;
import ai.zumik.keys.ApiKeyService.Check;
import ai.zumik.keys.RawKeys;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The HTTP front door, one instance per event loop: accept, route, authenticate, read the body
 * under the 2 MiB cap, then hand the exchange to its handler. Every request that is rejected here
 * gets OpenAI's error envelope and an {@code Agent-Trace-Id}.
 */
public final class HttpFront extends VerticleBase {
    private final String host;
    private final int port;
    private final Supplier<Routes> routes;
    private final ApiKeyService keys;
    private final Telemetry telemetry;
    private final Executor blocking;
    private final AtomicInteger inFlight;
    private Routes table;
    private HttpServer server;
    private volatile boolean draining;

    public HttpFront(String host, int port, Supplier<Routes> routes, ApiKeyService keys, Telemetry telemetry,
                     Executor blocking, AtomicInteger inFlight) {
        this.host = host;
        this.port = port;
        this.routes = routes;
        this.keys = keys;
        this.telemetry = telemetry;
        this.blocking = blocking;
        this.inFlight = inFlight;
    }

    @Override
    public Future<?> start() {
        table = routes.get();
        var options = new HttpServerOptions()
                .setHost(host)
                .setPort(port)
                .setTcpNoDelay(true)
                .setAcceptBacklog(4096)
                .setReuseAddress(true)
                .setIdleTimeout(0);
        server = vertx.createHttpServer(options).requestHandler(this::accept);
        return server.listen();
    }

    /** Stops accepting; requests in flight finish within {@code graceMs}. */
    public Future<Void> drain(long graceMs) {
        draining = true;
        return server.shutdown(java.time.Duration.ofMillis(graceMs));
    }

    public int actualPort() {
        return server.actualPort();
    }

    private void accept(HttpServerRequest req) {
        Context ctx = context;
        inFlight.incrementAndGet();
        Exchange ex = new Exchange(req, ctx, telemetry, blocking, Ids.next("trc_"), inFlight::decrementAndGet);
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
                    : new ApiError(404, "invalid_request_error", "unknown_url", null,
                    "Invalid URL (" + req.method() + " " + req.path() + ")", null));
            return;
        }
        ex.route(route.path());
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
                if (!g.principal().may(route.scope())) {
                    ex.sendError(ApiError.insufficientScope(route.scope().wire()));
                    return false;
                }
                readAndDispatch(ex, route);
                return true;
            }
        }
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
        BodyCollector body = new BodyCollector(length > 0 ? (int) length : 1024);
        req.handler(chunk -> {
            if (body.tooLarge) return;
            if (body.buffer.length() + chunk.length() > ApiError.MAX_BODY_BYTES) {
                body.tooLarge = true;
                rejectTooLarge(ex);
            } else {
                body.buffer.appendBuffer(chunk);
            }
        });
        req.exceptionHandler(t -> {
            // The client went away mid-upload; nothing to answer.
        });
        req.endHandler(v -> {
            if (!body.tooLarge && !ex.finished()) dispatch(ex, route, body.buffer);
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

    private static final class BodyCollector {
        final Buffer buffer;
        boolean tooLarge;

        BodyCollector(int initial) {
            buffer = Buffer.buffer(initial);
        }
    }
}
