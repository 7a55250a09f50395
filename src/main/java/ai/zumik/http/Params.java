package ai.zumik.http;

import ai.zumik.json.Json;
import ai.zumik.json.TopLevel;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.util.Set;

/**
 * Request-body validation with OpenAI's error vocabulary: every failure is a 400 naming the
 * parameter by its path ({@code messages[2].content[0].image_url.url}) with a stable code
 * ({@code missing_required_parameter}, {@code invalid_type}, {@code invalid_value}, ...).
 */
public final class Params {
    private Params() {}

    /**
     * A body's bytes: the array itself when the buffer is an unpooled heap buffer of exactly those
     * bytes (a body read in several pieces is joined into one), else a copy. An unpooled array
     * belongs to its buffer alone, and nothing writes to a request body once it is read.
     */
    public static byte[] bytes(Buffer body) {
        if (body == null) return null;
        if (body instanceof BufferInternal b) {
            ByteBuf buf = b.getByteBuf();
            ByteBuf owner = buf;
            while (owner.unwrap() != null) owner = owner.unwrap();
            if (owner instanceof UnpooledHeapByteBuf && buf.arrayOffset() == 0 && buf.readerIndex() == 0
                    && buf.readableBytes() == buf.array().length) {
                return buf.array();
            }
        }
        return body.getBytes();
    }

    /** Parses a request body that must be a JSON object. */
    public static ObjectNode object(Buffer body) {
        return object(bytes(body));
    }

    /**
     * As {@link #object(Buffer)}, noting where the top-level members {@code names} stand in the bytes
     * (for a request relayed as its own bytes with some of those members set; see
     * {@link TopLevel#set}). The errors are {@link #object(Buffer)}'s.
     */
    public static TopLevel.Parsed objectWithSpans(Buffer body, String[] names) {
        byte[] bytes = bytes(body);
        if (bytes != null && bytes.length > 0 && utf8(bytes)) {
            try {
                TopLevel.Parsed parsed = TopLevel.parse(bytes, names);
                if (parsed != null) return parsed;
            } catch (IOException e) {
                // object(bytes) says what is wrong, as for every other body
            }
        }
        return new TopLevel.Parsed(object(bytes), null);
    }

