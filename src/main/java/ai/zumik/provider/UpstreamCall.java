package ai.zumik.provider;

/** A running upstream attempt. All methods are called on the attempt's event loop. */
public interface UpstreamCall {
    /** Aborts the upstream request at once (the provider sees the connection reset); no more events. */
    void cancel();

    /** Stops reading from the upstream until {@link #resume()} (client backpressure). */
    void pause();

    void resume();
}
