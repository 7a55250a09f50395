package ai.zumik.provider;

/**
 * Hands the current attempt's W3C {@code traceparent} to the {@link HttpAttempt} the broker's
 * dispatch builds. The broker sets it around the (synchronous) dispatch call on the event loop
 * and clears it after; an attempt takes it in its constructor. Nothing is ever set when tracing
 * is off, and then the only cost is one read of {@link #used}.
 */
public final class UpstreamTrace {
    private static final ThreadLocal<String> PENDING = new ThreadLocal<>();
    private static volatile boolean used;

    private UpstreamTrace() {}

    /** Runs {@code dispatch} with {@code traceparent} handed to the attempt it starts. */
    public static <T> T with(String traceparent, java.util.function.Supplier<T> dispatch) {
        used = true;
        PENDING.set(traceparent);
        try {
            return dispatch.get();
        } finally {
            PENDING.remove();
        }
    }

    /** The traceparent for an attempt being built now, or null. */
    static String pending() {
        return used ? PENDING.get() : null;
    }
}
