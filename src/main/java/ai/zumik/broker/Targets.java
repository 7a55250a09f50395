package ai.zumik.broker;

import ai.zumik.catalog.ModelRef;
import ai.zumik.config.ZumikConfig;
import ai.zumik.provider.ProviderAdapter;
import ai.zumik.provider.ProviderId;
import ai.zumik.provider.Transport;
import ai.zumik.provider.gemini.GeminiAdapter;
import ai.zumik.provider.openai.OpenAiCompatibleAdapter;
import ai.zumik.provider.openai.OpenAiFlavor;
import ai.zumik.provider.placeholder.PlaceholderAdapter;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which adapter can reach a provider on the managed profile, built once per event loop around that
 * loop's {@link Transport}. With {@code BIFROST_BASE_URL} every managed request goes to the gateway
 * as {@code provider/model}; otherwise each configured provider has its direct adapter; a provider
 * with neither has no live path, and only then does a request get placeholder output.
 */
public final class Targets {
    private final ProviderAdapter bifrost;
    private final Map<ProviderId, ProviderAdapter> direct = new EnumMap<>(ProviderId.class);
    private final Transport transport;

    public Targets(ZumikConfig config, Transport transport) {
        this.transport = transport;
        this.bifrost = config.bifrostBaseUrl() == null ? null
                : new OpenAiCompatibleAdapter(OpenAiFlavor.bifrost(config.bifrostBaseUrl()), transport);
        for (ProviderId p : ProviderId.values()) {
            var s = config.provider(p);
            if (!s.configured() || p == ProviderId.OPENROUTER) continue;
            switch (p) {
                case OPENAI, XAI, FIREWORKS_AI ->
                        direct.put(p, new OpenAiCompatibleAdapter(OpenAiFlavor.direct(p, s.baseUrl(), s.apiKey()), transport));
                case GEMINI -> direct.put(p, new GeminiAdapter(s.baseUrl(), s.apiKey(), transport));
                default -> { } // Native Anthropic and Gemini adapters are not in this build yet.
            }
        }
    }

    /** The managed-profile target for {@code ref}; empty when the provider is configured but unreachable. */
    public Optional<Target> managed(ModelRef ref, boolean providerConfigured) {
        if (bifrost != null) {
            return Optional.of(new Target(ref, ref.provider().bifrostName() + "/" + ref.model(), bifrost,
                    ExecutionMode.LIVE, ExecutionProfile.MANAGED_PROVIDER));
        }
        ProviderAdapter adapter = direct.get(ref.provider());
        if (adapter != null) {
            return Optional.of(new Target(ref, ref.model(), adapter, ExecutionMode.LIVE, ExecutionProfile.MANAGED_PROVIDER));
        }
        if (providerConfigured) return Optional.empty();
        return Optional.of(new Target(ref, ref.model(),
                new PlaceholderAdapter(transport.vertx(), ref.provider().wireId() + "/" + ref.model()),
                ExecutionMode.PLACEHOLDER, ExecutionProfile.MANAGED_PROVIDER));
    }
}
