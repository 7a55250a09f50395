package ai.zumik.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A large response body (a file's content) sent from a blocking source with backpressure: a
 * virtual thread reads 64 KiB at a time and hands each piece to the event loop, waiting while the
 * client's connection is behind, so memory stays at one piece per download. A source that fails
 * after the first byte resets the connection (the client sees a broken transfer, never a short
 * file that looks whole); a client that leaves stops the reading.
 */
public final class Download {
    private static final int PIECE = 64 * 1024;

    private Download() {}

    /** Answers 200 with {@code length} bytes of {@code contentType} read from {@code open}. */
    public static void send(Exchange ex, String contentType, long length, Callable<InputStream> open) {
        AtomicReference<CompletableFuture<Boolean>> waiting = new AtomicReference<>();
        ex.onClientClose(() -> {
            CompletableFuture<Boolean> w = waiting.get();
            if (w != null) w.complete(false);
        });
        boolean[] headSent = {false};
        ex.offload(() -> {
            try (InputStream in = open.call()) {
                byte[] buf = new byte[PIECE];
                long sent = 0;
                while (sent < length) {
                    int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, length - sent));
                    if (n <= 0) throw new java.io.EOFException("content ended after " + sent + " of " + length + " bytes");
                    Buffer piece = Buffer.buffer(n == buf.length ? buf.clone() : Arrays.copyOf(buf, n));
                    CompletableFuture<Boolean> written = new CompletableFuture<>();
                    waiting.set(written);
                    ex.context().runOnContext(v -> {
                        if (ex.finished()) {
                            written.complete(false);
                            return;
                        }
                        head(ex.response(), contentType, length, headSent);
                        ex.write(piece);
                        if (ex.response().writeQueueFull()) ex.response().drainHandler(d -> written.complete(true));
                        else written.complete(true);
                    });
                    if (!written.join()) return false;
                    sent += n;
                }
                return true;
            }
        }, complete -> {
            if (!complete) return;
            head(ex.response(), contentType, length, headSent);
            ex.endStream(null);
        });
    }

    private static void head(HttpServerResponse res, String contentType, long length, boolean[] sent) {
        if (sent[0]) return;
        sent[0] = true;
        res.setStatusCode(200)
                .putHeader(HttpHeaders.CONTENT_TYPE, contentType)
                .putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(length));
    }
}
