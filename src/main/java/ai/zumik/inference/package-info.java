/**
 * The one internal language: {@link ai.zumik.inference.ChatRequest} (validated typed view plus the
 * client's own JSON), {@link ai.zumik.inference.StreamEvent} (OpenAI-shaped chunks, end, failure),
 * {@link ai.zumik.inference.Usage} (OpenAI's token terms with "not reported" kept distinct from
 * zero) and {@link ai.zumik.inference.FailureClass} (every upstream failure, classified once).
 * Surfaces parse into it, providers translate from and back into it.
 */
package ai.zumik.inference;
