package ai.zumik.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The one shared Jackson mapper and the few tree helpers every package needs. */
public final class Json {
    /** Keeps decimals exactly as written ({@code 0.70} stays {@code 0.70}) so passthrough is faithful. */
    public static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
    private static final com.fasterxml.jackson.core.io.JsonStringEncoder ENCODER =
            com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance();
    public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(NODES)
            .build();

    private Json() {}

    public static ObjectNode object() {
        return NODES.objectNode();
    }

    public static ArrayNode array() {
        return NODES.arrayNode();
    }

    /** Parses bytes; throws {@link IOException} on malformed JSON or invalid UTF-8. */
    public static JsonNode parse(byte[] bytes) throws IOException {
        return MAPPER.readTree(bytes);
    }

    public static JsonNode parse(byte[] bytes, int offset, int length) throws IOException {
        return MAPPER.readTree(bytes, offset, length);
    }

    /** Parses a body that may be anything (an upstream's error page); null when empty or not JSON. */
    public static JsonNode parseOrNull(byte[] bytes) {
        if (bytes.length == 0) return null;
        try {
            return MAPPER.readTree(bytes);
        } catch (IOException notJson) {
            return null;
        }
    }

    public static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String text(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Something that writes one JSON value with a streaming generator. */
    @FunctionalInterface
    public interface Writing {
        void write(JsonGenerator g) throws IOException;
    }

    /**
     * The compact JSON text {@code writing} produces, written straight from the caller's fields
     * with a streaming generator: no tree is built (records written once per response).
     */
    public static String text(Writing writing) {
        StringWriter out = new StringWriter(1024);
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            writing.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Writes a nullable number field. */
    public static void numberField(JsonGenerator g, String name, Long value) throws IOException {
        if (value == null) g.writeNullField(name);
        else g.writeNumberField(name, value.longValue());
    }

    /**
     * {@code text(node).length()} without writing the text: the mapper's compact output, counted.
     * Strings count as written with Jackson's default escaping ({@code "}, the backslash and the
     * five short control escapes take two characters, other control characters six, everything
     * else one).
     */
    public static long textLength(JsonNode node) {
        return switch (node.getNodeType()) {
            case OBJECT -> {
                long n = 1 + Math.max(0, node.size() - 1) + 1;
                for (var it = node.fields(); it.hasNext(); ) {
                    var f = it.next();
                    n += quotedLength(f.getKey()) + 1 + textLength(f.getValue());
                }
                yield n;
            }
            case ARRAY -> {
                long n = 1 + Math.max(0, node.size() - 1) + 1;
                for (JsonNode e : node) n += textLength(e);
                yield n;
            }
            case STRING -> quotedLength(node.textValue());
            case BOOLEAN -> node.booleanValue() ? 4 : 5;
            case NULL -> 4;
            case NUMBER -> node.isIntegralNumber() || node.isBigDecimal() ? node.asText().length() : text(node).length();
            default -> text(node).length();
        };
    }

    private static long quotedLength(String s) {
        long n = 2 + s.length();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') n++;
            else if (c < 0x20) n += c == '\b' || c == '\t' || c == '\n' || c == '\f' || c == '\r' ? 1 : 5;
        }
        return n;
    }

    /** Text value of a field, or null when missing, null, or not a string. */
    public static String string(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v != null && v.isTextual() ? v.textValue() : null;
    }

    /** Long value of a field, or null when missing or not an integral number. */
    public static Long longOrNull(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v != null && v.isIntegralNumber() ? v.longValue() : null;
    }

    /**
     * A JSON string (or {@code null}) as UTF-8 bytes, exactly as Jackson's generator writes it.
     * The generator escapes characters outside the BMP as escaped surrogate pairs where the string
     * encoder writes four UTF-8 bytes, so text with surrogates goes through the generator itself.
     */
    public static byte[] quoted(String s) {
        if (s == null) return "null".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < s.length(); i++) {
            if (Character.isSurrogate(s.charAt(i))) {
                try {
                    return MAPPER.writeValueAsBytes(s);
                } catch (JsonProcessingException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        byte[] escaped = ENCODER.quoteAsUTF8(s);
        byte[] out = new byte[escaped.length + 2];
        out[0] = '"';
        System.arraycopy(escaped, 0, out, 1, escaped.length);
        out[out.length - 1] = '"';
        return out;
    }
}
