package ai.zumik.v1.batches;

import ai.zumik.broker.ExecutionBroker;
import ai.zumik.broker.ExecutionContext;
import ai.zumik.broker.ResponseSink;
import ai.zumik.broker.Served;
import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.EmbeddingRequest;
import ai.zumik.inference.StreamEvent;
import ai.zumik.v1.ChatCompletionsHandler;
import ai.zumik.v1.ChatRequestParser;
import ai.zumik.v1.EmbeddingsHandler;
import ai.zumik.v1.ResponseBodies;
import ai.zumik.v1.responses.ResponsesBatchLine;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * The endpoints a batch can target, and for each how a line's body becomes a request (the live
 * endpoint's own parser: a body it would refuse with a 400 is refused with that 400), how the
 * request goes through the broker, and how its answer is rendered (the live endpoint's own
 * renderer, so a line's body is byte for byte what the endpoint answers live).
 */
public enum BatchEndpoint {
    CHAT_COMPLETIONS(ChatCompletionsHandler.PATH),
    EMBEDDINGS(EmbeddingsHandler.PATH),
    RESPONSES("/v1/responses");

    private final String url;

    BatchEndpoint(String url) {
        this.url = url;
    }

    public String url() {
        return url;
    }

    /** The endpoint behind {@code url}, or null when batches cannot target it. */
    public static BatchEndpoint of(String url) {
        for (BatchEndpoint e : values()) if (e.url.equals(url)) return e;
        return null;
    }

    /** Sends a prepared request through a broker (on the broker's loop). */
    @FunctionalInterface
    interface Submit {
        ExecutionBroker.Result submit(ExecutionBroker broker, ExecutionContext ctx, ResponseSink sink);
    }

    /** Renders a completed answer as the live endpoint's body. */
    @FunctionalInterface
    interface Render {
        byte[] body(StreamEvent.Completion c, Served served, String responseId) throws IOException;
    }

    /** A line ready to run: the model it asks for, how to send it, how to render its answer. */
    record Prepared(String model, Submit submit, Render render) {}

    /**
     * A line's body read exactly as the live endpoint reads it; throws the endpoint's 400
     * ({@link ai.zumik.http.ApiException}) for a body it would refuse.
     */
    Prepared prepare(ObjectNode body) {
        return switch (this) {
            case CHAT_COMPLETIONS -> chat(body);
            case EMBEDDINGS -> embeddings(body);
            case RESPONSES -> responses(body);
        };
    }

    private static Prepared chat(ObjectNode body) {
        ChatRequest r = ChatRequestParser.parse(body);
        return new Prepared(r.model(), (broker, ctx, sink) -> broker.chat(ctx, r, sink),
                (c, served, id) -> ResponseBodies.chatCompletion(c, id, served.responseModel()));
    }

    private static Prepared embeddings(ObjectNode body) {
        EmbeddingRequest r = EmbeddingsHandler.parse(body);
        return new Prepared(r.model(), (broker, ctx, sink) -> broker.embeddings(ctx, r, sink),
                (c, served, id) -> ResponseBodies.embeddings(c, served.responseModel()));
    }

    /** {@code /v1/responses} lines: self-contained (not stored, no chaining), see {@link ResponsesBatchLine}. */
    private static Prepared responses(ObjectNode body) {
        ResponsesBatchLine line = ResponsesBatchLine.parse(body);
        return new Prepared(line.model(), (broker, ctx, sink) -> broker.responses(ctx, line.work(), sink), line::render);
    }
}
