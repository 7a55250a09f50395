package ai.zumik.limits;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One connection to Redis owned by one event loop: commands are written as they come (pipelined),
 * replies parsed on the loop as bytes arrive and handed, in order, to the command that asked. No
 * thread is woken for a call: that is what keeps shared limits off the request's latency.
 *
 * <p>Every call must be made on the owning loop's thread. A call that is not answered within the
 * timeout fails, and so does every call behind it (they wait on the same connection): the pipe
 * closes, and its owner opens a new one when Redis is tried again. Replies: {@link Long} for an
 * integer, {@link String} for a simple or bulk string ({@code null} for nil), {@link List} for an
 * array; an error reply arrives as the failure, a {@link ReplyError}.
 */
final class RedisPipe {
    /** What a command gets: its reply, or why there is none. */
    interface Reply {
        void accept(Object value, RuntimeException failure);
    }

    /** An error reply from Redis ({@code -NOSCRIPT ...}, {@code -WRONGTYPE ...}). */
    static final class ReplyError extends RuntimeException {
        ReplyError(String message) {
            super(message, null, false, false);
        }
    }

    private static final class Call {
        final long deadlineNanos;
        final Reply reply;

        Call(long deadlineNanos, Reply reply) {
            this.deadlineNanos = deadlineNanos;
            this.reply = reply;
        }
    }

    private static final Object INCOMPLETE = new Object();

    private final Vertx vertx;
    private final long timeoutNanos;
    private final ArrayDeque<Call> calls = new ArrayDeque<>();
    private NetSocket socket;
    /** Commands written before the connection was open. */
    private Buffer queued = Buffer.buffer();
    private Buffer inbox;
    private int read;
    private long timer = -1;
    /** The call found overdue once, given one more loop pass before the pipe fails. */
    private Call overdue;
    private boolean closed;

    /**
     * Connects from the calling event loop, which then owns the pipe. {@code auth} and
     * {@code select} (null when not needed) are sent before anything else.
     */
    RedisPipe(Vertx vertx, NetClient client, String host, int port, int timeoutMs, List<String> auth, Integer select) {
        this.vertx = vertx;
        this.timeoutNanos = timeoutMs * 1_000_000L;
        Reply mustSucceed = (value, failure) -> {
            if (failure != null) fail(failure);
        };
        if (auth != null) send(command(auth), mustSucceed);
        if (select != null) send(command(List.of("SELECT", select.toString())), mustSucceed);
        client.connect(port, host).onComplete(connected -> {
            if (connected.failed()) {
                fail(new IllegalStateException("cannot connect to Redis at " + host + ":" + port + ": "
                        + connected.cause().getMessage()));
                return;
            }
            NetSocket s = connected.result();
            if (closed) {
                s.close();
                return;
            }
            socket = s;
            s.handler(this::received);
            s.exceptionHandler(e -> fail(new IllegalStateException("Redis connection failed: " + e.getMessage())));
            s.closeHandler(v -> fail(new IllegalStateException("Redis closed the connection")));
            if (queued.length() > 0) s.write(queued);
            queued = null;
        });
    }

    /** False once the pipe failed or was closed: its owner replaces it. */
    boolean open() {
        return !closed;
    }

    /** Sends one encoded command (see {@link #command}); {@code reply} runs on this loop. */
    void send(Buffer command, Reply reply) {
        if (closed) {
            reply.accept(null, new IllegalStateException("Redis connection closed"));
            return;
        }
        calls.add(new Call(System.nanoTime() + timeoutNanos, reply));
        if (socket != null) socket.write(command);
        else queued.appendBuffer(command);
        if (timer < 0) armTimer();
    }

    void close() {
        fail(new IllegalStateException("Redis connection closed"));
    }

    /** A command as RESP: an array of bulk strings. */
    static Buffer command(List<String> args) {
        Buffer b = Buffer.buffer(64);
        arrayHeader(b, args.size());
        for (String a : args) bulk(b, a);
        return b;
    }

    static void arrayHeader(Buffer b, int count) {
        b.appendByte((byte) '*').appendString(Integer.toString(count)).appendByte((byte) '\r').appendByte((byte) '\n');
    }

