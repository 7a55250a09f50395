package ai.zumik.credentials;

import ai.zumik.broker.ByokRoutes;
import ai.zumik.config.ZumikConfig;
import ai.zumik.provider.ProviderAdapter;
import ai.zumik.provider.ProviderId;
import ai.zumik.provider.Transport;
import java.util.EnumMap;
import java.util.Map;

/** The broker's view of BYOK: stored credentials and each project's defaults, from memory. */
public final class ByokRouting implements ByokRoutes {
    private final ProviderCredentials credentials;
    private final ExecutionPolicies policies;
    private final Map<ProviderId, String> providerBaseUrls = new EnumMap<>(ProviderId.class);

    public ByokRouting(ProviderCredentials credentials, ExecutionPolicies policies, ZumikConfig config) {
        this.credentials = credentials;
        this.policies = policies;
        for (ProviderId p : ProviderId.values()) providerBaseUrls.put(p, config.provider(p).baseUrl());
    }

    @Override
    public ProviderAdapter adapter(String projectId, String credentialId, ProviderId provider, Transport transport) {
        return credentials.live(projectId, credentialId)
                .filter(c -> c.provider() == provider)
                .map(c -> (ProviderAdapter) new ByokAdapter(c, credentials, providerBaseUrls.get(provider), transport))
                .orElse(null);
    }

    @Override
    public String defaultCredential(String projectId, ProviderId provider) {
        return credentials.enabled() ? policies.byokDefault(projectId, provider) : null;
    }
}
