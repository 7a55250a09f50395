package ai.zumik.provider.gemini;

import ai.zumik.inference.RequestRejected;
import ai.zumik.json.Json;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Converts a client's JSON Schema into Gemini's {@code Schema}, the OpenAPI 3.0 subset Gemini
 * enforces for function parameters and {@code responseSchema}. The rule is that the converted
 * schema accepts exactly the values the original accepts:
 *
 * <ul>
 *   <li>kept as is: {@code type} (upper-cased), {@code format}, {@code description}, {@code enum}
 *       (strings), {@code items}, {@code properties}, {@code required}, {@code nullable},
 *       {@code minItems}, {@code maxItems}, {@code minimum}, {@code maximum}, {@code anyOf},
 *       {@code propertyOrdering};
 *   <li>rewritten where the meaning is identical: a {@code type} array with {@code "null"} →
 *       {@code nullable}, a {@code {"type":"null"}} branch of {@code anyOf} → {@code nullable} on
 *       the other branches, {@code const} → a one-value {@code enum}, local non-recursive
 *       {@code $ref} (and a one-element {@code allOf}) → the target inlined;
 *   <li>dropped because they never constrain: {@code title}, {@code $schema}, {@code examples},
 *       {@code default}, {@code $comment}, {@code deprecated}, {@code readOnly},
 *       {@code writeOnly}, {@code $defs}/{@code definitions} (reachable only through
 *       {@code $ref}), {@code uniqueItems: false}, and {@code additionalProperties: false};
 *   <li>everything else constrains values in a way Gemini would not enforce, so the request is
 *       rejected naming the keyword's path in the client's document.
 * </ul>
 */
final class GeminiSchema {
    /** Inlining a definition used from many places can multiply a schema; past this it is refused. */
    private static final int MAX_NODES = 5_000;
    private static final Set<String> ANNOTATIONS = Set.of("title", "$schema", "examples", "default", "$comment",
            "deprecated", "readOnly", "writeOnly", "$defs", "definitions");
    private static final Map<String, String> TYPES = Map.of("string", "STRING", "number", "NUMBER",
            "integer", "INTEGER", "boolean", "BOOLEAN", "array", "ARRAY", "object", "OBJECT");

    private final JsonNode root;
    private final String rootPath;
    private final boolean ordering;
    private final Deque<String> expanding = new ArrayDeque<>();
    private int nodes;

    private GeminiSchema(JsonNode root, String rootPath, boolean ordering) {
        this.root = root;
        this.rootPath = rootPath;
        this.ordering = ordering;
    }

    /**
     * @param path the schema's parameter path, e.g. {@code tools[0].function.parameters}
     * @param ordering add {@code propertyOrdering} in the client's declaration order (Gemini
     *     otherwise orders generated keys alphabetically; only meaningful for responseSchema)
     * @throws RequestRejected naming the first keyword Gemini cannot enforce
     */
    static ObjectNode convert(JsonNode schema, String path, boolean ordering) {
        return new GeminiSchema(schema, path, ordering).schema(schema, path);
    }

