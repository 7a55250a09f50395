package ai.zumik.broker;

import ai.zumik.inference.StreamEvent;
import ai.zumik.metering.UsageEvent;
import ai.zumik.metering.UsageMeter;

/**
 * Where a surface receives an execution's events, on the request's event loop. Terminal events
 * ({@link StreamEvent.Completion}, {@link StreamEvent.End}, {@link StreamEvent.Failed}) arrive only
 * after the response's usage event is durable, so a surface that writes its last byte on them
 * keeps the metering promise without knowing about the meter.
 */
public interface ResponseSink {
    void onEvent(StreamEvent event, Served served);

    /** The usage event could not be made durable: the response must not be presented as complete. */
    void onMeterFailure(Served served);

    /**
     * The attempt that sent the events so far failed. When none of them has reached the client yet
     * (they were still buffered), the sink forgets them and returns true: the execution may then try
     * another target as if this one had failed before its first event. False once any byte is out.
     */
    default boolean retract() {
        return false;
    }

    /**
     * Writes of the surface's own that must commit with the response's usage event (see
     * {@link UsageMeter.Companion}), asked once, on the event loop, just before
     * {@code terminal}'s usage event is recorded; null for none.
     */
    default UsageMeter.Companion companion(StreamEvent terminal, UsageEvent record) {
        return null;
    }
}
