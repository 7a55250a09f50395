package ai.zumik.broker;

import ai.zumik.provider.ProviderAdapter;
import ai.zumik.provider.ProviderId;
import ai.zumik.provider.Transport;

/**
 * What the planner needs to route on a project's own provider credentials (BYOK); the
 * {@code credentials} package implements it. Both methods answer from memory and never block.
 */
public interface ByokRoutes {
    /** No BYOK anywhere: every BYOK candidate is unavailable and no project has defaults. */
    ByokRoutes NONE = new ByokRoutes() {
        @Override
        public ProviderAdapter adapter(String projectId, String credentialId, ProviderId provider, Transport transport) {
            return null;
        }

        @Override
        public String defaultCredential(String projectId, ProviderId provider) {
            return null;
        }
    };

    /**
     * An adapter that calls {@code provider} with the project's credential {@code credentialId}, or
     * null when the project has no such credential for that provider (deleted, another project's,
     * another provider's, or BYOK is disabled).
     */
    ProviderAdapter adapter(String projectId, String credentialId, ProviderId provider, Transport transport);

    /** The credential the project's execution policy runs {@code provider}'s concrete models on, or null. */
    String defaultCredential(String projectId, ProviderId provider);
}
