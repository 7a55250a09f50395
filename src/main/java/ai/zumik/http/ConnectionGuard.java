package ai.zumik.http;

import ai.zumik.config.ZumikConfig.HttpLimits;
import ai.zumik.http.Connections.Closed;
import ai.zumik.ids.Ids;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * One client connection's deadlines and accounting, as two small Netty handlers around Vert.x's
 * HTTP/1.1 codec. It counts request heads, request bodies and responses as they pass, which says
 * what the connection is waiting for:
 * <pre>
 *   all answered, no byte of a next request  IDLE  idle timeout (a new connection: header timeout)
 *   all answered, a next request has begun   HEAD  header timeout from its first byte
 *   a body is still arriving                 BODY  body timeout since the last byte
 *   a request is being answered              BUSY  none: a stream has its own upstream timers
 * </pre>
 * The event loop's {@link HttpFront} sweeps its connections a few times per timeout and closes the
 * ones past their deadline: an idle one silently (ordinary keep-alive expiry), a late head or a
 * stalled body with a 408 envelope. Everything here runs on the connection's event loop.
 */
final class ConnectionGuard {
    static final AttributeKey<ConnectionGuard> KEY = AttributeKey.valueOf("zumik.connection-guard");

    enum Phase { IDLE, HEAD, BODY, BUSY }

    private final Channel channel;
    private final InetAddress ip;
    private final Connections connections;
    private int requests;
    private int bodies;
    private int responses;
    /** When the current wait began: accept, the last response, a next head's first byte, or the last body byte. */
    private long markNanos = System.nanoTime();
    private boolean headStarted;
    private boolean authenticated;
    private boolean closing;
    private Exchange exchange;

    private ConnectionGuard(Channel channel, InetAddress ip, Connections connections) {
        this.channel = channel;
        this.ip = ip;
        this.connections = connections;
    }

    /**
     * Admits a new connection: installs the guard and returns it, or answers the client (503 past
     * the connection cap, 429 past its address's unauthenticated cap), closes it and returns null.
     */
    static ConnectionGuard attach(Channel channel, Connections connections) {
        InetAddress ip = channel.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : InetAddress.getLoopbackAddress();
        Closed refused = connections.admit(ip);
        if (refused != null) {
            connections.count(refused);
            reply(channel, refused == Closed.OVER_MAX_CONNECTIONS
                    ? new ApiError(503, "api_error", "too_many_connections", null,
                    "Zumik is at its limit of open connections; retry shortly.", 1L)
                    : new ApiError(429, "rate_limit_error", "too_many_connections", null,
                    "Too many connections from your address have not yet sent an authenticated request; "
                            + "reuse a connection or retry shortly.", 1L));
            return null;
        }
        ConnectionGuard g = new ConnectionGuard(channel, ip, connections);
        channel.attr(KEY).set(g);
        channel.pipeline().addBefore("httpDecoder", "zumikBytesIn", g.new BytesIn());
        channel.pipeline().addBefore("handler", "zumikMessages", g.new Messages());
        channel.closeFuture().addListener(f -> connections.closed(ip, g.authenticated));
        return g;
    }

    /** The guard of the connection a request came in on; null if it has none (HTTP/2, tests). */
    static ConnectionGuard of(Channel channel) {
        return channel.attr(KEY).get();
    }

    /** The exchange now reading or answering on this connection, to answer it on a stalled body. */
    void exchange(Exchange ex) {
        this.exchange = ex;
    }

    /** The connection carried an authenticated request: it stops counting against its address. */
    void authenticated() {
        if (authenticated) return;
        authenticated = true;
        connections.authenticated(ip);
    }

    Phase phase() {
        if (bodies < requests) return Phase.BODY;
        if (responses < requests) return Phase.BUSY;
        return headStarted ? Phase.HEAD : Phase.IDLE;
    }

    boolean open() {
        return channel.isActive() && !closing;
    }

    /** Closes the connection if it is past its deadline; true when it did. */
    boolean sweep(long now, HttpLimits limits) {
        if (closing) return false;
        long waited = now - markNanos;
        switch (phase()) {
            case IDLE -> {
                if (waited > (requests == 0 ? limits.headerTimeout() : limits.idleTimeout()).toNanos()) {
                    closeWith(requests == 0 ? Closed.HEADER_TIMEOUT : Closed.IDLE_TIMEOUT, null);
                    return true;
                }
            }
            case HEAD -> {
                if (waited > limits.headerTimeout().toNanos()) {
                    closeWith(Closed.HEADER_TIMEOUT, new ApiError(408, "invalid_request_error", "request_timeout", null,
                            "The request head did not arrive within " + limits.headerTimeout().toMillis() + " ms.", null));
                    return true;
                }
            }
            case BODY -> {
                if (waited > limits.bodyTimeout().toNanos()) {
                    closeWith(Closed.BODY_TIMEOUT, new ApiError(408, "invalid_request_error", "request_timeout", null,
                            "The request body stalled: no byte arrived for " + limits.bodyTimeout().toMillis() + " ms.", null));
                    return true;
                }
            }
            case BUSY -> {
                // A response is being produced; streams are governed by their own timers.
            }
        }
        return false;
    }