    static void bulk(Buffer b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        b.appendByte((byte) '$').appendString(Integer.toString(bytes.length)).appendByte((byte) '\r').appendByte((byte) '\n')
                .appendBytes(bytes).appendByte((byte) '\r').appendByte((byte) '\n');
    }

    static void bulk(Buffer b, long n) {
        bulk(b, Long.toString(n));
    }

    // One timer at a time, for the oldest call: the calls behind it are younger.
    private void armTimer() {
        Call oldest = calls.peek();
        if (oldest == null) return;
        long delayMs = Math.max(1, (oldest.deadlineNanos - System.nanoTime() + 999_999) / 1_000_000);
        timer = vertx.setTimer(delayMs, id -> expire());
    }

    /**
     * Fails the pipe when its oldest call is overdue, but only after the loop has had one pass to
     * read what arrived: a loop that was busy past the deadline (a burst, a cold start) may hold the
     * reply unread, and that is not Redis being late.
     */
    private void expire() {
        timer = -1;
        Call first = calls.peek();
        if (first == null) return;
        if (System.nanoTime() - first.deadlineNanos < 0) {
            armTimer();
        } else if (first != overdue) {
            overdue = first;
            timer = vertx.setTimer(1, id -> expire());
        } else {
            fail(new IllegalStateException("Redis did not answer within " + timeoutNanos / 1_000_000 + " ms"));
        }
    }

    private void fail(RuntimeException why) {
        if (closed) return;
        closed = true;
        if (timer >= 0) vertx.cancelTimer(timer);
        if (socket != null) socket.close();
        for (Call c; (c = calls.poll()) != null; ) c.reply.accept(null, why);
    }

    private void received(Buffer data) {
        if (inbox == null || read == inbox.length()) {
            inbox = data;
        } else {
            inbox = inbox.getBuffer(read, inbox.length()).appendBuffer(data);
        }
        read = 0;
        while (!closed && read < inbox.length()) {
            int start = read;
            Object value;
            try {
                value = value();
            } catch (RuntimeException malformed) {
                fail(new IllegalStateException("unreadable reply from Redis: " + malformed.getMessage()));
                return;
            }
            if (value == INCOMPLETE) {
                read = start;
                return;
            }
            Call c = calls.poll();
            if (c == null) {
                fail(new IllegalStateException("Redis replied to nothing"));
                return;
            }
            if (value instanceof ReplyError e) c.reply.accept(null, e);
            else c.reply.accept(value, null);
        }
    }

    /** The reply at {@link #read}, moving past it, or {@link #INCOMPLETE} (then {@link #read} is garbage). */
    private Object value() {
        int eol = lineEnd(read);
        if (eol < 0) return INCOMPLETE;
        byte type = inbox.getByte(read);
        int from = read + 1;
        read = eol + 2;
        switch (type) {
            case ':' -> {
                return number(from, eol);
            }
            case '+' -> {
                return inbox.getString(from, eol);
            }
            case '-' -> {
                return new ReplyError(inbox.getString(from, eol));
            }
            case '$' -> {
                long length = number(from, eol);
                if (length < 0) return null;
                if ((long) read + length + 2 > inbox.length()) return INCOMPLETE;
                String s = inbox.getString(read, read + (int) length, "UTF-8");
                read += (int) length + 2;
                return s;
            }
            case '*' -> {
                long count = number(from, eol);
                if (count < 0) return null;
                List<Object> items = new ArrayList<>((int) count);
                for (long i = 0; i < count; i++) {
                    if (read >= inbox.length()) return INCOMPLETE;
                    Object item = value();
                    if (item == INCOMPLETE) return INCOMPLETE;
                    items.add(item);
                }
                return items;
            }
            default -> throw new IllegalStateException("unknown reply type '" + (char) type + "'");
        }
    }

    private int lineEnd(int from) {
        for (int i = from; i + 1 < inbox.length(); i++) {
            if (inbox.getByte(i) == '\r' && inbox.getByte(i + 1) == '\n') return i;
        }
        return -1;
    }

    private long number(int from, int to) {
        boolean negative = inbox.getByte(from) == '-';
        long n = 0;
        for (int i = negative ? from + 1 : from; i < to; i++) {
            byte d = inbox.getByte(i);
            if (d < '0' || d > '9') throw new IllegalStateException("not a number in a reply");
            n = n * 10 + (d - '0');
        }
        return negative ? -n : n;
    }
}
