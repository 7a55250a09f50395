package ai.zumik.byoc;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.UpstreamFailure;
import ai.zumik.inference.Usage;
import ai.zumik.provider.ChatCall;
import ai.zumik.provider.EmbeddingCall;
import ai.zumik.provider.ProviderAdapter;
import ai.zumik.provider.ProviderId;
import ai.zumik.provider.Transport;
import ai.zumik.provider.UpstreamCall;
import ai.zumik.provider.openai.OpenAiCompatibleAdapter;
import ai.zumik.provider.openai.OpenAiFlavor;
import java.util.function.Consumer;

/**
 * A BYOC cluster's OpenAI-compatible endpoint as a provider. Like a BYOK credential, the cluster's
 * API key stays sealed: each call opens it, builds the OpenAI-compatible adapter around it for that
 * call only, and lets it go. A cluster speaks chat completions and embeddings; a Responses API
 * request reaches it translated to chat.
 */
public final class ClusterAdapter implements ProviderAdapter {
    /** A call that never left: its failure is already on its way to the listener. */
    private static final UpstreamCall NOT_SENT = new UpstreamCall() {
        @Override
        public void cancel() {}

        @Override
        public void pause() {}

        @Override
        public void resume() {}
    };

    private final LiveCluster cluster;
    private final Transport transport;

    public ClusterAdapter(LiveCluster cluster, Transport transport) {
        this.cluster = cluster;
        this.transport = transport;
    }

    @Override
    public UpstreamCall chat(ChatCall call, Consumer<StreamEvent> events) {
        ProviderAdapter a = opened(events);
        return a == null ? NOT_SENT : a.chat(call, events);
    }

    @Override
    public UpstreamCall embeddings(EmbeddingCall call, Consumer<StreamEvent> events) {
        ProviderAdapter a = opened(events);
        return a == null ? NOT_SENT : a.embeddings(call, events);
    }

    @Override
    public boolean speaksResponses() {
        return false;
    }

    private ProviderAdapter opened(Consumer<StreamEvent> events) {
        String key;
        try {
            key = cluster.apiKey().open();
        } catch (RuntimeException e) {
            transport.vertx().runOnContext(v -> events.accept(new StreamEvent.Failed(UpstreamFailure.of(FailureClass.INTERNAL,
                    "The API key of BYOC cluster " + cluster.id() + " cannot be opened on this Zumik replica (every replica "
                    + "needs the same ZUMIK_MASTER_KEY). The request was not sent."), Usage.UNREPORTED)));
            return null;
        }
        return new OpenAiCompatibleAdapter(OpenAiFlavor.direct(ProviderId.OPENAI, cluster.baseUrl(), key), transport);
    }

    @Override
    public String toString() {
        return "ClusterAdapter[" + cluster.id() + "]";
    }
}
