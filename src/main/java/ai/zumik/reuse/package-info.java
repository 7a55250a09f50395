/**
 * Reuse you can believe (SPEC §8, digest §7): how much of each prompt could have come from a cache
 * (opportunity: eligible and candidate tokens, inferred from per-project HMAC-SHA256 fingerprints of
 * the prompt's blocks), and how much did (capture: only the provider's own cache counter).
 *
 * <p>{@link ai.zumik.reuse.FingerprintKeys} holds each project's sealed, rotatable key;
 * {@link ai.zumik.reuse.PromptPrefix} fingerprints a prompt at its block boundaries;
 * {@link ai.zumik.reuse.PrefixWindow} remembers recently sent prefixes;
 * {@link ai.zumik.reuse.ReuseLedger} settles each response's {@link ai.zumik.reuse.ReuseAccount},
 * which the usage event stores.
 */
package ai.zumik.reuse;
