package ai.zumik.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * The text of the first choice of an OpenAI-shaped completion ({@code choices[0].message.content})
 * or stream chunk ({@code choices[0].delta.content}), read with the streaming parser: everything
 * else is skipped unread, so no tree is built for a completion that may carry a long answer, tool
 * calls and logprobs, nor for every chunk of a stream.
 */
public final class ChoiceContent {
    private ChoiceContent() {}

    /**
     * @param container {@code "message"} (a completion) or {@code "delta"} (a chunk)
     * @return the content when it is a string; null when it is absent, null, not a string, or the
     *     bytes are not such a JSON object
     */
    public static String of(byte[] json, String container) {
        try (JsonParser p = Json.MAPPER.getFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT || !enter(p, "choices", JsonToken.START_ARRAY)) return null;
            if (p.nextToken() != JsonToken.START_OBJECT || !enter(p, container, JsonToken.START_OBJECT)) return null;
            return enter(p, "content", JsonToken.VALUE_STRING) ? p.getText() : null;
        } catch (IOException notJson) {
            return null;
        }
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
