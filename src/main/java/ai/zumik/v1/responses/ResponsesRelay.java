package ai.zumik.v1.responses;

import ai.zumik.broker.ExecutionBroker;
import ai.zumik.broker.ResponseSink;
import ai.zumik.broker.Served;
import ai.zumik.http.ApiError;
import ai.zumik.http.Exchange;
import ai.zumik.http.Sse;
import ai.zumik.http.SseBatcher;
import ai.zumik.inference.FailureClass;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import ai.zumik.json.TopLevel;
import ai.zumik.surface.AgentHeaders;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.List;

/**
 * Renders an execution's events as OpenAI's Responses API, for either kind of target: a target
 * that spoke the Responses API natively has its events relayed as they are, with only the
 * Response object inside them rewritten (Zumik's id, the served model, the client's
 * {@code previous_response_id} and {@code store}); a chat target's chunks are turned into typed
 * events by a {@link ResponseBuilder}. Either way the terminal event ({@code response.completed}
 * or {@code response.incomplete}) is written only once the Response is stored, so a client that
 * continues the conversation the moment it sees it always finds it. A stream that breaks ends
 * with {@code response.failed}, never with a clean-looking end.
 */
final class ResponsesRelay implements ResponseSink {
    private final Exchange ex;
    private final ResponsesRequest request;
    private final String id;
    private final long createdAt;
    private final Persist persist;
    private final SseBatcher out;
    private ResponseBuilder builder;
    private boolean streaming;
    /** A native stream's latest Response object (rewritten), the base of a failure event. */
    private ObjectNode nativeSnapshot;
    /** A native stream's terminal event, held until the Response is stored. */
    private byte[] heldTerminal;
    private String heldType;
    private ObjectNode finalResponse;

    /** Stores a finished Response (when the request asked for it) and then continues on the event loop. */
    interface Persist {
        void save(ObjectNode response, Runnable then);
    }

    ResponsesRelay(Exchange ex, ResponsesRequest request, String id, long createdAt, Persist persist) {
        this.ex = ex;
        this.request = request;
        this.id = id;
        this.createdAt = createdAt;
        this.persist = persist;
        this.out = new SseBatcher(ex);
    }

    void attach(ExecutionBroker.Handle execution) {
        out.backpressure(execution::pause, execution::resume);
    }

    @Override
    public void onEvent(StreamEvent event, Served served) {
        if (ex.finished()) return;
        switch (event) {
            case StreamEvent.Chunk c -> {
                if (served.responsesNative()) nativeChunk(c, served);
                else translatedChunk(c, served);
            }
            case StreamEvent.Completion c -> {
                note(served, c.usage());
                if (served.responsesNative() && !request.store) {
                    // Nothing to store: the upstream's bytes go out with Zumik's members set in them.
                    byte[] body;
                    try {
                        body = builder().adopt(c.json(), served.responseModel());
                    } catch (IOException e) {
                        throw new IllegalStateException("adapter produced a body that is not a JSON object", e);
                    }
                    AgentHeaders.apply(ex.response(), served);
                    ex.sendJson(200, body);
                    return;
                }
                ObjectNode response;
                try {
                    JsonNode doc = Json.parse(c.json());
                    response = served.responsesNative() ? builder().adopt((ObjectNode) doc, served.responseModel())
                            : builder().fromCompletion(doc, served.responseModel(), c.usage());
                } catch (IOException | ClassCastException e) {
                    throw new IllegalStateException("adapter produced a body that is not a JSON object", e);
                }
                persist.save(response, () -> {
                    AgentHeaders.apply(ex.response(), served);
                    ex.sendJson(200, response);
                });
            }
            case StreamEvent.End end -> {
                note(served, end.usage());
                if (!streaming) begin(served);
                Buffer last = out.take();
                if (served.responsesNative()) {
                    if (heldTerminal == null) throw new IllegalStateException("native stream ended without its terminal event");
                    append(last, heldType, heldTerminal);
                } else {
                    List<ObjectNode> events = builder().finish(served.responseModel(), end.usage());
                    for (ObjectNode e : events) append(last, e);
                    finalResponse = (ObjectNode) events.getLast().get("response");
                }
                persist.save(finalResponse, () -> ex.endStream(last));
            }
            case StreamEvent.Failed f -> {
                note(served, f.usage());
                fail(ApiError.fromUpstream(f.failure()), f.failure().failureClass(), served, f.usage());
            }
        }
    }

