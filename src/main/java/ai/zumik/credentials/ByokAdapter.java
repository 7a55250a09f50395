package ai.zumik.credentials;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.UpstreamFailure;
import ai.zumik.inference.Usage;
import ai.zumik.provider.ChatCall;
import ai.zumik.provider.EmbeddingCall;
import ai.zumik.provider.ProviderAdapter;
import ai.zumik.provider.ProviderId;
import ai.zumik.provider.ResponsesCall;
import ai.zumik.provider.Transport;
import ai.zumik.provider.UpstreamCall;
import ai.zumik.provider.anthropic.AnthropicAdapter;
import ai.zumik.provider.gemini.GeminiAdapter;
import ai.zumik.provider.openai.OpenAiCompatibleAdapter;
import ai.zumik.provider.openai.OpenAiFlavor;
import ai.zumik.secrets.Sealer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
public final class ByokAdapter implements ProviderAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ByokAdapter.class);

    private final ProviderCredential credential;
    private final ProviderCredentials store;
    private final String baseUrl;
    private final Transport transport;

    /**
     * @param providerBaseUrl the provider's configured endpoint, used when the credential names none
     */
    public ByokAdapter(ProviderCredential credential, ProviderCredentials store, String providerBaseUrl, Transport transport) {
        this.credential = credential;
        this.store = store;
        this.baseUrl = credential.baseUrl() != null ? credential.baseUrl() : providerBaseUrl;
        this.transport = transport;
    }

    public String credentialId() {
        return credential.id();
    }

    @Override
    public UpstreamCall chat(ChatCall call, Consumer<StreamEvent> events) {
        return withSecret(events, (adapter, scrubbed) -> adapter.chat(call, scrubbed));
    }

    @Override
    public UpstreamCall embeddings(EmbeddingCall call, Consumer<StreamEvent> events) {
        return withSecret(events, (adapter, scrubbed) -> adapter.embeddings(call, scrubbed));
    }

    @Override
    public UpstreamCall responses(ResponsesCall call, Consumer<StreamEvent> events) {
        return withSecret(events, (adapter, scrubbed) -> adapter.responses(call, scrubbed));
    }

    @Override
    public boolean speaksResponses() {
        return credential.provider() == ProviderId.OPENAI;
    }

    private interface Dispatch {
        UpstreamCall run(ProviderAdapter adapter, Consumer<StreamEvent> events);
    }

    private UpstreamCall withSecret(Consumer<StreamEvent> events, Dispatch dispatch) {
        byte[] opened;
        try {
            opened = store.open(credential);
        } catch (Sealer.OpenFailed | IllegalStateException e) {
            LOG.warn("BYOK credential {} cannot be opened on this replica: {}", credential.id(), e.getMessage());
            return failLater(events, UpstreamFailure.of(FailureClass.INTERNAL, "The BYOK credential " + credential.id()
                    + " cannot be opened on this Zumik replica (it was sealed under another master key; every replica "
                    + "needs the same ZUMIK_MASTER_KEY). The request was not sent."));
        }
        String secret = new String(opened, StandardCharsets.US_ASCII);
        Arrays.fill(opened, (byte) 0);
        ProviderAdapter adapter = adapter(secret);
        Pattern exact = Pattern.compile(Pattern.quote(secret), Pattern.CASE_INSENSITIVE);
        return dispatch.run(adapter, e -> events.accept(scrub(e, exact)));
    }

    private ProviderAdapter adapter(String secret) {
        ProviderId p = credential.provider();
        return switch (p) {
            case OPENAI, XAI, FIREWORKS_AI -> new OpenAiCompatibleAdapter(OpenAiFlavor.direct(p, baseUrl, secret), transport);
            case ANTHROPIC -> new AnthropicAdapter(baseUrl, secret, transport);
            case GEMINI -> new GeminiAdapter(baseUrl, secret, transport);
            case OPENROUTER -> throw new IllegalStateException("OpenRouter is never a BYOK provider");
        };
    }

    /** A failure with the secret cut out of every text the provider sent back. */
    private static StreamEvent scrub(StreamEvent e, Pattern secret) {
        if (!(e instanceof StreamEvent.Failed f)) return e;
        UpstreamFailure u = f.failure();
        Function<String, String> cut = s -> s == null ? null : secret.matcher(s).replaceAll(Matcher.quoteReplacement("[redacted]"));
        return new StreamEvent.Failed(new UpstreamFailure(u.failureClass(), u.upstreamStatus(), cut.apply(u.message()),
                cut.apply(u.param()), cut.apply(u.providerCode()), u.retryAfterSeconds()), f.usage());
    }

    /** The failure, delivered after the dispatcher has its call handle (as an upstream failure would be). */
    private UpstreamCall failLater(Consumer<StreamEvent> events, UpstreamFailure f) {
        boolean[] cancelled = {false};
        transport.vertx().runOnContext(v -> {
            if (!cancelled[0]) events.accept(new StreamEvent.Failed(f, Usage.UNREPORTED));
        });
        return new UpstreamCall() {
            @Override
            public void cancel() {
                cancelled[0] = true;
            }

            @Override
            public void pause() {}

            @Override
            public void resume() {}
        };
    }

    @Override
    public String toString() {
        return "ByokAdapter[" + credential.id() + "]";
    }
}
