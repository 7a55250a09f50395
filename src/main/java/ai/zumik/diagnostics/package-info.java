/**
 * Diagnostics (digest §4.10, §5.10, §7): the Workload Reuse Score of a workload from its
 * metadata-only traces ({@link ai.zumik.diagnostics.WorkloadScorer}, fed by
 * {@link ai.zumik.diagnostics.TraceLines} for JSONL files and by {@code POST /v2/diagnostics}), the
 * stored and signed diagnostic runs ({@link ai.zumik.diagnostics.Diagnostics}) and the prompt-layout
 * linter ({@link ai.zumik.diagnostics.PromptLint}). One scoring code for the endpoint and the CLI, so
 * their reports agree.
 */
package ai.zumik.diagnostics;
