package ai.zumik.inference;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A function the model may call; {@code parameters} is its JSON Schema (null when omitted). */
public record ToolSpec(String name, String description, ObjectNode parameters, Boolean strict) {}
