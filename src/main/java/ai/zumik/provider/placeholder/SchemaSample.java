package ai.zumik.provider.placeholder;

import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The smallest deterministic value that satisfies a JSON Schema's common keywords. */
final class SchemaSample {
    private SchemaSample() {}

    static JsonNode minimal(JsonNode schema) {
        return sample(schema, 0);
    }

    private static JsonNode sample(JsonNode s, int depth) {
        if (s == null || !s.isObject() || depth > 16) return Json.NODES.nullNode();
        if (s.has("const")) return s.get("const");
        if (s.has("enum") && s.get("enum").isArray() && !s.get("enum").isEmpty()) return s.get("enum").get(0);
        for (String k : new String[] {"anyOf", "oneOf", "allOf"}) {
            JsonNode alts = s.get(k);
            if (alts != null && alts.isArray() && !alts.isEmpty()) return sample(alts.get(0), depth + 1);
        }
        JsonNode typeNode = s.get("type");
        String type = typeNode == null ? (s.has("properties") ? "object" : "string")
                : typeNode.isArray() ? typeNode.get(0).asText() : typeNode.asText();
        return switch (type) {
            case "object" -> {
                ObjectNode o = Json.object();
                JsonNode props = s.get("properties");
                JsonNode required = s.get("required");
                if (props != null && required != null && required.isArray()) {
                    for (JsonNode r : required) o.set(r.asText(), sample(props.get(r.asText()), depth + 1));
                }
                yield o;
            }
            case "array" -> {
                ArrayNode a = Json.array();
                int min = s.path("minItems").asInt(0);
                for (int i = 0; i < min; i++) a.add(sample(s.get("items"), depth + 1));
                yield a;
            }
            case "integer", "number" -> Json.NODES.numberNode(Math.max(0, s.path("minimum").asLong(0)));
            case "boolean" -> Json.NODES.booleanNode(false);
            case "null" -> Json.NODES.nullNode();
            default -> Json.NODES.textNode("placeholder".repeat(Math.max(1, (s.path("minLength").asInt(0) + 10) / 11)));
        };
    }
}
