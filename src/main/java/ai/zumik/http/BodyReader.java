package ai.zumik.http;

import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects one request body as the pieces arrive, reserving each piece from the {@link BodyBudget}
 * before keeping it: memory follows the bytes actually received, never the announced
 * Content-Length. The pieces are joined once, at the end, into one array of the exact size.
 */
final class BodyReader {
    /** What keeping one piece costs besides its bytes (the buffer object and its list slot). */
    private static final int PIECE_OVERHEAD = 64;

    enum Result { OK, TOO_LARGE, OVER_BUDGET }

    private final BodyBudget budget;
    private final List<Buffer> pieces = new ArrayList<>(4);
    private int length;
    private long reserved;

    BodyReader(BodyBudget budget) {
        this.budget = budget;
    }

    Result append(Buffer piece) {
        int n = piece.length();
        if ((long) length + n > ApiError.MAX_BODY_BYTES) return Result.TOO_LARGE;
        long cost = n + PIECE_OVERHEAD;
        if (!budget.tryReserve(cost, (long) length + n)) return Result.OVER_BUDGET;
        reserved += cost;
        pieces.add(piece);
        length += n;
        return Result.OK;
    }

    /** The whole body: the one piece as it came, or the pieces joined into an exact-size array. */
    Buffer body() {
        if (pieces.isEmpty()) return Buffer.buffer();
        if (pieces.size() == 1) return pieces.getFirst();
        byte[] all = new byte[length];
        int at = 0;
        for (Buffer p : pieces) {
            p.getBytes(0, p.length(), all, at);
            at += p.length();
        }
        pieces.clear();
        return BufferInternal.buffer(Unpooled.wrappedBuffer(all));
    }

    /** Returns the reservation to the budget; the exchange calls it once, when it ends. */
    void release() {
        budget.release(reserved);
        reserved = 0;
    }
}
