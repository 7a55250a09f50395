package ai.zumik.provider;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.UpstreamFailure;
import ai.zumik.inference.Usage;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A provider reached with a key that stays sealed (a BYOK credential, a BYOC cluster's API key).
 * Each call opens the key, builds the provider's ordinary adapter around it for this one call, and
 * lets both go; no long-lived object holds the key opened. Any text the provider sends back on a
 * failure has the key removed. When the key cannot be opened the request is not sent, and the
 * failure reaches the listener after the dispatcher has its call handle, as an upstream one would.
 */
public abstract class SealedKeyAdapter implements ProviderAdapter {
    protected final Transport transport;

    protected SealedKeyAdapter(Transport transport) {
        this.transport = transport;
    }

    /**
     * The key in the clear, for this one call.
     *
     * @throws RuntimeException when it cannot be opened on this replica
     */
    protected abstract String openKey();

    /** The provider's ordinary adapter, holding the opened key. */
    protected abstract ProviderAdapter around(String key);

    /** What the client is told when the key cannot be opened (the request was not sent). */
    protected abstract String cannotOpen(RuntimeException why);

    @Override
    public final UpstreamCall chat(ChatCall call, Consumer<StreamEvent> events) {
        return withKey(events, (adapter, scrubbed) -> adapter.chat(call, scrubbed));
    }

    @Override
    public final UpstreamCall embeddings(EmbeddingCall call, Consumer<StreamEvent> events) {
        return withKey(events, (adapter, scrubbed) -> adapter.embeddings(call, scrubbed));
    }

    @Override
    public final UpstreamCall responses(ResponsesCall call, Consumer<StreamEvent> events) {
        return withKey(events, (adapter, scrubbed) -> adapter.responses(call, scrubbed));
    }

    private interface Dispatch {
        UpstreamCall run(ProviderAdapter adapter, Consumer<StreamEvent> events);
    }

    private UpstreamCall withKey(Consumer<StreamEvent> events, Dispatch dispatch) {
        String key;
        try {
            key = openKey();
        } catch (RuntimeException e) {
            return failLater(events, UpstreamFailure.of(FailureClass.INTERNAL, cannotOpen(e)));
        }
        Pattern exact = Pattern.compile(Pattern.quote(key), Pattern.CASE_INSENSITIVE);
        return dispatch.run(around(key), e -> events.accept(scrub(e, exact)));
    }

    /** A failure with the key cut out of every text the provider sent back. */
    static StreamEvent scrub(StreamEvent e, Pattern key) {
        if (!(e instanceof StreamEvent.Failed f)) return e;
        UpstreamFailure u = f.failure();
        Function<String, String> cut = s -> s == null ? null : key.matcher(s).replaceAll(Matcher.quoteReplacement("[redacted]"));
        return new StreamEvent.Failed(new UpstreamFailure(u.failureClass(), u.upstreamStatus(), cut.apply(u.message()),
                cut.apply(u.param()), cut.apply(u.providerCode()), u.retryAfterSeconds()), f.usage());
    }

    /** The failure, delivered after the dispatcher has its call handle; a cancel before then drops it. */
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
}
