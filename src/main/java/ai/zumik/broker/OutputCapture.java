package ai.zumik.broker;

import ai.zumik.json.Json;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Collects the generated text of choice 0 from OpenAI-shaped chunks or a completion (for /v2
 * records). It reads {@code choices[0].<container>.content} with the streaming parser, skipping
 * everything else unread: no tree is built for a completion that may carry a long answer, tool calls
 * and logprobs.
 */
final class OutputCapture {
    private final StringBuilder text = new StringBuilder();

    void chunk(byte[] json) {
        append(json, "delta");
    }

    void completion(byte[] json) {
        append(json, "message");
    }

    /** Forgets what a failed attempt produced. */
    void reset() {
        text.setLength(0);
    }

    String text() {
        return text.toString();
    }

    private void append(byte[] json, String container) {
        try (JsonParser p = Json.MAPPER.getFactory().createParser(json)) {
            String content = firstChoiceContent(p, container);
            if (content != null) text.append(content);
        } catch (IOException ignored) {
            // Adapters only emit JSON objects; nothing to capture otherwise.
        }
    }

    /** {@code choices[0].<container>.content} when it is a string, else null. */
    private static String firstChoiceContent(JsonParser p, String container) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT || !enter(p, "choices", JsonToken.START_ARRAY)) return null;
        if (p.nextToken() != JsonToken.START_OBJECT || !enter(p, container, JsonToken.START_OBJECT)) return null;
        return enter(p, "content", JsonToken.VALUE_STRING) ? p.getText() : null;
    }

    /**
     * Moves through the members of the object the parser is in until {@code name}; true when its value
     * starts with {@code expected} (the parser is then on that token), false when the object ends first
     * or the value is of another kind.
     */
    private static boolean enter(JsonParser p, String name, JsonToken expected) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            boolean wanted = name.equals(p.currentName());
            JsonToken value = p.nextToken();
            if (wanted) return value == expected;
            p.skipChildren();
        }
        return false;
    }
}
