package ai.zumik.byoc;

import ai.zumik.provider.SealedKeyAdapter;
import ai.zumik.provider.ProviderAdapter;
import ai.zumik.provider.ProviderId;
import ai.zumik.provider.Transport;
import ai.zumik.provider.openai.OpenAiCompatibleAdapter;
import ai.zumik.provider.openai.OpenAiFlavor;

/**
 * A BYOC cluster's OpenAI-compatible endpoint as a provider. Like a BYOK credential, the cluster's
 * API key stays sealed: each call opens it, builds the OpenAI-compatible adapter around it for that
 * call only, and lets it go. A cluster speaks chat completions and embeddings; a Responses API
 * request reaches it translated to chat.
 */
public final class ClusterAdapter extends SealedKeyAdapter {
    private final LiveCluster cluster;

    public ClusterAdapter(LiveCluster cluster, Transport transport) {
        super(transport);
        this.cluster = cluster;
    }

    @Override
    public boolean speaksResponses() {
        return false;
    }

    @Override
    protected String openKey() {
        return cluster.apiKey().open();
    }

    @Override
    protected ProviderAdapter around(String key) {
        return new OpenAiCompatibleAdapter(OpenAiFlavor.direct(ProviderId.OPENAI, cluster.baseUrl(), key), transport);
    }

    @Override
    protected String cannotOpen(RuntimeException e) {
        return "The API key of BYOC cluster " + cluster.id() + " cannot be opened on this Zumik replica (every replica "
                + "needs the same ZUMIK_MASTER_KEY). The request was not sent.";
    }

    @Override
    public String toString() {
        return "ClusterAdapter[" + cluster.id() + "]";
    }
}
