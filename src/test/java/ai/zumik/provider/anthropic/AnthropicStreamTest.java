package ai.zumik.provider.anthropic;

import static ai.zumik.provider.anthropic.AnthropicFixtures.json;
import static ai.zumik.provider.anthropic.AnthropicFixtures.plain;
import static ai.zumik.provider.anthropic.AnthropicFixtures.replay;
import static ai.zumik.provider.anthropic.AnthropicFixtures.resource;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.inference.FailureClass;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Recorded Anthropic SSE transcripts → OpenAI chunks, fed through the real SSE decoder one byte at a time. */
class AnthropicStreamTest {
    private final ThinkingMemory memory = new ThinkingMemory(Duration.ofHours(1), 1_000_000);

    private static List<JsonNode> nodes(String... json) {
        return java.util.Arrays.stream(json).map(AnthropicFixtures::json).toList();
    }

    @Test
    void textStreamBecomesRoleContentFinishAndUsageChunks() {
        AnthropicFixtures.Recorded r = replay(resource("text.sse"), plain(), memory);
        assertThat(r.deltas()).isEqualTo(nodes("{\"role\":\"assistant\",\"content\":\"\"}", "{\"content\":\"Hello\"}",
                "{\"content\":\"!\"}", "{}"));
        assertThat(r.chunks).allSatisfy(c -> {
            assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(c.get("id").asText()).isEqualTo("msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY");
        });
        assertThat(r.chunks.get(3).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(r.chunks.get(2).at("/choices/0/finish_reason").isNull()).isTrue();

        JsonNode usageChunk = r.chunks.getLast();
        assertThat(usageChunk.get("choices")).isEmpty();
        assertThat(usageChunk.get("usage")).isEqualTo(json("{\"prompt_tokens\":25,\"completion_tokens\":15,\"total_tokens\":40,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":0}}"));
        assertThat(r.usageOnly).containsExactly(false, false, false, false, true);
        assertThat(r.chunkUsages.getLast()).isEqualTo(new Usage(25L, 15L, 0L, 0L, null));
        assertThat(r.end).isEqualTo(new Usage(25L, 15L, 0L, 0L, null));
        assertThat(r.failure).isNull();
    }

    @Test
    void interleavedParallelToolCallsKeepTheirOwnIndexAfterATextBlock() {
        AnthropicFixtures.Recorded r = replay(resource("parallel-tools.sse"), plain(), memory);
        assertThat(r.deltas()).isEqualTo(nodes(
                "{\"role\":\"assistant\",\"content\":\"\"}",
                "{\"content\":\"I'll check both.\"}",
                "{\"tool_calls\":[{\"index\":0,\"id\":\"toolu_01Weather\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}",
                "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"ci\"}}]}",
                "{\"tool_calls\":[{\"index\":1,\"id\":\"toolu_01Time\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"\"}}]}",
                "{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"{\\\"tz\\\": \"}}]}",
                "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"ty\\\": \\\"Par\"}}]}",
                "{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"\\\"Europe/Paris\\\"}\"}}]}",
                "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"is\\\"}\"}}]}",
                "{}"));
        assertThat(r.chunks.get(r.chunks.size() - 2).at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(r.end).as("cache reads are part of the prompt, reported once in message_start")
                .isEqualTo(new Usage(472L + 2048, 89L, 2048L, 0L, null));
    }

    @Test
    void thinkingIsNeverRenderedButRememberedWithItsSignatureForTheToolTurn() {
        var req = new AnthropicRequest.Translated(Json.object(), null, true);
        AnthropicFixtures.Recorded r = replay(resource("thinking-tool.sse"), req, memory);
        assertThat(r.deltas()).isEqualTo(nodes(
                "{\"role\":\"assistant\",\"content\":\"\"}",
                "{\"tool_calls\":[{\"index\":0,\"id\":\"toolu_01Clock\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"\"}}]}",
                "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{}\"}}]}",
                "{}"));
        assertThat(r.content()).isEmpty();
        assertThat(memory.blocksFor("toolu_01Clock")).containsExactly(
                (ObjectNode) json("{\"type\":\"thinking\",\"thinking\":\"The user wants the time. I should call get_time.\","
                        + "\"signature\":\"EqQBCgIYAhIM1gbcDa9GJwZA2b3h\"}"),
                (ObjectNode) json("{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgBEgy3va3pzix/LafPsn4a\"}"));

        ThinkingMemory other = new ThinkingMemory(Duration.ofHours(1), 1_000_000);
        replay(resource("thinking-tool.sse"), plain(), other);
        assertThat(other.blocksFor("toolu_01Clock")).as("nothing to keep when thinking was not asked for").isNull();
    }

    @Test
    void theJsonModeToolStreamsAsContentWithFinishStop() {
        var req = new AnthropicRequest.Translated(Json.object(), "weather_report", false);
        AnthropicFixtures.Recorded r = replay(resource("json-tool.sse"), req, memory);
        assertThat(r.content()).isEqualTo("{\"city\": \"Paris\", \"temp_c\": 18}");
        assertThat(r.deltas()).noneSatisfy(d -> assertThat(d.has("tool_calls")).isTrue());
        assertThat(r.deltas().getFirst().get("role").asText()).isEqualTo("assistant");
        assertThat(r.chunks.get(r.chunks.size() - 2).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void anErrorBeforeContentIsAnOrdinaryRetryableFailure() {
        AnthropicFixtures.Recorded r = replay(resource("overloaded-before-content.sse"), plain(), memory);
        assertThat(r.chunks).isEmpty();
        assertThat(r.failure.failureClass()).isEqualTo(FailureClass.OVERLOADED);
        assertThat(r.failure.failureClass().retryable()).isTrue();
        assertThat(r.failureUsage.promptTokens()).isEqualTo(25);
        assertThat(r.end).isNull();
    }

    @Test
    void anErrorAfterContentIsAnInterruption() {
        AnthropicFixtures.Recorded r = replay(resource("error-after-content.sse"), plain(), memory);
        assertThat(r.content()).isEqualTo("Partial answ");
        assertThat(r.failure.failureClass()).isEqualTo(FailureClass.STREAM_INTERRUPTED);
        assertThat(r.failure.message()).contains("Internal server error");
        assertThat(r.end).isNull();
    }

    // ---- finish reasons and usage --------------------------------------------------------------

    private static String stream(String stopReason, String startUsage, String deltaUsage, String... blocks) {
        StringBuilder sb = new StringBuilder("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_x\","
                + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"m\",\"stop_reason\":null,"
                + "\"stop_sequence\":null,\"usage\":" + startUsage + "}}\n\n");
        for (String b : blocks) sb.append(b);
        sb.append("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"").append(stopReason)
                .append("\",\"stop_sequence\":null},\"usage\":").append(deltaUsage).append("}\n\n");
        sb.append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        return sb.toString();
    }

    private static final String TEXT_BLOCK = "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
            + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\nevent: content_block_delta\ndata: {\"type\":"
            + "\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}\n\n"
            + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n";
    private static final String TOOL_BLOCK = "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,"
            + "\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_x\",\"name\":\"f\",\"input\":{}}}\n\n"
            + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n";

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"end_turn, stop", "max_tokens, length", "stop_sequence, stop", "refusal, content_filter",
            "pause_turn, stop", "model_context_window_exceeded, length", "some_future_reason, stop"})
    void everyStopReasonMapsToAFinishReason(String stopReason, String finish) {
        AnthropicFixtures.Recorded r = replay(stream(stopReason, "{\"input_tokens\":1}", "{\"output_tokens\":2}", TEXT_BLOCK),
                plain(), memory);
        assertThat(r.chunks.get(r.chunks.size() - 2).at("/choices/0/finish_reason").asText()).isEqualTo(finish);
        assertThat(AnthropicCompletion.finishReason(stopReason, false)).isEqualTo(finish);
    }

    @Test
    void toolUseIsToolCallsOnlyWhenTheClientSeesACall() {
        AnthropicFixtures.Recorded r = replay(stream("tool_use", "{\"input_tokens\":1}", "{\"output_tokens\":2}",
                TEXT_BLOCK, TOOL_BLOCK), plain(), memory);
        assertThat(r.chunks.get(r.chunks.size() - 2).at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        var json = new AnthropicRequest.Translated(Json.object(), "f", false);
        r = replay(stream("tool_use", "{\"input_tokens\":1}", "{\"output_tokens\":2}", TOOL_BLOCK), json, memory);
        assertThat(r.chunks.get(r.chunks.size() - 2).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(r.content()).isEqualTo("{}");
    }

    @Test
    void anEmptyAnswerStillStartsWithTheRole() {
        AnthropicFixtures.Recorded r = replay(stream("end_turn", "{\"input_tokens\":1}", "{\"output_tokens\":1}"), plain(), memory);
        assertThat(r.deltas()).isEqualTo(nodes("{\"role\":\"assistant\",\"content\":\"\"}", "{}"));
    }

    @Test
    void usageFromMessageStartAndMessageDeltaIsMerged() {
        // Classic: message_delta carries only the cumulative output count.
        AnthropicFixtures.Recorded classic = replay(stream("end_turn",
                "{\"input_tokens\":100,\"cache_creation_input_tokens\":1500,\"cache_read_input_tokens\":0,\"output_tokens\":1}",
                "{\"output_tokens\":30}", TEXT_BLOCK), plain(), memory);
        assertThat(classic.end).isEqualTo(new Usage(1600L, 30L, 0L, 1500L, null));

        // Newer APIs repeat the input and cache counts in message_delta; those are the final values.
        AnthropicFixtures.Recorded repeated = replay(stream("end_turn",
                "{\"input_tokens\":100,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1}",
                "{\"input_tokens\":120,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":1500,\"output_tokens\":45}",
                TEXT_BLOCK), plain(), memory);
        assertThat(repeated.end).isEqualTo(new Usage(1620L, 45L, 1500L, 0L, null));
        assertThat(repeated.chunks.getLast().at("/usage/prompt_tokens_details/cached_tokens").asLong()).isEqualTo(1500);
        assertThat(repeated.chunks.getLast().at("/usage/total_tokens").asLong()).isEqualTo(1665);
    }

    @Test
    void pingsAndUnknownEventsEmitNothing() {
        AnthropicFixtures.Recorded r = replay(stream("end_turn", "{\"input_tokens\":1}", "{\"output_tokens\":1}",
                "event: ping\ndata: {\"type\":\"ping\"}\n\n", "event: brand_new\ndata: {\"type\":\"brand_new\",\"x\":1}\n\n",
                TEXT_BLOCK), plain(), memory);
        assertThat(r.content()).isEqualTo("x");
        assertThat(r.chunks).hasSize(4);
    }

    /** The fast delta reader and the tree path must agree on every delta, odd ones included. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"a \\\"q\\\" \\u00e9 \\ud83d\\ude00\"}}",
            "{\"index\":0,\"delta\":{\"text\":\"reordered\",\"type\":\"text_delta\"},\"type\":\"content_block_delta\"}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"partial_json\":\"wrong field\"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\",\"extra\":1}}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":null}}",
            "{\"type\":\"content_block_delta\",\"index\":7,\"delta\":{\"type\":\"text_delta\",\"text\":\"no such block\"}}",
            "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":\"}}",
            "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}",
            "{\"type\":\"content_block_delta\",\"index\":1.0,\"delta\":{\"type\":\"text_delta\",\"text\":\"float index\"}}",
            "{\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"type from the SSE name\"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hmm\"}}"})
    void theFastDeltaReaderAgreesWithTheTreePath(String event) throws Exception {
        String start = "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"usage\":{\"input_tokens\":3}}}";
        String text = "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}";
        String tool = "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"f\"}}";
        AnthropicFixtures.Recorded fast = new AnthropicFixtures.Recorded();
        AnthropicFixtures.Recorded tree = new AnthropicFixtures.Recorded();
        AnthropicStream viaBytes = new AnthropicStream("m", plain(), memory, fast);
        AnthropicStream viaTree = new AnthropicStream("m", plain(), memory, tree);
        for (String e : List.of(start, text, tool, event)) {
            byte[] b = e.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            viaBytes.on("content_block_delta", b, b.length);
            viaTree.on("content_block_delta", json(e));
        }
        assertThat(fast.chunks).isEqualTo(tree.chunks);
        assertThat(fast.failure).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"type\":\"content_block_delta\",\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"dup\"}}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}} {}",
            "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"cut"})
    void aDeltaThatIsNotOneJsonObjectFailsTheStream(String event) {
        AnthropicFixtures.Recorded r = new AnthropicFixtures.Recorded();
        AnthropicStream s = new AnthropicStream("m", plain(), memory, r);
        byte[] b = event.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        s.on("content_block_delta", b, b.length);
        assertThat(r.chunks).isEmpty();
        assertThat(r.failure.failureClass()).isEqualTo(FailureClass.MALFORMED_RESPONSE);
    }
}