    private ObjectNode schema(JsonNode node, String path) {
        if (!(node instanceof ObjectNode s)) {
            throw reject(path, "a schema must be a JSON object here (boolean schemas cannot be expressed)");
        }
        if (++nodes > MAX_NODES) {
            throw reject(rootPath, "the schema exceeds " + MAX_NODES + " subschemas once its $refs are inlined");
        }
        if (s.has("$ref")) return wrapped(s, path, "$ref", resolve(s.get("$ref"), path + ".$ref"));
        if (s.has("allOf")) return wrapped(s, path, "allOf", singleAllOf(s.get("allOf"), path + ".allOf"));
        ObjectNode out = Json.object();
        boolean nullable = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            String p = path + "." + name;
            switch (name) {
                case "type" -> nullable |= type(v, p, out);
                case "format", "description" -> out.put(name, string(v, p));
                case "enum" -> nullable |= enumeration(v, p, out);
                case "const" -> {
                    if (!v.isTextual()) throw reject(p, "Gemini enumerations hold strings only");
                    if (s.has("enum")) throw reject(p, "'const' together with 'enum'");
                    out.putArray("enum").add(v.textValue());
                }
                case "items" -> {
                    if (v.isArray()) throw reject(p, "tuple 'items' arrays");
                    out.set("items", schema(v, p));
                }
                case "properties" -> out.set("properties", properties(v, p));
                case "required", "propertyOrdering" -> out.set(name, strings(v, p));
                case "nullable" -> {
                    if (!v.isBoolean()) throw reject(p, "'nullable' must be a boolean");
                    nullable |= v.booleanValue();
                }
                case "minItems", "maxItems" -> {
                    if (!v.isIntegralNumber() || v.asLong() < 0) throw reject(p, "must be a non-negative integer");
                    out.set(name, v);
                }
                case "minimum", "maximum" -> {
                    if (!v.isNumber()) throw reject(p, "must be a number");
                    out.set(name, v);
                }
                case "anyOf" -> nullable |= anyOf(v, p, out);
                // Gemini generates only the properties a schema declares, so forbidding others
                // is what it does anyway; any other value would allow keys it never produces.
                case "additionalProperties" -> {
                    if (!v.isBoolean() || v.booleanValue()) throw reject(p, "only 'additionalProperties: false' can be enforced");
                }
                case "uniqueItems" -> {
                    if (!v.isBoolean() || v.booleanValue()) throw reject(p, "unique array items are not enforced");
                }
                default -> {
                    if (!ANNOTATIONS.contains(name)) throw reject(p, "the keyword '" + name + "' is not enforced");
                }
            }
        }
        if (out.has("enum")) {
            JsonNode t = out.get("type");
            if (t == null) out.put("type", "STRING");
            else if (!"STRING".equals(t.textValue())) throw reject(path + ".enum", "Gemini enumerations hold strings only");
        }
        if (nullable) out.put("nullable", true);
        if (ordering && out.get("properties") instanceof ObjectNode props && !props.isEmpty() && !out.has("propertyOrdering")) {
            ArrayNode order = out.putArray("propertyOrdering");
            props.fieldNames().forEachRemaining(order::add);
        }
        return collapse(out);
    }

    /** A {@code $ref} or one-element {@code allOf} with only annotations beside it: the target, re-described. */
    private ObjectNode wrapped(ObjectNode s, String path, String keyword, Target target) {
        String description = null;
        boolean nullable = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            String p = path + "." + name;
            if (name.equals(keyword)) continue;
            if (name.equals("description")) description = string(f.getValue(), p);
            else if (name.equals("nullable") && f.getValue().isBoolean()) nullable = f.getValue().booleanValue();
            else if (!ANNOTATIONS.contains(name)) throw reject(p, "keywords beside '" + keyword + "' cannot be merged");
        }
        if (target.refKey != null && expanding.contains(target.refKey)) {
            throw reject(path + ".$ref", "recursive schemas cannot be expressed");
        }
        if (target.refKey != null) expanding.push(target.refKey);
        ObjectNode out;
        try {
            out = schema(target.node, target.path);
        } finally {
            if (target.refKey != null) expanding.pop();
        }
        if (description != null) out.put("description", description);
        if (nullable) out.put("nullable", true);
        return out;
    }

    private record Target(JsonNode node, String path, String refKey) {}

    private Target resolve(JsonNode ref, String p) {
        if (!ref.isTextual() || !ref.textValue().startsWith("#")) {
            throw reject(p, "only local references ('#/...') can be inlined");
        }
        String pointer = ref.textValue().substring(1);
        JsonNode target;
        try {
            target = root.at(JsonPointer.compile(pointer));
        } catch (IllegalArgumentException bad) {
            throw reject(p, "not a JSON pointer: " + ref.textValue());
        }
        if (target.isMissingNode()) throw reject(p, "'" + ref.textValue() + "' does not resolve");
        StringBuilder path = new StringBuilder(rootPath);
        for (JsonPointer ptr = JsonPointer.compile(pointer); ptr.getMatchingProperty() != null; ptr = ptr.tail()) {
            path.append('.').append(ptr.getMatchingProperty());
        }
        return new Target(target, path.toString(), pointer);
    }

    private Target singleAllOf(JsonNode v, String p) {
        if (!(v instanceof ArrayNode a) || a.size() != 1) {
            throw reject(p, "'allOf' can only be expressed with exactly one subschema");
        }
        return new Target(a.get(0), p + "[0]", null);
    }

    /** Reads {@code type}; true when the type array also allowed null. */
    private static boolean type(JsonNode v, String p, ObjectNode out) {
        if (v.isTextual()) {
            out.put("type", geminiType(v.textValue(), p));
            return false;
        }
        if (!(v instanceof ArrayNode a)) throw reject(p, "'type' must be a string or an array of strings");
        boolean nullable = false;
        String only = null;
        for (int i = 0; i < a.size(); i++) {
            String t = a.get(i).isTextual() ? a.get(i).textValue() : null;
            if (t == null) throw reject(p + "[" + i + "]", "'type' entries must be strings");
            if (t.equals("null")) {
                nullable = true;
            } else if (only != null) {
                throw reject(p, "a value of several types cannot be expressed (use anyOf)");
            } else {
                only = t;
            }
        }
        if (only == null) throw reject(p, "a value that can only be null cannot be expressed");
        out.put("type", geminiType(only, p));
        return nullable;
    }

    private static String geminiType(String t, String p) {
        String g = TYPES.get(t);
        if (g == null) throw reject(p, t.equals("null") ? "a value that can only be null cannot be expressed" : "unknown type '" + t + "'");
        return g;
    }

    /** Copies string enum values; a null member makes the schema nullable. */
    private static boolean enumeration(JsonNode v, String p, ObjectNode out) {
        if (!(v instanceof ArrayNode a) || a.isEmpty()) throw reject(p, "'enum' must be a non-empty array");
        ArrayNode values = out.putArray("enum");
        boolean nullable = false;
        for (int i = 0; i < a.size(); i++) {
            JsonNode e = a.get(i);
            if (e.isNull()) nullable = true;
            else if (e.isTextual()) values.add(e.textValue());
            else throw reject(p + "[" + i + "]", "Gemini enumerations hold strings only");
        }
        if (values.isEmpty()) throw reject(p, "a value that can only be null cannot be expressed");
        return nullable;
    }

    /** Converts the branches; a {@code {"type":"null"}} branch makes every other branch nullable. */
    private boolean anyOf(JsonNode v, String p, ObjectNode out) {
        if (!(v instanceof ArrayNode a) || a.isEmpty()) throw reject(p, "'anyOf' must be a non-empty array");
        ArrayNode branches = out.putArray("anyOf");
        boolean nullBranch = false;
        for (int i = 0; i < a.size(); i++) {
            if (isNullSchema(a.get(i))) nullBranch = true;
            else branches.add(schema(a.get(i), p + "[" + i + "]"));
        }
        if (branches.isEmpty()) throw reject(p, "a value that can only be null cannot be expressed");
        if (nullBranch) for (JsonNode b : branches) ((ObjectNode) b).put("nullable", true);
        return false;
    }

    private static boolean isNullSchema(JsonNode n) {
        if (!(n instanceof ObjectNode o) || !"null".equals(Json.string(o, "type"))) return false;
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals("type") && !k.equals("description") && !ANNOTATIONS.contains(k)) return false;
        }
        return true;
    }

    /** {@code {"anyOf":[X]}} with at most a description beside it is X itself. */
    private static ObjectNode collapse(ObjectNode out) {
        if (!(out.get("anyOf") instanceof ArrayNode a) || a.size() != 1) return out;
        for (Iterator<String> it = out.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals("anyOf") && !k.equals("description")) return out;
        }
        ObjectNode only = (ObjectNode) a.get(0);
        if (out.has("description")) only.set("description", out.get("description"));
        return only;
    }

    private ObjectNode properties(JsonNode v, String p) {
        if (!(v instanceof ObjectNode props)) throw reject(p, "'properties' must be an object");
        ObjectNode out = Json.object();
        props.fields().forEachRemaining(e -> out.set(e.getKey(), schema(e.getValue(), p + "." + e.getKey())));
        return out;
    }

    private static ArrayNode strings(JsonNode v, String p) {
        if (!(v instanceof ArrayNode a)) throw reject(p, "must be an array of strings");
        for (int i = 0; i < a.size(); i++) if (!a.get(i).isTextual()) throw reject(p + "[" + i + "]", "must be a string");
        return a.deepCopy();
    }

    private static String string(JsonNode v, String p) {
        if (!v.isTextual()) throw reject(p, "must be a string");
        return v.textValue();
    }

    private static RequestRejected reject(String param, String detail) {
        return RequestRejected.unsupported(param, "gemini", detail);
    }
}
