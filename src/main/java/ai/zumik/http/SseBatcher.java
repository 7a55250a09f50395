package ai.zumik.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * Write-combining without delay for a relayed stream: events decoded from one upstream read are
 * framed into one buffer and written with one flush at the end of the current event-loop turn (a
 * task queued behind the read). Nothing waits for data that has not arrived, so no event is held
 * back, but ten events that arrived together cost one syscall instead of ten.
 *
 * <p>The stream's first write waits one task more: when an upstream's first events and the end of
 * its connection arrive in one read, Netty hands over the close in a task queued right behind the
 * read, so the close is seen while nothing has been written and the broker can still fail over
 * ({@link #retract}); every later write goes out at the end of its own turn.
 */
public final class SseBatcher {
    private final Exchange ex;
    private Buffer pending;
    private Runnable pause = () -> { };
    private Runnable resume = () -> { };

    public SseBatcher(Exchange ex) {
        this.ex = ex;
    }

    /** What to do when the client reads slower than the upstream writes, and when it catches up. */
    public void backpressure(Runnable pause, Runnable resume) {
        this.pause = pause;
        this.resume = resume;
    }

    /** The buffer this turn's events go into; its flush is scheduled when it is first asked for. */
    public Buffer pending(int sizeHint) {
        if (pending == null) {
            pending = Buffer.buffer(sizeHint);
            if (ex.response().headWritten()) ex.context().runOnContext(v -> flush());
            else ex.context().runOnContext(v -> ex.context().runOnContext(w -> flush()));
        }
        return pending;
    }

    /** What is gathered and not yet written (an empty buffer when nothing is); the batcher forgets it. */
    public Buffer take() {
        Buffer b = pending == null ? Buffer.buffer() : pending;
        pending = null;
        return b;
    }

    /**
     * Takes back a stream nothing of which has reached the client: forgets what is gathered and
     * the streaming head. False once the head is written.
     */
    public boolean retract() {
        HttpServerResponse res = ex.response();
        if (ex.finished() || res.headWritten()) return false;
        pending = null;
        res.setChunked(false);
        res.headers().remove(HttpHeaders.CONTENT_TYPE).remove(HttpHeaders.CACHE_CONTROL).remove("X-Accel-Buffering");
        return true;
    }

    private void flush() {
        if (pending == null || ex.finished()) return;
        HttpServerResponse res = ex.response();
        ex.write(take());
        if (res.writeQueueFull()) {
            pause.run();
            res.drainHandler(v -> resume.run());
        }
    }
}
