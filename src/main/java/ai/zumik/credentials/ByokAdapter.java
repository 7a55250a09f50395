package ai.zumik.credentials;

import ai.zumik.provider.ProviderAdapter;
import ai.zumik.provider.ProviderId;
import ai.zumik.provider.SealedKeyAdapter;
import ai.zumik.provider.Transport;
import ai.zumik.provider.anthropic.AnthropicAdapter;
import ai.zumik.provider.gemini.GeminiAdapter;
import ai.zumik.provider.openai.OpenAiCompatibleAdapter;
import ai.zumik.provider.openai.OpenAiFlavor;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A provider reached with a project's own credential. It holds only the sealed credential: each
 * call opens the secret, builds that provider's ordinary adapter around it for this one call,
 * wipes the opened bytes, and lets the adapter put the secret in the request's auth header. The
 * secret then lives only as long as the call's objects (a Java string cannot be wiped; it becomes
 * garbage with them) — no long-lived object holds it opened. Any text coming back from the
 * provider on a failure has the secret removed before Zumik shows, logs or stores it.
 *
 * <p>The upstream is the credential's {@code base_url} when it has one (OpenAI-compatible providers
 * only), else the provider's endpoint as the operator configured it; never a Bifrost gateway.
 */
public final class ByokAdapter extends SealedKeyAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ByokAdapter.class);

    private final ProviderCredential credential;
    private final ProviderCredentials store;
    private final String baseUrl;

    /**
     * @param providerBaseUrl the provider's configured endpoint, used when the credential names none
     */
    public ByokAdapter(ProviderCredential credential, ProviderCredentials store, String providerBaseUrl, Transport transport) {
        super(transport);
        this.credential = credential;
        this.store = store;
        this.baseUrl = credential.baseUrl() != null ? credential.baseUrl() : providerBaseUrl;
    }

    public String credentialId() {
        return credential.id();
    }

    @Override
    public boolean speaksResponses() {
        return credential.provider() == ProviderId.OPENAI;
    }

    @Override
    protected String openKey() {
        byte[] opened = store.open(credential);
        String secret = new String(opened, StandardCharsets.US_ASCII);
        Arrays.fill(opened, (byte) 0);
        return secret;
    }

    @Override
    protected String cannotOpen(RuntimeException e) {
        LOG.warn("BYOK credential {} cannot be opened on this replica: {}", credential.id(), e.getMessage());
        return "The BYOK credential " + credential.id()
                + " cannot be opened on this Zumik replica (it was sealed under another master key; every replica "
                + "needs the same ZUMIK_MASTER_KEY). The request was not sent.";
    }

    @Override
    protected ProviderAdapter around(String secret) {
        ProviderId p = credential.provider();
        return switch (p) {
            case OPENAI, XAI, FIREWORKS_AI -> new OpenAiCompatibleAdapter(OpenAiFlavor.direct(p, baseUrl, secret), transport);
            case ANTHROPIC -> new AnthropicAdapter(baseUrl, secret, transport);
            case GEMINI -> new GeminiAdapter(baseUrl, secret, transport);
            case OPENROUTER -> throw new IllegalStateException("OpenRouter is never a BYOK provider");
        };
    }

    @Override
    public String toString() {
        return "ByokAdapter[" + credential.id() + "]";
    }
}
