package ai.zumik.credentials;

import ai.zumik.provider.ProviderId;

/**
 * One stored BYOK credential: what may be shown (id, provider, name, base URL, version,
 * fingerprint, dates) and its sealed material, which never leaves this package's callers in clear
 * and is left out of {@link #toString()}.
 *
 * @param baseUrl the customer's OpenAI-compatible endpoint, or null for the provider's own
 * @param version 1 at creation, +1 on every rotation
 */
public record ProviderCredential(String id, String projectId, ProviderId provider, String name, String baseUrl,
                                 long version, String fingerprint, long createdAtMs, Long rotatedAtMs,
                                 String wrappedDataKey, String sealedSecret) {
    @Override
    public String toString() {
        return "ProviderCredential[" + id + ", " + provider + ", v" + version + ", " + fingerprint + "]";
    }
}
