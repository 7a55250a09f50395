/**
 * The native Gemini API ({@code generativelanguage.googleapis.com/v1beta}), translated from and
 * back into OpenAI's chat and embeddings shapes. {@link ai.zumik.provider.gemini.GeminiAdapter}
 * runs the HTTP calls on the shared {@link ai.zumik.provider.HttpAttempt}; the translation is in
 * small pure pieces: {@code GeminiRequest} (fields, tools, generationConfig) with
 * {@code GeminiContents} (messages → contents) and {@code GeminiSchema} (JSON Schema → Gemini's
 * OpenAPI subset, refusing what it cannot enforce), {@code GeminiResponse} and
 * {@code GeminiStream} (candidates → choices, chunk by chunk), {@code GeminiFinish},
 * {@code GeminiErrors} and {@code GeminiEmbeddings}.
 *
 * <p>Quirks that shape the design:
 * <ul>
 *   <li>Gemini's thought signatures must come back on the function call they arrived with, and
 *       OpenAI's format has no field for them: they ride inside the tool call id
 *       ({@code ToolCallIds}), which every client echoes.
 *   <li>The SSE stream has no terminator: it is complete when every candidate reported a
 *       {@code finishReason} and the connection then ended cleanly.
 *   <li>Gemini's JSON is protobuf's: a counter that is zero is omitted, so inside a reported
 *       {@code usageMetadata} an absent count means zero.
 *   <li>A bad API key is a 400 INVALID_ARGUMENT whose details say {@code API_KEY_INVALID}; it is
 *       classified as an auth failure, not the client's bad request.
 * </ul>
 */
package ai.zumik.provider.gemini;
