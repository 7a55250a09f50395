/**
 * The OpenAI-compatible surface: request parsing into the canonical types (every 400 names its
 * parameter), and rendering of broker events back into OpenAI's exact JSON and SSE, with all
 * Zumik-specific information on {@code Agent-*} headers, never in the body.
 */
package ai.zumik.v1;
