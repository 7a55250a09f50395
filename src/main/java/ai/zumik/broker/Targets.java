package ai.zumik.broker;

import ai.zumik.inference.ExecutionProfile;
import ai.zumik.inference.ExecutionMode;
import ai.zumik.catalog.ModelRef;
import ai.zumik.config.ZumikConfig;
import ai.zumik.provider.ProviderAdapter;
import ai.zumik.provider.ProviderId;
import ai.zumik.provider.Transport;
import ai.zumik.provider.anthropic.AnthropicAdapter;
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
 * with neither has no live path, and only then does a request get placeholder output. The
 * OpenRouter bridge exists only when {@code OPENROUTER_FALLBACK_ENABLED=true} and it is configured.
 */
public final class Targets {
    private final ProviderAdapter bifrost;
    private final ProviderAdapter openRouter;
    private final Map<ProviderId, ProviderAdapter> direct = new EnumMap<>(ProviderId.class);
    private final java.util.Set<ProviderId> configured = java.util.EnumSet.noneOf(ProviderId.class);
    private final Transport transport;
    private final Map<ProviderId, String> zones = new EnumMap<>(ProviderId.class);

    public Targets(ZumikConfig config, Transport transport) {
        this.transport = transport;
        this.bifrost = config.bifrostBaseUrl() == null ? null
                : new OpenAiCompatibleAdapter(OpenAiFlavor.bifrost(config.bifrostBaseUrl()), transport);
        var or = config.provider(ProviderId.OPENROUTER);
        this.openRouter = config.openRouterFallbackEnabled() && or.configured()
                ? new OpenAiCompatibleAdapter(OpenAiFlavor.direct(ProviderId.OPENROUTER, or.baseUrl(), or.apiKey()), transport)
                : null;
        for (ProviderId p : ProviderId.values()) {
            var s = config.provider(p);
            zones.put(p, s.zone());
            if (!s.configured() || p == ProviderId.OPENROUTER) continue;
            configured.add(p);
            switch (p) {
                case OPENAI, XAI, FIREWORKS_AI ->
                        direct.put(p, new OpenAiCompatibleAdapter(OpenAiFlavor.direct(p, s.baseUrl(), s.apiKey()), transport));
                case ANTHROPIC -> direct.put(p, new AnthropicAdapter(s.baseUrl(), s.apiKey(), transport));
                case GEMINI -> direct.put(p, new GeminiAdapter(s.baseUrl(), s.apiKey(), transport));
                case OPENROUTER -> { } // the emergency bridge is built above, never a direct target
            }
        }
    }

    /** Whether a provider can be reached on the managed profile. */
    public sealed interface Path {
        record Live(Target target) implements Path {}

        /** Neither a key, a base URL nor a gateway: nothing to call, placeholder territory. */
        record Unconfigured() implements Path {}

        /** Configured, but this build has no adapter for its protocol. */
        record NoAdapter() implements Path {}
    }

    /** The managed-profile path to {@code ref}. */
    public Path managed(ModelRef ref, String revision, boolean compatibleFallback) {
        if (bifrost != null) {
            return new Path.Live(new Target(ref, ref.provider().bifrostName() + "/" + ref.model(), bifrost,
                    ExecutionMode.LIVE, ExecutionProfile.MANAGED_PROVIDER, "bifrost", revision, compatibleFallback,
                    zones.get(ref.provider()), null));
        }
        ProviderAdapter adapter = direct.get(ref.provider());
        if (adapter != null) {
            return new Path.Live(new Target(ref, ref.model(), adapter, ExecutionMode.LIVE,
                    ExecutionProfile.MANAGED_PROVIDER, "direct:" + ref.provider().wireId(), revision, compatibleFallback,
                    zones.get(ref.provider()), null));
        }
        return configured.contains(ref.provider()) ? new Path.NoAdapter() : new Path.Unconfigured();
    }

    /**
     * A target running on a project's own credential through {@code adapter} (a BYOK adapter): its
     * path is {@code byok:<credential id>}, so circuits and cool-downs are kept per credential.
     */
    public Target byok(ModelRef ref, String revision, boolean compatibleFallback, String credentialId, ProviderAdapter adapter) {
        return new Target(ref, ref.model(), adapter, ExecutionMode.LIVE, ExecutionProfile.BYOK, Target.BYOK_PATH + credentialId,
                revision, compatibleFallback, zones.get(ref.provider()), null);
    }

    /**
     * A model path on one of the project's BYOC clusters: the cluster's flavour is the profile, its
     * id the path (so circuits and cool-downs are the cluster's own), its region the zone.
     */
    public Target byoc(ModelRef ref, String revision, ai.zumik.byoc.LiveCluster cluster) {
        return new Target(ref, ref.model(), new ai.zumik.byoc.ClusterAdapter(cluster, transport), ExecutionMode.LIVE,
                cluster.flavour(), "byoc:" + cluster.id(), revision, false, cluster.region(), null);
    }

    /** This event loop's upstream connections. */
    public Transport transport() {
        return transport;
    }

    /** Whether requests to {@code ref}'s provider go out natively as OpenAI Responses API calls. */
    public boolean speaksResponses(ModelRef ref) {
        ProviderAdapter adapter = direct.get(ref.provider());
        return bifrost == null && adapter != null && adapter.speaksResponses();
    }

    /** Deterministic output for a target nobody configured. */
    public Target placeholder(ModelRef ref, String revision) {
        return new Target(ref, ref.model(), new PlaceholderAdapter(transport.vertx(), ref.provider().wireId() + "/" + ref.model()),
                ExecutionMode.PLACEHOLDER, ExecutionProfile.MANAGED_PROVIDER, "placeholder", revision, false,
                "local", null);
    }

    /** The OpenRouter emergency bridge for {@code ref}, when configured and the model has an OpenRouter id. */
    public Optional<Target> openRouter(ModelRef ref) {
        if (openRouter == null || ref.entry() == null || ref.entry().openRouterId() == null) return Optional.empty();
        return Optional.of(new Target(ref, ref.entry().openRouterId(), openRouter, ExecutionMode.OPENROUTER_FALLBACK,
                ExecutionProfile.MANAGED_PROVIDER, "openrouter", "latest", false,
                zones.get(ProviderId.OPENROUTER), null));
    }
}
