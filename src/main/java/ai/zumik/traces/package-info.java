/**
 * Metadata-only traces (digest §4.9): the {@link ai.zumik.traces.TraceEnvelope} that {@code zumik
 * proxy} writes and that diagnostics and replay runs read, inline or from stored usage
 * ({@link ai.zumik.traces.TrafficSource}). A trace never carries prompt text.
 */
package ai.zumik.traces;
