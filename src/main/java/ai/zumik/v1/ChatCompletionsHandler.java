package ai.zumik.v1;

import ai.zumik.broker.ExecutionBroker;
import ai.zumik.broker.ExecutionContext;
import ai.zumik.http.Exchange;
import ai.zumik.http.Handler;
import ai.zumik.http.Params;
import ai.zumik.ids.Ids;
import ai.zumik.inference.ChatRequest;
import ai.zumik.surface.InferenceFront;
import io.vertx.core.buffer.Buffer;

/** {@code POST /v1/chat/completions}: parse, find the QoS hints, hand to the broker, relay back. */
public final class ChatCompletionsHandler implements Handler {
    public static final String PATH = "/v1/chat/completions";

    private final ExecutionBroker broker;
    private final InferenceFront front;

    public ChatCompletionsHandler(ExecutionBroker broker, InferenceFront front) {
        this.broker = broker;
        this.front = front;
    }

    @Override
    public void handle(Exchange ex, Buffer body) {
        front.idempotent(ex, body, () -> run(ex, body));
    }

    private void run(Exchange ex, Buffer body) {
        var parsed = Params.objectWithSpans(body, ChatRequest.SET_BY_ZUMIK);
        ChatRequest request = ChatRequestParser.parse(parsed.tree(), parsed.spans());
        ex.responseId(Ids.next("rsp_", ex.startMs()));
        ex.stream(request.stream());
        front.hintedQos(ex, qos -> {
            var ctx = new ExecutionContext(ex.traceId(), ex.responseId(), ex.principal(),
                    PATH, "v1", request.model(), request.stream(), ex.startNanos(), ex.startMs(), qos, false)
                    .withSpan(ex.span());
            ChatCompletionRelay relay = new ChatCompletionRelay(ex, request);
            var result = broker.chat(ctx, request, relay);
            if (result.refusal() != null) {
                InferenceFront.refuse(ex, broker, ctx, result.refusal());
                return;
            }
            relay.attach(result.handle());
            ex.onClientClose(result.handle()::cancel);
        });
    }
}
