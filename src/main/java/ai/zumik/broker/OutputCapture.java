package ai.zumik.broker;

import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;

/** Collects the generated text of choice 0 from OpenAI-shaped chunks or a completion (for /v2 records). */
final class OutputCapture {
    private final StringBuilder text = new StringBuilder();

    void chunk(byte[] json) {
        try {
            JsonNode content = Json.parse(json).path("choices").path(0).path("delta").path("content");
            if (content.isTextual()) text.append(content.textValue());
        } catch (java.io.IOException ignored) {
            // Adapters only emit JSON objects; nothing to capture otherwise.
        }
    }

    void completion(byte[] json) {
        try {
            JsonNode content = Json.parse(json).path("choices").path(0).path("message").path("content");
            if (content.isTextual()) text.append(content.textValue());
        } catch (java.io.IOException ignored) {
            // As above.
        }
    }

    /** Forgets what a failed attempt produced. */
    void reset() {
        text.setLength(0);
    }

    String text() {
        return text.toString();
    }
}
