package ai.zumik.provider;

import ai.zumik.inference.StreamEvent;
import java.util.function.Consumer;

/**
 * One wire protocol. An adapter turns a canonical call into the provider's request and the
 * provider's answer back into {@link StreamEvent}s, delivered in order on the caller's event loop:
 * chunks then an end or a failure for a stream; one completion or one failure otherwise.
 */
public interface ProviderAdapter {
    UpstreamCall chat(ChatCall call, Consumer<StreamEvent> events);

    /** Embeddings answer with one {@link StreamEvent.Completion} or one {@link StreamEvent.Failed}. */
    UpstreamCall embeddings(EmbeddingCall call, Consumer<StreamEvent> events);

    /**
     * OpenAI's Responses API, natively: a {@link StreamEvent.Completion} carrying the Response
     * object, or a stream of its typed events as chunks ending at {@code response.completed}. Only
     * adapters that speak it implement this; the broker sends everything else through {@link #chat}.
     */
    default UpstreamCall responses(ResponsesCall call, Consumer<StreamEvent> events) {
        throw new UnsupportedOperationException("this adapter does not speak the Responses API");
    }

    /** Whether {@link #responses} works here. */
    default boolean speaksResponses() {
        return false;
    }
}
