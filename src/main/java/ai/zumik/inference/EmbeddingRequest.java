package ai.zumik.inference;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The canonical embeddings request; {@code body} is passed to OpenAI-compatible upstreams as sent.
 *
 * @param inputs one entry per input: a string, or token ids rendered as their JSON text
 * @param base64 {@code encoding_format: "base64"}
 * @param dimensions requested output dimensions, or null
 * @param raw the client's bytes exactly as received when {@code body} is their parse, else null (as
 *     {@link ChatRequest#raw})
 */
public record EmbeddingRequest(ObjectNode body, String model, List<String> inputs, boolean base64, Integer dimensions,
                               byte[] raw) {}
