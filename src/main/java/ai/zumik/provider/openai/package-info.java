/**
 * The OpenAI-compatible wire family (OpenAI, xAI, Fireworks, OpenRouter, Bifrost, BYOC): one
 * adapter parameterised by {@link ai.zumik.provider.openai.OpenAiFlavor} (base URL, auth, quirks),
 * OpenAI's usage fields and error envelope in {@link ai.zumik.provider.openai.OpenAiWire}.
 */
package ai.zumik.provider.openai;
