package ai.zumik.http;

import io.netty.handler.codec.http.HttpHeaderValues;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;

/** Server-Sent Events framing for responses: headers, one {@code data:} event per write, the OpenAI terminator. */
public final class Sse {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    public static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");
    private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");
    private static final CharSequence X_ACCEL = HttpHeaders.createOptimized("X-Accel-Buffering");
    private static final CharSequence NO = HttpHeaders.createOptimized("no");

    private Sse() {}

    /** Commits a 200 streaming response: chunked, uncached, and unbuffered by reverse proxies. */
    public static void start(HttpServerResponse response) {
        response.setStatusCode(200)
                .setChunked(true)
                .putHeader(HttpHeaders.CONTENT_TYPE, HttpHeaderValues.TEXT_EVENT_STREAM)
                .putHeader(HttpHeaders.CACHE_CONTROL, NO_CACHE)
                .putHeader(X_ACCEL, NO);
    }

    /** Appends one {@code data: <json>\n\n} event to {@code buffer}. */
    public static Buffer append(Buffer buffer, byte[] json) {
        return buffer.appendBytes(DATA).appendBytes(json).appendBytes(END);
    }
}
