package ai.zumik.broker;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.UpstreamFailure;
import ai.zumik.inference.Usage;
import ai.zumik.metering.UsageEvent;
import ai.zumik.metering.UsageMeter;
import ai.zumik.provider.UpstreamCall;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One logical response in flight: its attempt, its events, its metering. A small state machine on
 * the request's event loop:
 * <pre>
 *   ATTEMPTING --first chunk--> COMMITTED --end/failure--> METERING --durable--> DONE
 *   ATTEMPTING --completion/failure-----------------------> METERING
 *   any state --cancel (client gone)--> DONE (upstream aborted, usage recorded as cancelled)
 * </pre>
 * Before the first event is handed to the surface nothing has reached the client, which is what
 * lets a later failover stay invisible; after it, failures become in-band errors.
 */
public final class Execution {
    private enum State { ATTEMPTING, COMMITTED, METERING, DONE }

    private final ExecutionContext ctx;
    private final Target target;
    private final ResponseSink sink;
    private final UsageMeter meter;
    private final Executor loop;
    private State state = State.ATTEMPTING;
    private UpstreamCall call;
    private long dispatchNanos;
    private long firstEventNanos = -1;
    private Usage usage = Usage.UNREPORTED;
    private Served served;

    Execution(ExecutionContext ctx, Target target, ResponseSink sink, UsageMeter meter, Executor loop) {
        this.ctx = ctx;
        this.target = target;
        this.sink = sink;
        this.meter = meter;
        this.loop = loop;
        this.served = served(-1);
    }

    void start(Function<Consumer<StreamEvent>, UpstreamCall> dispatch) {
        dispatchNanos = System.nanoTime();
        call = dispatch.apply(this::onEvent);
    }

    /** The client went away: abort the upstream now and record what happened. */
    public void cancel() {
        if (state == State.DONE || state == State.METERING) return;
        state = State.DONE;
        if (call != null) call.cancel();
        long now = System.nanoTime();
        meter.record(usageEvent(499, "cancelled", FailureClass.CANCELLED.code(), now), null, null);
    }

    /** Client backpressure: stop reading from the upstream. */
    public void pause() {
        if (call != null && state != State.DONE) call.pause();
    }

    public void resume() {
        if (call != null && state != State.DONE) call.resume();
    }

    private void onEvent(StreamEvent e) {
        if (state == State.DONE || state == State.METERING) return;
        long now = System.nanoTime();
        if (firstEventNanos < 0 && !(e instanceof StreamEvent.Failed)) {
            firstEventNanos = now;
            served = served(-1);
        }
        switch (e) {
            case StreamEvent.Chunk c -> {
                state = State.COMMITTED;
                if (c.usage() != null) usage = c.usage();
                sink.onEvent(c, served);
            }
            case StreamEvent.Completion c -> {
                usage = c.usage();
                terminal(c, 200, "completed", null, now);
            }
            case StreamEvent.End end -> {
                if (end.usage().reported()) usage = end.usage();
                terminal(end, 200, "completed", null, now);
            }
            case StreamEvent.Failed f -> {
                if (f.usage() != null && f.usage().reported()) usage = f.usage();
                UpstreamFailure failure = f.failure();
                // After the first chunk the HTTP status is already 200; the failure is in-band.
                int status = state == State.COMMITTED ? 200 : failure.failureClass().httpStatus();
                terminal(f, status, "failed", failure.failureClass().code(), now);
            }
        }
    }

    private void terminal(StreamEvent e, int status, String outcome, String errorCode, long now) {
        state = State.METERING;
        served = served(now - dispatchNanos);
        Served finalServed = served;
        meter.record(usageEvent(status, outcome, errorCode, now), loop, err -> {
            if (state != State.METERING) return;
            state = State.DONE;
            if (err != null) sink.onMeterFailure(finalServed);
            else sink.onEvent(e, finalServed);
        });
    }

    private Served served(long upstreamNanos) {
        return new Served(target.model().provider(), target.model().model(), ctx.requestedModel(), target.mode(),
                target.profile(), 1, firstEventNanos < 0 ? -1 : firstEventNanos - ctx.startNanos(), upstreamNanos);
    }

    private UsageEvent usageEvent(int status, String outcome, String errorCode, long now) {
        return new UsageEvent(ctx.responseId(), ctx.traceId(), ctx.projectId(), ctx.keyId(),
                ctx.endpoint(), ctx.requestedModel(), target.model().provider().wireId(), target.model().model(),
                target.mode().wire(), target.profile().wire(), ctx.stream(), status, outcome, errorCode,
                usage.promptTokens(), usage.cachedTokens(), usage.cacheWriteTokens(), usage.completionTokens(),
                usage.reasoningTokens(),
                firstEventNanos < 0 ? null : (firstEventNanos - ctx.startNanos()) / 1_000_000,
                (now - ctx.startNanos()) / 1_000_000, ctx.startMs());
    }
}
