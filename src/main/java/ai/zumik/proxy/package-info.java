/**
 * {@code zumik proxy}: {@link ai.zumik.proxy.TraceProxy}, an OpenAI-compatible pass-through that
 * writes metadata-only traces ({@link ai.zumik.traces.TraceEnvelope}, via
 * {@link ai.zumik.proxy.TraceWriter}) fingerprinted under a local key
 * ({@link ai.zumik.proxy.LocalFingerprintKey}); never prompt or completion text.
 */
package ai.zumik.proxy;
