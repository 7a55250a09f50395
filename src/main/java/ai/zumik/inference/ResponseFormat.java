package ai.zumik.inference;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** OpenAI's {@code response_format}. */
public sealed interface ResponseFormat {
    record Text() implements ResponseFormat {}

    record JsonObject() implements ResponseFormat {}

    record JsonSchema(String name, ObjectNode schema, boolean strict) implements ResponseFormat {}
}
