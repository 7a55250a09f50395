package ai.zumik.json;

/**
 * Compact JSON text written straight into a {@link StringBuilder}, character for character what
 * {@link Json#text(Json.Writing)} (Jackson's generator with the mapper's defaults) writes for the
 * same calls, without creating a generator and a writer per text: for the records written once per
 * response (attempts, QoS outcome, the decision's own part). Strings escape {@code "}, the
 * backslash and control characters (the five short escapes, else <code>&#92;u00XX</code> in upper-case hex);
 * everything else, non-ASCII included, is written as is.
 */
public final class JsonText {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final StringBuilder out = new StringBuilder(256);
    private boolean comma;

    public JsonText startObject() {
        separate();
        out.append('{');
        comma = false;
        return this;
    }

    public JsonText endObject() {
        out.append('}');
        comma = true;
        return this;
    }

    public JsonText startArray() {
        separate();
        out.append('[');
        comma = false;
        return this;
    }

    public JsonText endArray() {
        out.append(']');
        comma = true;
        return this;
    }

    /** A field's name; its value is the next thing written. */
    public JsonText name(String name) {
        separate();
        quoted(name);
        out.append(':');
        comma = false;
        return this;
    }

    /** A string value, or {@code null}. */
    public JsonText string(String value) {
        separate();
        if (value == null) out.append("null");
        else quoted(value);
        comma = true;
        return this;
    }

    public JsonText number(long value) {
        separate();
        out.append(value);
        comma = true;
        return this;
    }

    /** A number, or {@code null}. */
    public JsonText number(Long value) {
        return value == null ? nullValue() : number(value.longValue());
    }

    public JsonText bool(boolean value) {
        separate();
        out.append(value);
        comma = true;
        return this;
    }

    /** A boolean, or {@code null}. */
    public JsonText bool(Boolean value) {
        return value == null ? nullValue() : bool(value.booleanValue());
    }

    public JsonText nullValue() {
        separate();
        out.append("null");
        comma = true;
        return this;
    }

    public JsonText field(String name, String value) {
        return name(name).string(value);
    }

    public JsonText field(String name, long value) {
        return name(name).number(value);
    }

    public JsonText field(String name, Long value) {
        return name(name).number(value);
    }

    public JsonText field(String name, boolean value) {
        return name(name).bool(value);
    }

    public JsonText field(String name, Boolean value) {
        return name(name).bool(value);
    }

    public String text() {
        return out.toString();
    }

    private void separate() {
        if (comma) out.append(',');
    }

    private void quoted(String s) {
        out.append('"');
        int from = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') continue;
            out.append(s, from, i);
            from = i + 1;
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\f' -> out.append("\\f");
                case '\r' -> out.append("\\r");
                default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        out.append(s, from, s.length());
        out.append('"');
    }
}
