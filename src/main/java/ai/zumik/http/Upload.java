package ai.zumik.http;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A request body too large for memory (a file upload) streamed into a temporary file as it
 * arrives, under a cap of its own instead of the 2 MiB one. Memory stays at a few pieces per
 * upload whatever the body's size: the socket is paused while the disk lags, and nothing counts
 * against the {@link BodyBudget}. Routes that spool are declared with {@code readsBody} false, so
 * {@link HttpFront} hands over the exchange before any body byte; the connection's deadlines
 * ({@link ConnectionGuard}) still apply. The file is deleted when the exchange ends.
 */
public final class Upload {
    private Upload() {}

    /**
     * Streams the body into a new file under {@code dir} and calls {@code then} with it, on the event
     * loop, once the whole body is there. A body over {@code maxBytes} (announced or actual) gets 413
     * {@code request_too_large} naming {@code param} with {@code tooLargeMessage}, and the
     * connection closes, since the rest of the body is never read.
     */
    public static void spool(Exchange ex, Path dir, long maxBytes, String param, String tooLargeMessage,
                             Consumer<Path> then) {
        HttpServerRequest req = ex.request();
        String declared = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                length = -1;
            }
            if (length > maxBytes) {
                tooLarge(ex, param, tooLargeMessage);
                return;
            }
        }
        if ("100-continue".equalsIgnoreCase(req.getHeader(HttpHeaders.EXPECT))) req.response().writeContinue();
        new Spool(ex, dir.resolve("upload-" + ex.traceId() + ".part"), maxBytes, param, tooLargeMessage, then).start();
    }

    private static void tooLarge(Exchange ex, String param, String message) {
        refuse(ex, new ApiError(413, "invalid_request_error", "request_too_large", param, message, null));
    }

    /**
     * Answers an upload refused before its body was read (a wrong Content-Type, say): the body is
     * never read, so the connection cannot carry another request and is closed.
     */
    public static void refuse(Exchange ex, ApiError error) {
        ex.response().putHeader(HttpHeaders.CONNECTION, "close");
        ex.sendError(error);
        ex.context().runOnContext(v -> ex.request().connection().close());
    }

    /** One upload's trip to disk; touched only on its event loop. */
    private static final class Spool {
        private final Exchange ex;
        private final Path path;
        private final long maxBytes;
        private final String param;
        private final String tooLargeMessage;
        private final Consumer<Path> then;
        private final Vertx vertx;
        /** Pieces that arrived before the file was open. */
        private final List<Buffer> early = new ArrayList<>(2);
        private AsyncFile file;
        private long received;
        private boolean ended;
        /** Vert.x refuses a second close of a file (it throws), so the spool remembers its own. */
        private boolean closed;

        Spool(Exchange ex, Path path, long maxBytes, String param, String tooLargeMessage, Consumer<Path> then) {
            this.ex = ex;
            this.path = path;
            this.maxBytes = maxBytes;
            this.param = param;
            this.tooLargeMessage = tooLargeMessage;
            this.then = then;
            this.vertx = ex.context().owner();
        }

        void start() {
            HttpServerRequest req = ex.request();
            // Handlers first, synchronously: the front may resume the request as soon as this returns.
            req.handler(this::piece);
            req.exceptionHandler(t -> {
                // The client went away mid-upload; the exchange's end deletes the file.
            });
            req.endHandler(v -> {
                ended = true;
                if (file != null) finish();
            });
            ex.onFinish(this::discard);
            vertx.fileSystem().mkdirs(path.getParent().toString())
                    .compose(v -> vertx.fileSystem().open(path.toString(), new OpenOptions().setWrite(true).setCreateNew(true)))
                    .onComplete(ar -> {
                        if (ar.failed()) {
                            ex.fail(ar.cause());
                            return;
                        }
                        file = ar.result();
                        if (ex.finished()) {
                            discard();
                            return;
                        }
                        for (Buffer b : early) write(b);
                        early.clear();
                        if (ended) finish();
                        else req.resume();
                    });
        }

        private void piece(Buffer b) {
            if (ex.finished()) return;
            received += b.length();
            if (received > maxBytes) {
                tooLarge(ex, param, tooLargeMessage);
                return;
            }
            if (file == null) {
                early.add(b);
                ex.request().pause();
                return;
            }
            write(b);
        }

        private void write(Buffer b) {
            file.write(b);
            if (file.writeQueueFull()) {
                HttpServerRequest req = ex.request();
                req.pause();
                file.drainHandler(v -> req.resume());
            }
        }

        private void finish() {
            if (ex.finished() || closed) return;
            closed = true;
            file.close().onComplete(ar -> {
                if (ex.finished()) return;
                if (ar.failed()) ex.fail(ar.cause());
                else then.accept(path);
            });
        }

        /** The exchange ended (answered, failed or abandoned): the spooled bytes go. */
        private void discard() {
            if (file == null) return;
            if (closed) {
                vertx.fileSystem().delete(path.toString());
                return;
            }
            closed = true;
            file.close().onComplete(ar -> vertx.fileSystem().delete(path.toString()));
        }
    }
}
