package ai.zumik.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request's query string, decoded strictly: a {@code %} not followed by two hex digits, or
 * escapes that do not form UTF-8, are a 400 {@code invalid_value} naming the parameter, never a
 * 500 and never a silent replacement character. {@code +} is a space, as in HTML forms.
 */
public final class Query {
    public static final Query EMPTY = new Query(Map.of());

    private final Map<String, List<String>> values;

    private Query(Map<String, List<String>> values) {
        this.values = values;
    }

    static Query parse(String raw) {
        if (raw == null || raw.isEmpty()) return EMPTY;
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String rawName = eq < 0 ? pair : pair.substring(0, eq);
            String name = decode(rawName.replace('+', ' '), "query parameter name");
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1).replace('+', ' '), name);
            out.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
        }
        return new Query(out);
    }

    /** The first value of {@code name}, or null. */
    public String get(String name) {
        List<String> v = values.get(name);
        return v == null ? null : v.getFirst();
    }

    /** Percent-decodes {@code s} as UTF-8; a malformed escape is a 400 naming {@code param}. */
    public static String decode(String s, String param) {
        if (s.indexOf('%') < 0) return s;
        ByteBuffer bytes = ByteBuffer.allocate(s.length() * 3);
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            if (c == '%') {
                int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
                int lo = hi >= 0 ? Character.digit(s.charAt(i + 2), 16) : -1;
                if (hi < 0 || lo < 0) throw malformed(param, "'%' must be followed by two hexadecimal digits");
                bytes.put((byte) (hi * 16 + lo));
                i += 3;
            } else {
                bytes.put(Character.toString(c).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(c);
            }
        }
        bytes.flip();
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw malformed(param, "the escapes do not decode as UTF-8");
        }
    }

    private static ApiException malformed(String param, String why) {
        return ApiError.invalid(param, "invalid_value", "Invalid percent-encoding in '" + param + "': " + why + ".")
                .exception();
    }
}
