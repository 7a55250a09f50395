package ai.zumik.v1;

import ai.zumik.broker.Execution;
import ai.zumik.broker.ResponseSink;
import ai.zumik.broker.Served;
import ai.zumik.http.ApiError;
import ai.zumik.http.Exchange;
import ai.zumik.http.Sse;
import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.StreamEvent;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.http.HttpServerResponse;

/**
 * Renders an execution's events as an OpenAI chat completion: one JSON body, or an SSE stream
 * whose headers are committed by the first upstream chunk and whose chunks are written (and
 * flushed) one by one as they arrive. Only {@code id} and {@code model} are rewritten; the usage
 * chunk and {@code usage} fields appear only when the client asked for them. A stream the
 * upstream breaks ends with an in-band {@code data: {"error":...}} event and no {@code [DONE]}.
 */
final class ChatCompletionRelay implements ResponseSink {
    private final Exchange ex;
    private final ChatRequest request;
    private final String completionId;
    private Execution execution;
    private boolean streaming;

    ChatCompletionRelay(Exchange ex, ChatRequest request) {
        this.ex = ex;
        this.request = request;
        this.completionId = "chatcmpl-" + ex.responseId();
    }

    void attach(Execution execution) {
        this.execution = execution;
    }

    @Override
    public void onEvent(StreamEvent event, Served served) {
        if (ex.finished()) return;
        switch (event) {
            case StreamEvent.Chunk c -> chunk(c, served);
            case StreamEvent.Completion c -> {
                rewrite(c.json(), served);
                note(served, c.usage());
                AgentHeaders.apply(ex.response(), served);
                ex.sendJson(200, c.json());
            }
            case StreamEvent.End end -> {
                note(served, end.usage());
                if (!streaming) begin(served);
                ex.endStream(Sse.DONE);
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

    private void chunk(StreamEvent.Chunk c, Served served) {
        if (!streaming) begin(served);
        if (!request.includeUsage()) {
            if (c.usageOnly()) return;
            c.json().remove("usage");
        }
        rewrite(c.json(), served);
        HttpServerResponse res = ex.response();
        res.write(Sse.event(Json.bytes(c.json())));
        if (res.writeQueueFull() && execution != null) {
            execution.pause();
            res.drainHandler(v -> execution.resume());
        }
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
            ex.endStream(Sse.event(Json.bytes(error.toJson())));
        }
    }

    private void rewrite(ObjectNode json, Served served) {
        if (json.has("id")) json.put("id", completionId);
        json.put("model", served.responseModel());
    }

    private void note(Served served, ai.zumik.inference.Usage usage) {
        ex.served(served.provider().wireId(), served.model(), served.mode().wire());
        ex.upstreamTimings(served.ttftNanos(), served.upstreamNanos());
        if (usage != null) ex.usage(usage);
    }
}
