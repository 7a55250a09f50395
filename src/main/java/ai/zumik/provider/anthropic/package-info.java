/**
 * The native Anthropic Messages wire protocol, both directions, stream and not.
 *
 * <p>Request ({@link ai.zumik.provider.anthropic.AnthropicRequest},
 * {@link ai.zumik.provider.anthropic.AnthropicMessages}): system and developer messages become
 * {@code system} blocks; tool results become {@code tool_result} blocks in a user turn; same-role
 * turns are merged; {@code max_tokens} is always sent (the manifest's default when the client gave
 * none); {@code response_format} is emulated with a forced tool whose input is returned as the
 * message content; {@code reasoning_effort} becomes a thinking budget. A parameter Anthropic
 * cannot honour, and any top-level field Zumik does not know, is a 400 naming it, because a native
 * translation would otherwise drop it silently.
 *
 * <p>Quirks worth knowing: Anthropic caches only at explicit breakpoints, so Zumik adds them on the
 * stable prefix ({@link ai.zumik.provider.anthropic.CacheBreakpoints}); with thinking on, a tool
 * turn can only be continued with its signed thinking blocks, which OpenAI clients cannot send
 * back, so Zumik remembers them for an hour in this process
 * ({@link ai.zumik.provider.anthropic.ThinkingMemory}); stream usage is split between
 * {@code message_start} and {@code message_delta} and merged
 * ({@link ai.zumik.provider.anthropic.AnthropicStream}); errors arrive as HTTP statuses or as
 * {@code error} events inside a 200 stream ({@link ai.zumik.provider.anthropic.AnthropicErrors}).
 */
package ai.zumik.provider.anthropic;
