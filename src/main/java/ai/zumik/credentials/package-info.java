/**
 * BYOK: a project's own provider credentials. {@link ai.zumik.credentials.ProviderCredentials}
 * stores them envelope-encrypted ({@link ai.zumik.credentials.Envelope}: a random data key per
 * credential seals the secret; a key derived from {@code ZUMIK_MASTER_KEY} wraps the data key) and
 * keeps the sealed rows in memory so the route planner finds them without I/O;
 * {@link ai.zumik.credentials.ExecutionPolicies} holds each project's {@code byok_defaults};
 * {@link ai.zumik.credentials.ByokAdapter} (a {@link ai.zumik.credentials.SealedKeyAdapter}) opens a secret only when one upstream call is built and
 * keeps it no longer than that call; {@link ai.zumik.http.UpstreamUrls} refuses customer
 * base URLs that would reach Zumik's own network (SSRF); {@link ai.zumik.credentials.MasterKeyRewrap}
 * moves every sealed secret to a new master key in one transaction. A secret is never logged,
 * returned or put into an error: only its fingerprint ({@code zfp_…}) is ever shown.
 */
package ai.zumik.credentials;
