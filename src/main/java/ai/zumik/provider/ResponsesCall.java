package ai.zumik.provider;

import ai.zumik.config.ZumikConfig.Timeouts;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One attempt of an OpenAI Responses API request sent natively: the body to send (the client's,
 * with its conversation already expanded and {@code model} to be rewritten), whether it streams,
 * the model the upstream is sent, and the timeouts.
 */
public record ResponsesCall(ObjectNode body, boolean stream, String upstreamModel, Timeouts timeouts) {}
