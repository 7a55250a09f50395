package ai.zumik.provider.openai;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.UpstreamFailure;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import ai.zumik.json.TopLevel;
import ai.zumik.provider.Endpoint;
import ai.zumik.provider.HttpAttempt;
import ai.zumik.provider.ResponsesCall;
import ai.zumik.provider.Transport;
import ai.zumik.provider.UsageTable;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import java.io.IOException;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * One call to OpenAI's Responses API ({@code POST /v1/responses}). A non-stream answer is the
 * Response object, read for its usage. A stream is OpenAI's typed events, passed on one chunk
 * each; {@code response.completed} and {@code response.incomplete} end it with the usage their
 * response carries, {@code response.failed} and {@code error} fail it. The Responses API has no
 * {@code [DONE]}: a stream that closes before a terminal event is broken.
 */
final class OpenAiResponsesAttempt extends HttpAttempt {
    private static final String[] FIELDS = {"type", "error", "usage", "response"};
    /** What a stream event is read for (the surface rewrites {@code response} in the events that carry it). */
    private static final String[] EVENT_FIELDS = {"type", "response", "sequence_number", "error", "code", "message", "param"};

    private final OpenAiFlavor flavor;
    private final Buffer body;

    OpenAiResponsesAttempt(OpenAiFlavor flavor, Transport transport, ResponsesCall call, Consumer<StreamEvent> events) {
        super(transport, call.timeouts(), call.stream(), events);
        this.flavor = flavor;
        ObjectNode b = call.body();
        b.put("model", call.upstreamModel());
        this.body = Buffer.buffer(Json.bytes(b));
    }

    @Override
    protected Endpoint endpoint() {
        return flavor.endpoint();
    }

    @Override
    protected String path() {
        return flavor.responsesPath();
    }

    @Override
    protected void headers(HttpClientRequest r) {
        flavor.authorize(r);
    }

    @Override
    protected Buffer body() {
        return body;
    }

    @Override
    protected UpstreamFailure errorResponse(int status, MultiMap headers, byte[] bytes) {
        return OpenAiWire.error(flavor.name(), status, headers, bytes);
    }

    @Override
    protected StreamEvent completion(HttpClientResponse head, byte[] bytes) {
        TopLevel doc;
        try {
            doc = TopLevel.scan(bytes, FIELDS, "error", "usage");
        } catch (IOException e) {
            return StreamEvent.Failed.malformed("The upstream returned a body that is not a JSON object.");
        }
        if (doc.tree("error") instanceof ObjectNode err) return failure(err, head.headers());
        return new StreamEvent.Completion(bytes, UsageTable.openAiResponses(doc.tree("usage")), doc);
    }

    @Override
    protected void onSseEvent(String event, byte[] data, int length) {
        byte[] json = Arrays.copyOf(data, length);
        TopLevel e;
        try {
            e = TopLevel.scan(json, EVENT_FIELDS, EVENT_FIELDS);
        } catch (IOException bad) {
            fail(UpstreamFailure.of(FailureClass.MALFORMED_RESPONSE, "The upstream sent a stream event that is not JSON."),
                    Usage.UNREPORTED);
            return;
        }
        JsonNode typeNode = e.tree("type");
        String type = typeNode != null && typeNode.isTextual() ? typeNode.textValue() : event == null ? "" : event;
        JsonNode response = e.tree("response");
        switch (type) {
            case "response.completed", "response.incomplete" -> {
                Usage usage = UsageTable.openAiResponses(response == null ? null : response.get("usage"));
                emit(new StreamEvent.Chunk(json, usage, false, e));
                finish(new StreamEvent.End(usage));
            }
            case "response.failed" -> {
                JsonNode err = response == null ? null : response.get("error");
                fail(failure(err instanceof ObjectNode o ? o : Json.object().put("message", "The response failed."),
                        MultiMap.caseInsensitiveMultiMap()).failure(),
                        UsageTable.openAiResponses(response == null ? null : response.get("usage")));
            }
            case "error" -> {
                ObjectNode err = Json.object();
                for (String f : new String[] {"code", "message", "param"}) {
                    if (e.tree(f) != null) err.set(f, e.tree(f));
                }
                if (e.tree("error") instanceof ObjectNode nested) err.setAll(nested);
                fail(failure(err, MultiMap.caseInsensitiveMultiMap()).failure(), Usage.UNREPORTED);
            }
            default -> emit(new StreamEvent.Chunk(json, null, false, e));
        }
    }

    /** An error object (top-level {@code error}, or a failed response's) as a failure OpenAI's error table classifies. */
    private StreamEvent.Failed failure(ObjectNode err, MultiMap headers) {
        ObjectNode root = Json.object();
        root.set("error", err);
        String code = err.path("code").asText("");
        int status = code.contains("rate_limit") ? 429 : code.equals("server_error") || code.isEmpty() ? 500 : 400;
        UpstreamFailure f = OpenAiWire.error(flavor.name(), status, headers, root);
        // After content, an upstream's own failure is an interruption of what the client already has.
        return new StreamEvent.Failed(eventSeen() && f.failureClass() == FailureClass.SERVER_ERROR
                ? new UpstreamFailure(FailureClass.STREAM_INTERRUPTED, 0, f.message(), null, f.providerCode(), null) : f,
                Usage.UNREPORTED);
    }
}
