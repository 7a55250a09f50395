package ai.zumik.provider.anthropic;

import static ai.zumik.provider.anthropic.AnthropicFixtures.json;
import static ai.zumik.provider.anthropic.AnthropicFixtures.plain;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Whole Anthropic messages → OpenAI chat completions. */
class AnthropicCompletionTest {
    private final ThinkingMemory memory = new ThinkingMemory(Duration.ofHours(1), 1_000_000);

    private StreamEvent translate(String message, AnthropicRequest.Translated req) {
        return AnthropicCompletion.translate(message.getBytes(StandardCharsets.UTF_8), "claude-sonnet-4-5", req, memory);
    }

    private static JsonNode body(StreamEvent e) {
        assertThat(e).isInstanceOf(StreamEvent.Completion.class);
        return json(new String(((StreamEvent.Completion) e).json(), StandardCharsets.UTF_8));
    }

    private static String message(String content, String stopReason, String usage) {
        return "{\"id\":\"msg_01X\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\","
                + "\"content\":" + content + ",\"stop_reason\":\"" + stopReason + "\",\"stop_sequence\":null,\"usage\":" + usage + "}";
    }

    @Test
    void textBlocksAreJoinedAndToolUseBecomesToolCallsWithCompactArguments() {
        StreamEvent e = translate(message("[{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"s1\"},"
                + "{\"type\":\"text\",\"text\":\"Checking \"},{\"type\":\"text\",\"text\":\"now.\"},"
                + "{\"type\":\"tool_use\",\"id\":\"toolu_A\",\"name\":\"get_weather\",\"input\":{\"city\": \"Paris\", \"days\": [1, 2]}},"
                + "{\"type\":\"tool_use\",\"id\":\"toolu_B\",\"name\":\"get_time\",\"input\":{}}]", "tool_use",
                "{\"input_tokens\":10,\"cache_creation_input_tokens\":1200,\"cache_read_input_tokens\":300,\"output_tokens\":40}"),
                new AnthropicRequest.Translated(Json.object(), null, true));
        JsonNode c = body(e);
        assertThat(c.get("object").asText()).isEqualTo("chat.completion");
        JsonNode msg = c.at("/choices/0/message");
        assertThat(msg.get("content").asText()).isEqualTo("Checking now.");
        assertThat(msg.get("tool_calls")).isEqualTo(json("[{\"id\":\"toolu_A\",\"type\":\"function\",\"function\":{\"name\":"
                + "\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\",\\\"days\\\":[1,2]}\"}},{\"id\":\"toolu_B\","
                + "\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]"));
        assertThat(c.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(c.get("usage")).isEqualTo(json("{\"prompt_tokens\":1510,\"completion_tokens\":40,\"total_tokens\":1550,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":300}}"));
        assertThat(((StreamEvent.Completion) e).usage()).isEqualTo(new Usage(1510L, 40L, 300L, 1200L, null));
        assertThat(Json.text(c)).doesNotContain("hmm");
        assertThat(memory.blocksFor("toolu_B")).containsExactly(
                (com.fasterxml.jackson.databind.node.ObjectNode) json("{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"s1\"}"));
    }

    @Test
    void aTurnThatOnlyCallsToolsHasNullContent() {
        JsonNode c = body(translate(message("[{\"type\":\"tool_use\",\"id\":\"toolu_A\",\"name\":\"f\",\"input\":{}}]",
                "tool_use", "{\"input_tokens\":1,\"output_tokens\":2}"), plain()));
        assertThat(c.at("/choices/0/message/content").isNull()).isTrue();
        assertThat(c.at("/choices/0/message/refusal").isNull()).isTrue();
    }

    @Test
    void theJsonModeToolsInputIsTheContent() {
        JsonNode c = body(translate(message("[{\"type\":\"tool_use\",\"id\":\"toolu_J\",\"name\":\"weather_report\","
                        + "\"input\":{\"city\":\"Paris\",\"temp_c\":18}}]", "tool_use", "{\"input_tokens\":1,\"output_tokens\":2}"),
                new AnthropicRequest.Translated(Json.object(), "weather_report", false)));
        assertThat(c.at("/choices/0/message/content").asText()).isEqualTo("{\"city\":\"Paris\",\"temp_c\":18}");
        assertThat(c.at("/choices/0/message").has("tool_calls")).isFalse();
        assertThat(c.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void aBodyThatIsNotAMessageIsMalformed() {
        StreamEvent e = translate("{\"type\":\"something\"}", plain());
        assertThat(((StreamEvent.Failed) e).failure().failureClass()).isEqualTo(FailureClass.MALFORMED_RESPONSE);
        e = translate("not json", plain());
        assertThat(((StreamEvent.Failed) e).failure().failureClass()).isEqualTo(FailureClass.MALFORMED_RESPONSE);
    }
}
