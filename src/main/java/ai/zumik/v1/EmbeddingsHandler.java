package ai.zumik.v1;

import static ai.zumik.http.Params.missing;
import static ai.zumik.http.Params.optionalInt;
import static ai.zumik.http.Params.optionalString;
import static ai.zumik.http.Params.requiredString;
import static ai.zumik.http.Params.wrongType;

import ai.zumik.broker.ExecutionBroker;
import ai.zumik.broker.ExecutionContext;
import ai.zumik.broker.ResponseSink;
import ai.zumik.broker.Served;
import ai.zumik.http.ApiError;
import ai.zumik.http.Exchange;
import ai.zumik.http.Handler;
import ai.zumik.http.Params;
import ai.zumik.ids.Ids;
import ai.zumik.inference.EmbeddingRequest;
import ai.zumik.json.TopLevel;
import ai.zumik.inference.StreamEvent;
import ai.zumik.surface.AgentHeaders;
import ai.zumik.surface.InferenceFront;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code POST /v1/embeddings}. */
public final class EmbeddingsHandler implements Handler {
    public static final String PATH = "/v1/embeddings";
    private static final int MAX_INPUTS = 2048;

    private final ExecutionBroker broker;
    private final InferenceFront front;

    public EmbeddingsHandler(ExecutionBroker broker, InferenceFront front) {
        this.broker = broker;
        this.front = front;
    }

    @Override
    public void handle(Exchange ex, Buffer body) {
        front.idempotent(ex, body, () -> run(ex, body));
    }

    private void run(Exchange ex, Buffer body) {
        var parsed = Params.objectWithSpans(body, EmbeddingRequest.SET_BY_ZUMIK);
        EmbeddingRequest request = parse(parsed.tree(), parsed.spans());
        ex.responseId(Ids.next("rsp_", ex.startMs()));
        front.hintedQos(ex, qos -> {
            var ctx = new ExecutionContext(ex.traceId(), ex.responseId(), ex.principal(),
                    PATH, "v1", request.model(), false, ex.startNanos(), ex.startMs(), qos, false).withSpan(ex.span());
            var result = broker.embeddings(ctx, request, new Sink(ex));
            if (result.refusal() != null) {
                InferenceFront.refuse(ex, broker, ctx, result.refusal());
                return;
            }
            ex.onClientClose(result.handle()::cancel);
        });
    }

    /** The request as this endpoint accepts it; a 400 naming the parameter otherwise. */
    public static EmbeddingRequest parse(ObjectNode body) {
        return parse(body, null);
    }

    /** As {@link #parse(ObjectNode)}, for a body that is the parse of {@code raw}, the client's bytes. */
    public static EmbeddingRequest parse(ObjectNode body, TopLevel raw) {
        String model = requiredString(body, "model", "model");
        JsonNode input = body.get("input");
        if (input == null || input.isNull()) throw missing("input");
        List<String> inputs = new ArrayList<>();
        if (input.isTextual()) {
            if (input.textValue().isEmpty()) throw emptyInput("input");
            inputs.add(input.textValue());
        } else if (input instanceof ArrayNode arr) {
            if (arr.isEmpty()) throw emptyInput("input");
            if (arr.size() > MAX_INPUTS) {
                throw ApiError.invalid("input", "array_above_max_length",
                        "Invalid 'input': at most " + MAX_INPUTS + " inputs per request, got " + arr.size() + ".").exception();
            }
            boolean tokens = arr.get(0).isIntegralNumber();
            for (int i = 0; i < arr.size(); i++) {
                JsonNode item = arr.get(i);
                String p = "input[" + i + "]";
                if (tokens) {
                    if (!item.isIntegralNumber() || item.asLong() < 0) throw wrongType(p, "a token id (non-negative integer)", item);
                } else if (item.isTextual()) {
                    if (item.textValue().isEmpty()) throw emptyInput(p);
                    inputs.add(item.textValue());
                } else if (item instanceof ArrayNode ids) {
                    if (ids.isEmpty()) throw emptyInput(p);
                    for (int j = 0; j < ids.size(); j++) {
                        if (!ids.get(j).isIntegralNumber() || ids.get(j).asLong() < 0) {
                            throw wrongType(p + "[" + j + "]", "a token id (non-negative integer)", ids.get(j));
                        }
                    }
                    inputs.add(ids.toString());
                } else {
                    throw wrongType(p, "a string or an array of token ids", item);
                }
            }
            if (tokens) inputs.add(arr.toString());
        } else {
            throw wrongType("input", "a string, an array of strings, or an array of token ids", input);
        }
        String format = Params.oneOf(optionalString(body, "encoding_format", "encoding_format"), "encoding_format",
                Set.of("float", "base64"));
        Integer dims = optionalInt(body, "dimensions", "dimensions", 1, 65536);
        optionalString(body, "user", "user");
        return new EmbeddingRequest(body, model, inputs, "base64".equals(format), dims, raw);
    }

    private static RuntimeException emptyInput(String param) {
        return ApiError.invalid(param, "invalid_value", "Invalid '" + param + "': input must not be empty.").exception();
    }

    /** Relays the single embeddings answer, echoing the requested model. */
    private record Sink(Exchange ex) implements ResponseSink {
        @Override
        public void onEvent(StreamEvent event, Served served) {
            ex.served(served.provider().wireId(), served.model(), served.mode().wire());
            ex.upstreamTimings(served.ttftNanos(), served.upstreamNanos());
            AgentHeaders.apply(ex.response(), served);
            switch (event) {
                case StreamEvent.Completion c -> {
                    ex.usage(c.usage());
                    try {
                        ex.sendJson(200, ResponseBodies.embeddings(c, served.responseModel()));
                    } catch (java.io.IOException e) {
                        ex.fail(e);
                    }
                }
                case StreamEvent.Failed f -> ex.sendError(ApiError.fromUpstream(f.failure()));
                default -> ex.fail(new IllegalStateException("embeddings produced " + event.getClass().getSimpleName()));
            }
        }

        @Override
        public void onMeterFailure(Served served) {
            AgentHeaders.apply(ex.response(), served);
            ex.sendError(ApiError.unavailable("usage_meter_unavailable",
                    "Zumik could not record usage for this response, so it was not delivered. Retry shortly."));
        }
    }
}