    private static ObjectNode object(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw ApiError.invalid(null, "invalid_json", "The request body is empty; expected a JSON object.").exception();
        }
        if (!utf8(bytes)) throw ApiError.invalidJson("the body is not valid UTF-8.").exception();
        JsonNode node;
        try {
            node = Json.parse(bytes);
        } catch (StreamConstraintsException e) {
            throw ApiError.invalidJson(constraint(e)).exception();
        } catch (IOException e) {
            throw ApiError.invalidJson(describe(e)).exception();
        }
        if (node == null || node.isMissingNode()) {
            // Whitespace only: no JSON value at all, the same as an empty body.
            throw ApiError.invalid(null, "invalid_json", "The request body is empty; expected a JSON object.").exception();
        }
        if (!(node instanceof ObjectNode o)) {
            throw ApiError.invalid(null, "invalid_type", "The request body must be a JSON object.").exception();
        }
        return o;
    }

    /**
     * JSON must be UTF-8 (RFC 8259 §8.1). Jackson would otherwise detect UTF-16 and UTF-32 by their
     * byte-order mark or zero bytes and accept them; a zero byte can never begin valid UTF-8 JSON,
     * so the first four bytes tell. A UTF-8 byte-order mark is ignored, as the RFC allows.
     */
    private static boolean utf8(byte[] b) {
        if (b.length >= 2 && ((b[0] & 0xff) == 0xfe && (b[1] & 0xff) == 0xff || (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xfe)) {
            return false;
        }
        for (int i = 0; i < Math.min(4, b.length); i++) if (b[i] == 0) return false;
        return true;
    }

    /** Jackson's processing limits, said in the request's terms rather than the parser's. */
    private static String constraint(StreamConstraintsException e) {
        var limits = com.fasterxml.jackson.core.StreamReadConstraints.defaults();
        String m = e.getMessage() == null ? "" : e.getMessage();
        if (m.contains("nesting depth")) return "JSON nested too deeply (limit " + limits.getMaxNestingDepth() + ").";
        if (m.contains("Number value length")) return "a number is too long (limit " + limits.getMaxNumberLength() + " digits).";
        if (m.contains("String value length")) return "a string is too long.";
        if (m.contains("Name length")) return "an object key is too long (limit " + limits.getMaxNameLength() + ").";
        return "the JSON exceeds a processing limit.";
    }

    private static String describe(IOException e) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        if (m.contains("Invalid UTF-8")) return "the body is not valid UTF-8.";
        if (m.contains("Duplicate field")) return "a field appears twice in one object.";
        int nl = m.indexOf('\n');
        String first = nl > 0 ? m.substring(0, nl) : m;
        return first.length() > 200 ? first.substring(0, 200) : first;
    }

    public static ApiException missing(String param) {
        return ApiError.invalid(param, "missing_required_parameter",
                "Missing required parameter: '" + param + "'.").exception();
    }

    public static ApiException wrongType(String param, String expected, JsonNode got) {
        return ApiError.invalid(param, "invalid_type", "Invalid type for '" + param + "': expected " + expected
                + ", but got " + kind(got) + " instead.").exception();
    }

    public static ApiException invalidValue(String param, String message) {
        return ApiError.invalid(param, "invalid_value", message).exception();
    }

    public static String kind(JsonNode n) {
        if (n == null || n.isNull()) return "null";
        if (n.isTextual()) return "a string";
        if (n.isBoolean()) return "a boolean";
        if (n.isIntegralNumber()) return "an integer";
        if (n.isNumber()) return "a decimal";
        if (n.isArray()) return "an array";
        return "an object";
    }

    /** A required non-empty string. */
    public static String requiredString(JsonNode parent, String field, String param) {
        JsonNode v = parent.get(field);
        if (v == null || v.isNull()) throw missing(param);
        if (!v.isTextual()) throw wrongType(param, "a string", v);
        if (v.textValue().isEmpty()) {
            throw ApiError.invalid(param, "empty_string", "Invalid '" + param + "': empty string. Expected a non-empty string.")
                    .exception();
        }
        return v.textValue();
    }

    /** An optional string; null when absent or JSON null. */
    public static String optionalString(JsonNode parent, String field, String param) {
        JsonNode v = parent.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw wrongType(param, "a string", v);
        return v.textValue();
    }

    public static Boolean optionalBoolean(JsonNode parent, String field, String param) {
        JsonNode v = parent.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isBoolean()) throw wrongType(param, "a boolean", v);
        return v.booleanValue();
    }

    /** An optional integer within [min, max]. */
    public static Integer optionalInt(JsonNode parent, String field, String param, long min, long max) {
        Long v = optionalLong(parent, field, param, min, max);
        return v == null ? null : (int) (long) v;
    }

    /** An optional whole number within [min, max] (a decimal with no fraction, like 5.0, counts). */
    public static Long optionalLong(JsonNode parent, String field, String param, long min, long max) {
        JsonNode v = parent.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber() && !(v.isNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0)) {
            throw wrongType(param, "an integer", v);
        }
        // Beyond the long range (1e400, 99999999999999999999999) the sign says which bound was crossed.
        boolean huge = !v.canConvertToLong();
        long value = huge ? (v.decimalValue().signum() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : v.asLong();
        if (huge && value == Long.MIN_VALUE || value < min) {
            throw ApiError.invalid(param, "integer_below_min_value", "Invalid '" + param + "': integer below minimum value. "
                    + "Expected a value >= " + min + ", but got " + v.asText() + " instead.").exception();
        }
        if (huge && value == Long.MAX_VALUE || value > max) {
            throw ApiError.invalid(param, "integer_above_max_value", "Invalid '" + param + "': integer above maximum value. "
                    + "Expected a value <= " + max + ", but got " + v.asText() + " instead.").exception();
        }
        return value;
    }

    /** An optional number within [min, max]. */
    public static Double optionalNumber(JsonNode parent, String field, String param, double min, double max) {
        JsonNode v = parent.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isNumber()) throw wrongType(param, "a number", v);
        double d = v.asDouble();
        if (d < min) {
            throw ApiError.invalid(param, "decimal_below_min_value", "Invalid '" + param + "': decimal below minimum value. "
                    + "Expected a value >= " + min + ", but got " + v.asText() + " instead.").exception();
        }
        if (d > max) {
            throw ApiError.invalid(param, "decimal_above_max_value", "Invalid '" + param + "': decimal above maximum value. "
                    + "Expected a value <= " + max + ", but got " + v.asText() + " instead.").exception();
        }
        return d;
    }

    public static ObjectNode optionalObject(JsonNode parent, String field, String param) {
        JsonNode v = parent.get(field);
        if (v == null || v.isNull()) return null;
        if (!(v instanceof ObjectNode o)) throw wrongType(param, "an object", v);
        return o;
    }

    public static ArrayNode optionalArray(JsonNode parent, String field, String param) {
        JsonNode v = parent.get(field);
        if (v == null || v.isNull()) return null;
        if (!(v instanceof ArrayNode a)) throw wrongType(param, "an array", v);
        return a;
    }

    /** A list's {@code limit} query parameter: 1–100, default 100. */
    public static int queryLimit(String raw) {
        if (raw == null) return 100;
        try {
            int v = Integer.parseInt(raw);
            if (v >= 1 && v <= 100) return v;
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw invalidValue("limit", "Invalid 'limit': expected an integer between 1 and 100.");
    }

    /** Refuses the first member of {@code req} whose name is not in {@code known}: 400 {@code unknown_parameter}. */
    public static void rejectUnknown(ObjectNode req, Set<String> known) {
        for (var it = req.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) throw ApiError.invalid(f, "unknown_parameter", "Unknown parameter: '" + f + "'.").exception();
        }
    }

    /** One of {@code allowed}, or a 400 listing them. */
    public static String oneOf(String value, String param, Set<String> allowed) {
        if (value != null && !allowed.contains(value)) {
            throw invalidValue(param, "Invalid value for '" + param + "': '" + value + "'. Supported values are: "
                    + String.join(", ", allowed.stream().sorted().map(s -> "'" + s + "'").toList()) + ".");
        }
        return value;
    }
}