    /**
     * Graceful stop: a connection that is idle or still sending its request is closed now (a request
     * whose body has not arrived has started nothing, so a client can safely retry it elsewhere);
     * one being answered is left to finish.
     */
    void drain() {
        if (closing) return;
        switch (phase()) {
            case IDLE, HEAD -> closeWith(null, null);
            case BODY -> closeWith(null, ApiError.unavailable("shutting_down",
                    "Zumik is shutting down; the request body was not read. Retry on another replica."));
            case BUSY -> { }
        }
    }

    /** A chunked body whose framing is broken: answer 400 and close; the request never runs. */
    private void malformedBody() {
        closeWith(Closed.MALFORMED, ApiError.invalid(null, "invalid_chunked_encoding",
                "The request body's chunked transfer encoding is malformed."));
    }

    private void closeWith(Closed why, ApiError error) {
        closing = true;
        if (why != null) connections.count(why);
        Exchange ex = exchange;
        if (error != null && ex != null && !ex.finished() && !ex.response().headWritten()) {
            ex.response().putHeader("connection", "close");
            ex.sendError(error);
            // Vert.x's own close runs after the response's queued writes.
            ex.context().runOnContext(v -> ex.request().connection().close());
        } else if (error != null && ex == null) {
            reply(channel, error);
        } else {
            channel.close();
        }
    }

    /** Writes a whole HTTP/1.1 error response straight to the socket (below the codec) and closes. */
    static void reply(Channel channel, ApiError e) {
        byte[] body = ai.zumik.json.Json.bytes(e.toJson());
        StringBuilder head = new StringBuilder(256)
                .append("HTTP/1.1 ").append(e.status()).append(' ').append(reason(e.status())).append("\r\n")
                .append("content-type: application/json\r\n")
                .append("content-length: ").append(body.length).append("\r\n")
                .append("connection: close\r\n")
                .append("agent-trace-id: ").append(Ids.next("trc_")).append("\r\n");
        if (e.retryAfterSeconds() != null) head.append("retry-after: ").append(e.retryAfterSeconds()).append("\r\n");
        head.append("\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.US_ASCII);
        ChannelHandlerContext first = channel.pipeline().firstContext();
        var buf = Unpooled.wrappedBuffer(h, body);
        (first != null ? first.writeAndFlush(buf) : channel.writeAndFlush(buf)).addListener(ChannelFutureListener.CLOSE);
    }

    private static boolean supported(HttpVersion v) {
        return v == HttpVersion.HTTP_1_1 || v == HttpVersion.HTTP_1_0;
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 505 -> "HTTP Version Not Supported";
            case 408 -> "Request Timeout";
            case 429 -> "Too Many Requests";
            case 503 -> "Service Unavailable";
            default -> "Error";
        };
    }

    /** Before the codec: every read of raw bytes, to see a head begin and a body progress. */
    private final class BytesIn extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (bodies < requests) {
                markNanos = System.nanoTime();
            } else if (responses == requests && !headStarted) {
                headStarted = true;
                // A new connection's head is timed from accept, a reused one's from its first byte.
                if (requests > 0) markNanos = System.nanoTime();
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** After the codec: request heads and body ends in, response ends out. */
    private final class Messages extends ChannelDuplexHandler {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest r) {
                if (r.decoderResult().isSuccess() && !supported(r.protocolVersion())) {
                    ReferenceCountUtil.release(msg);
                    closeWith(Closed.MALFORMED, new ApiError(505, "invalid_request_error", "http_version_not_supported", null,
                            "Zumik speaks HTTP/1.1 and HTTP/1.0, not " + r.protocolVersion().text() + ".", null));
                    return;
                }
                requests++;
                headStarted = false;
                markNanos = System.nanoTime();
            } else if (msg instanceof HttpContent c && c.decoderResult().isFailure()) {
                // (A head that failed to parse is answered by HttpFront's invalid-request handler.)
                ReferenceCountUtil.release(msg);
                malformedBody();
                return;
            }
            if (msg instanceof LastHttpContent) bodies++;
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof LastHttpContent && !(msg instanceof HttpResponse r && r.status().code() < 200)) {
                responses++;
                if (responses >= requests) {
                    markNanos = System.nanoTime();
                    exchange = null;
                }
            }
            ctx.write(msg, promise);
        }
    }
}
