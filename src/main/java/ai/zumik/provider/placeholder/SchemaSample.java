package ai.zumik.provider.placeholder;

import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The smallest deterministic value that satisfies a JSON Schema's common keywords. The sample is
 * bounded ({@value #MAX_NODES} values, about {@value #MAX_CHARS} characters of string), so nested
 * {@code minItems} / {@code minLength} in a small request cannot make a huge answer; past the bound
 * the sample stops short of the schema's minimums.
 */
final class SchemaSample {
    static final int MAX_NODES = 10_000;
    static final int MAX_CHARS = 64 * 1024;
    private static final String WORD = "placeholder";

    private SchemaSample() {}

    static JsonNode minimal(JsonNode schema) {
        return sample(schema, 0, new int[] {MAX_NODES, MAX_CHARS});
    }

    /** {@code budget[0]}: values left to produce; {@code budget[1]}: string characters left. */
    private static JsonNode sample(JsonNode s, int depth, int[] budget) {
        if (s == null || !s.isObject() || depth > 16 || --budget[0] < 0) return Json.NODES.nullNode();
        if (s.has("const")) return s.get("const");
        if (s.has("enum") && s.get("enum").isArray() && !s.get("enum").isEmpty()) return s.get("enum").get(0);
        for (String k : new String[] {"anyOf", "oneOf", "allOf"}) {
            JsonNode alts = s.get(k);
            if (alts != null && alts.isArray() && !alts.isEmpty()) return sample(alts.get(0), depth + 1, budget);
        }
        JsonNode typeNode = s.get("type");
        if (typeNode != null && typeNode.isArray()) typeNode = typeNode.isEmpty() ? null : typeNode.get(0);
        String type = typeNode == null ? (s.has("properties") ? "object" : "string") : typeNode.asText();
        return switch (type) {
            case "object" -> {
                ObjectNode o = Json.object();
                JsonNode props = s.get("properties");
                JsonNode required = s.get("required");
                if (props != null && required != null && required.isArray()) {
                    for (JsonNode r : required) o.set(r.asText(), sample(props.get(r.asText()), depth + 1, budget));
                }
                yield o;
            }
            case "array" -> {
                ArrayNode a = Json.array();
                int min = s.path("minItems").asInt(0);
                for (int i = 0; i < min && budget[0] > 0; i++) a.add(sample(s.get("items"), depth + 1, budget));
                yield a;
            }
            case "integer", "number" -> Json.NODES.numberNode(Math.max(0, s.path("minimum").asLong(0)));
            case "boolean" -> Json.NODES.booleanNode(false);
            case "null" -> Json.NODES.nullNode();
            default -> {
                int words = Math.max(1, Math.min((s.path("minLength").asInt(0) + 10) / 11, budget[1] / WORD.length()));
                budget[1] -= words * WORD.length();
                yield Json.NODES.textNode(WORD.repeat(words));
            }
        };
    }
}
