package ai.zumik.inference;

import ai.zumik.json.TopLevel;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The canonical embeddings request; {@code body} is passed to OpenAI-compatible upstreams as sent.
 *
 * @param inputs one entry per input: a string, or token ids rendered as their JSON text
 * @param base64 {@code encoding_format: "base64"}
 * @param dimensions requested output dimensions, or null
 * @param raw the client's bytes, with where {@code model} stands in them, when {@code body} is their
 *     parse; else null (as {@link ChatRequest#raw})
 */
public record EmbeddingRequest(ObjectNode body, String model, List<String> inputs, boolean base64, Integer dimensions,
                               TopLevel raw) {
    /** The member of a client's embeddings body Zumik sets: the attempt's model. */
    public static final String[] SET_BY_ZUMIK = {"model"};
}
