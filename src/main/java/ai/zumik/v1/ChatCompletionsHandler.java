package ai.zumik.v1;

import ai.zumik.broker.ExecutionBroker;
import ai.zumik.broker.ExecutionContext;
import ai.zumik.catalog.CatalogModel;
import ai.zumik.catalog.ModelCatalog;
import ai.zumik.catalog.ModelRef;
import ai.zumik.http.ApiError;
import ai.zumik.http.Exchange;
import ai.zumik.http.Handler;
import ai.zumik.http.Params;
import ai.zumik.ids.Ids;
import ai.zumik.inference.ChatRequest;
import io.vertx.core.buffer.Buffer;

/** {@code POST /v1/chat/completions}: parse, resolve the model, hand to the broker, relay back. */
public final class ChatCompletionsHandler implements Handler {
    public static final String PATH = "/v1/chat/completions";

    private final ModelCatalog catalog;
    private final ExecutionBroker broker;

    public ChatCompletionsHandler(ModelCatalog catalog, ExecutionBroker broker) {
        this.catalog = catalog;
        this.broker = broker;
    }

    @Override
    public void handle(Exchange ex, Buffer body) {
        ChatRequest request = ChatRequestParser.parse(Params.object(body));
        ModelRef model = resolve(catalog, request.model(), CatalogModel.Kind.CHAT);
        ex.responseId(Ids.next("rsp_", ex.startMs()));
        ex.stream(request.stream());
        var ctx = new ExecutionContext(ex.traceId(), ex.responseId(), ex.principal().projectId(),
                ex.principal().keyId(), PATH, request.model(), request.stream(), ex.startNanos(), ex.startMs());
        ChatCompletionRelay relay = new ChatCompletionRelay(ex, request);
        var result = broker.chat(ctx, request, model, relay);
        if (result.refusal() != null) throw refusal(result.refusal()).exception();
        relay.attach(result.execution());
        ex.onClientClose(result.execution()::cancel);
    }

    /** Resolves {@code requested} to a model of {@code kind}, or throws the precise 4xx. */
    static ModelRef resolve(ModelCatalog catalog, String requested, CatalogModel.Kind kind) {
        ModelRef ref = catalog.resolve(requested).orElseThrow(() -> ApiError.modelNotFound(requested).exception());
        if (ref.entry() != null && ref.entry().kind() != kind) {
            throw ApiError.invalid("model", "model_not_supported", kind == CatalogModel.Kind.CHAT
                    ? "The model '" + requested + "' is an embeddings model and cannot be used for chat completions."
                    : "The model '" + requested + "' is not an embeddings model.").exception();
        }
        return ref;
    }

    static ApiError refusal(ExecutionBroker.Refusal refusal) {
        return switch (refusal) {
            case ExecutionBroker.Refusal.ProviderUnavailable p -> new ApiError(501, "api_error", "provider_unavailable",
                    "model", "Provider '" + p.provider() + "' is configured, but this build has no adapter for it yet.", null);
            case ExecutionBroker.Refusal.Invalid i -> ApiError.invalid(i.rejection().param(), i.rejection().code(),
                    i.rejection().getMessage());
        };
    }
}