    @Override
    public void onMeterFailure(Served served) {
        note(served, null);
        fail(ApiError.unavailable("usage_meter_unavailable",
                "Zumik could not record usage for this response, so it was not delivered. Retry shortly."),
                FailureClass.INTERNAL, served, null);
    }

    @Override
    public boolean retract() {
        if (!out.retract()) return false;
        streaming = false;
        builder = null;
        nativeSnapshot = null;
        heldTerminal = null;
        return true;
    }

    private ResponseBuilder builder() {
        if (builder == null) builder = new ResponseBuilder(request, id, createdAt);
        return builder;
    }

    private void translatedChunk(StreamEvent.Chunk c, Served served) {
        Buffer buf = out.pending(c.json().length + 256);
        if (!streaming) {
            begin(served);
            for (ObjectNode e : builder().start(served.responseModel())) append(buf, e);
        }
        JsonNode chunk;
        try {
            chunk = Json.parse(c.json());
        } catch (IOException e) {
            throw new IllegalStateException("adapter produced a chunk that is not JSON", e);
        }
        for (ObjectNode e : builder().chunk(chunk)) append(buf, e);
    }

    private void nativeChunk(StreamEvent.Chunk c, Served served) {
        if (!streaming) begin(served);
        TopLevel scan = c.scanned();
        byte[] json = c.json();
        JsonNode seq = scan.tree("sequence_number");
        if (seq != null && seq.canConvertToInt()) builder().sequenceAfter(seq.intValue());
        JsonNode typeNode = scan.tree("type");
        String type = typeNode == null ? null : typeNode.asText();
        if (scan.tree("response") instanceof ObjectNode response) {
            nativeSnapshot = builder().adopt(response, served.responseModel());
            json = scan.replaceValue("response", Json.bytes(nativeSnapshot));
            if ("response.completed".equals(type) || "response.incomplete".equals(type)) {
                // Written with the end, once stored.
                heldType = type;
                heldTerminal = json;
                finalResponse = nativeSnapshot;
                return;
            }
        }
        append(out.pending(json.length + 64), type, json);
    }

    private void begin(Served served) {
        streaming = true;
        AgentHeaders.apply(ex.response(), served);
        Sse.start(ex.response());
    }

    private void fail(ApiError error, FailureClass cause, Served served, Usage usage) {
        ex.errorCode(error.code());
        if (!streaming) {
            AgentHeaders.apply(ex.response(), served);
            ex.sendError(error);
            return;
        }
        // Mid-stream: the Response failed; say so in the Responses API's own terms, and keep it.
        String code = cause == FailureClass.RATE_LIMITED ? "rate_limit_exceeded" : "server_error";
        String message = error.message() + " (" + error.code() + ")";
        ObjectNode failedEvent;
        if (nativeSnapshot != null) {
            ObjectNode response = nativeSnapshot.deepCopy();
            response.put("status", "failed");
            response.putObject("error").put("code", code).put("message", message);
            if (usage != null && usage.reported()) response.set("usage", ResponseBuilder.usage(usage));
            failedEvent = builder().failedEvent(response);
        } else {
            failedEvent = builder().failed(served.responseModel(), usage != null && usage.reported() ? usage : null, code, message);
        }
        Buffer last = out.take();
        append(last, failedEvent);
        persist.save((ObjectNode) failedEvent.get("response"), () -> ex.endStream(last));
    }

    /** One SSE event, named as OpenAI names them ({@code event: <type>}), then its data. */
    private static void append(Buffer buf, String type, byte[] json) {
        if (type != null) buf.appendString("event: ").appendString(type).appendString("\n");
        Sse.append(buf, json);
    }

    private static void append(Buffer buf, ObjectNode event) {
        append(buf, event.get("type").textValue(), Json.bytes(event));
    }

    private void note(Served served, Usage usage) {
        ex.served(served.provider().wireId(), served.model(), served.mode().wire());
        ex.upstreamTimings(served.ttftNanos(), served.upstreamNanos());
        if (usage != null) ex.usage(usage);
    }
}
