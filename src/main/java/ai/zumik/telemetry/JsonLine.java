package ai.zumik.telemetry;

/** A minimal allocation-light builder for one-line JSON objects (log lines). */
final class JsonLine {
    private final StringBuilder sb = new StringBuilder(320).append('{');
    private boolean first = true;

    JsonLine field(String name, String value) {
        if (value == null) return this;
        key(name);
        sb.append('"');
        escape(value);
        sb.append('"');
        return this;
    }

    JsonLine field(String name, long value) {
        key(name);
        sb.append(value);
        return this;
    }

    JsonLine field(String name, Long value) {
        return value == null ? this : field(name, value.longValue());
    }

    JsonLine field(String name, boolean value) {
        key(name);
        sb.append(value);
        return this;
    }

    String end() {
        return sb.append('}').toString();
    }

    private void key(String name) {
        if (!first) sb.append(',');
        first = false;
        sb.append('"').append(name).append("\":");
    }

    private void escape(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
    }
}
