package ai.zumik.v1.batches;

import ai.zumik.broker.ExecutionBroker;
import ai.zumik.broker.ResponseSink;
import ai.zumik.broker.Served;
import ai.zumik.http.ApiError;
import ai.zumik.inference.FailureClass;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import ai.zumik.surface.InferenceFront;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where one batch line's execution ends: the broker's terminal event (delivered, like every
 * surface's, only once the line's usage event is durable) becomes the line's {@link LineOutcome},
 * with the body the live endpoint would have sent. A refusal that came before anything was sent
 * upstream and may pass with time (a rate limit, a full or slow admission queue) defers the line
 * instead of failing it: a batch waits for capacity rather than failing its lines for it.
 */
final class LineSink implements ResponseSink {
    private static final Logger LOG = LoggerFactory.getLogger(LineSink.class);
    private static final Set<FailureClass> DEFERRABLE = EnumSet.of(FailureClass.RATE_LIMIT_EXCEEDED,
            FailureClass.QUEUE_FULL, FailureClass.QUEUE_TIMEOUT);

    private final BatchEndpoint.Prepared prepared;
    private final String responseId;
    private final CompletableFuture<LineOutcome> outcome = new CompletableFuture<>();

    LineSink(BatchEndpoint.Prepared prepared, String responseId) {
        this.prepared = prepared;
        this.responseId = responseId;
    }

    CompletableFuture<LineOutcome> outcome() {
        return outcome;
    }

    @Override
    public void onEvent(StreamEvent event, Served served) {
        switch (event) {
            case StreamEvent.Completion c -> {
                try {
                    byte[] body = prepared.render().body(c, served, responseId);
                    outcome.complete(new LineOutcome.Answered(200, responseId, text(body), c.usage()));
                } catch (Exception e) {
                    LOG.error("could not render batch line {}", responseId, e);
                    answer(ApiError.internal(), c.usage());
                }
            }
            case StreamEvent.Failed f -> {
                FailureClass k = f.failure().failureClass();
                if (served.attempts() == 0 && DEFERRABLE.contains(k)) {
                    Long after = f.failure().retryAfterSeconds();
                    outcome.complete(new LineOutcome.Deferred(after == null || after < 1 ? 1_000 : after * 1_000));
                } else {
                    answer(ApiError.fromUpstream(f.failure()), f.usage());
                }
            }
            // A batch line never streams (validation refuses stream: true), so these cannot come.
            case StreamEvent.Chunk ch -> { }
            case StreamEvent.End end -> answer(ApiError.internal(), end.usage());
        }
    }

    @Override
    public void onMeterFailure(Served served) {
        answer(ApiError.unavailable("usage_meter_unavailable",
                "Zumik could not record usage for this response, so it was not delivered. Retry shortly."), null);
    }

    /** The broker refused the request before running it (its record is stored). */
    void refused(ExecutionBroker.Refusal r) {
        answer(InferenceFront.error(r), null);
    }

    /** Something in Zumik failed while handing the line to the broker. */
    void internal() {
        answer(ApiError.internal(), null);
    }

    private void answer(ApiError e, Usage usage) {
        outcome.complete(new LineOutcome.Answered(e.status(), responseId, text(Json.bytes(e.toJson())), usage));
    }

    private static String text(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }
}
