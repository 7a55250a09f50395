package ai.zumik.broker;

import ai.zumik.json.ChoiceContent;

/** Collects the generated text of choice 0 from OpenAI-shaped chunks or a completion (for /v2 records). */
final class OutputCapture {
    private final StringBuilder text = new StringBuilder();

    void chunk(byte[] json) {
        append(ChoiceContent.of(json, "delta"));
    }

    void completion(byte[] json) {
        append(ChoiceContent.of(json, "message"));
    }

    /** Forgets what a failed attempt produced. */
    void reset() {
        text.setLength(0);
    }

    String text() {
        return text.toString();
    }

    private void append(String content) {
        if (content != null) text.append(content);
    }
}
