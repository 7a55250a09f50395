package ai.zumik.v1;

import ai.zumik.broker.ExecutionBroker;
import ai.zumik.broker.ResponseSink;
import ai.zumik.broker.Served;
import ai.zumik.http.ApiError;
import ai.zumik.http.Exchange;
import ai.zumik.http.Sse;
import ai.zumik.http.SseBatcher;
import ai.zumik.surface.AgentHeaders;
import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.StreamEvent;
import ai.zumik.json.Json;
import ai.zumik.json.TopLevel;
import io.vertx.core.buffer.Buffer;

/**
 * Renders an execution's events as an OpenAI chat completion: one JSON body, or an SSE stream
 * whose headers are committed by the first upstream chunk and whose chunks are relayed as they
 * arrive. Only {@code id} and {@code model} are rewritten; the usage chunk and {@code usage}
 * fields appear only when the client asked for them. A stream the upstream breaks ends with an
 * in-band {@code data: {"error":...}} event and no {@code [DONE]}.
 *
 * <p>Events are written through an {@link SseBatcher}: one write per event-loop turn, and a first
 * write late enough that a stream broken at once can still fail over ({@link #retract}).
 */
final class ChatCompletionRelay implements ResponseSink {
    private static final String[] REWRITTEN = {"id", "model", "usage"};

    private final Exchange ex;
    private final ChatRequest request;
    private final String completionId;
    private final SseBatcher out;
    private boolean streaming;

    ChatCompletionRelay(Exchange ex, ChatRequest request) {
        this.ex = ex;
        this.request = request;
        this.completionId = ResponseBodies.chatCompletionId(ex.responseId());
        this.out = new SseBatcher(ex);
    }

    void attach(ExecutionBroker.Handle execution) {
        out.backpressure(execution::pause, execution::resume);
    }

    @Override
    public void onEvent(StreamEvent event, Served served) {
        if (ex.finished()) return;
        switch (event) {
            case StreamEvent.Chunk c -> chunk(c, served);
            case StreamEvent.Completion c -> {
                byte[] body = ResponseBodies.chatCompletion(c, ex.responseId(), served.responseModel());
                note(served, c.usage());
                AgentHeaders.apply(ex.response(), served);
                ex.sendJson(200, body);
            }
            case StreamEvent.End end -> {
                note(served, end.usage());
                if (!streaming) begin(served);
                ex.endStream(out.take().appendBuffer(Sse.DONE));
            }
            case StreamEvent.Failed f -> {
                note(served, f.usage());
                fail(ApiError.fromUpstream(f.failure()), served);
            }
        }
    }

    @Override
    public void onMeterFailure(Served served) {
        note(served, null);
        fail(ApiError.unavailable("usage_meter_unavailable",
                "Zumik could not record usage for this response, so it was not delivered. Retry shortly."), served);
    }

    @Override
    public boolean retract() {
        // Only buffered so far: forget the chunks and the streaming head, as if nothing had come.
        if (!out.retract()) return false;
        streaming = false;
        return true;
    }

    private void chunk(StreamEvent.Chunk c, Served served) {
        if (!streaming) begin(served);
        if (c.usageOnly() && !request.includeUsage()) return;
        byte[] json = rewrite(c.json(), c.scanned(), served, !request.includeUsage());
        Sse.append(out.pending(json.length + 64), json);
    }

    private void begin(Served served) {
        streaming = true;
        AgentHeaders.apply(ex.response(), served);
        Sse.start(ex.response());
    }

    private void fail(ApiError error, Served served) {
        ex.errorCode(error.code());
        if (!streaming) {
            AgentHeaders.apply(ex.response(), served);
            ex.sendError(error);
        } else {
            Buffer last = out.take();
            Sse.append(last, Json.bytes(error.toJson()));
            ex.endStream(last);
        }
    }

    /**
     * The upstream's bytes with {@code id} and {@code model} replaced (and {@code usage} removed
     * when the client did not ask for it); all else is copied byte for byte. {@code scanned}: the
     * adapter's scan of these bytes, when it made one.
     */
    private byte[] rewrite(byte[] json, TopLevel scanned, Served served, boolean dropUsage) {
        try {
            TopLevel doc = scanned != null ? scanned : TopLevel.scan(json, REWRITTEN);
            String[] replace = {"id", completionId, "model", served.responseModel()};
            return dropUsage ? doc.rewrite(replace, "usage") : doc.rewrite(replace);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("adapter produced a chunk that is not a JSON object", e);
        }
    }

    private void note(Served served, ai.zumik.inference.Usage usage) {
        ex.served(served.provider().wireId(), served.model(), served.mode().wire());
        ex.upstreamTimings(served.ttftNanos(), served.upstreamNanos());
        if (usage != null) ex.usage(usage);
    }
}
