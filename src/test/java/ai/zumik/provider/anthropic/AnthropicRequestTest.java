package ai.zumik.provider.anthropic;

import static ai.zumik.provider.anthropic.AnthropicFixtures.call;
import static ai.zumik.provider.anthropic.AnthropicFixtures.json;
import static ai.zumik.provider.anthropic.AnthropicFixtures.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.zumik.inference.RequestRejected;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** OpenAI request → Anthropic Messages request, and every rejection naming its parameter. */
class AnthropicRequestTest {
    private final ThinkingMemory memory = new ThinkingMemory(Duration.ofHours(1), 1_000_000);

    private ObjectNode translate(String openAi) {
        // As Anthropic receives it: the bytes on the wire, parsed back (int and long nodes compare unequal).
        return (ObjectNode) json(Json.text(AnthropicRequest.translate(call(openAi), memory).body()));
    }

    private RequestRejected rejected(String openAi) {
        RequestRejected r = catchThrowableOfType(RequestRejected.class, () -> translate(openAi));
        assertThat(r).as("expected a rejection for %s", openAi).isNotNull();
        return r;
    }

    private static String req(String extra) {
        return "{\"model\":\"anthropic/claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]"
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    private static final String TOOLS = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}]";

    @Test
    void multiTurnToolConversationWithImagesAndCacheBreakpointsMatchesTheGoldenRequest() {
        ObjectNode sent = translate(resource("golden-request.openai.json"));
        JsonNode expected = json(resource("golden-request.anthropic.json"));
        assertThat(sent).as(Json.text(sent)).isEqualTo(expected);
    }

    @Test
    void maxTokensDefaultsToTheManifestAndStreamIsPassedOn() {
        ObjectNode body = translate(req("\"stream\":true"));
        assertThat(body.get("max_tokens").asLong()).isEqualTo(4096);
        assertThat(body.get("stream").asBoolean()).isTrue();
        assertThat(translate(req("\"max_completion_tokens\":77,\"max_tokens\":5")).get("max_tokens").asLong()).isEqualTo(77);
        assertThat(body.has("system")).isFalse();
        assertThat(body.has("tools")).isFalse();
        assertThat(body.has("tool_choice")).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"auto\"                                                  | {\"type\":\"auto\"}",
            "\"none\"                                                  | {\"type\":\"none\"}",
            "\"required\"                                              | {\"type\":\"any\"}",
            "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}} | {\"type\":\"tool\",\"name\":\"get_weather\"}"})
    void toolChoiceMaps(String openAi, String anthropic) {
        assertThat(translate(req(TOOLS + ",\"tool_choice\":" + openAi.strip())).get("tool_choice"))
                .isEqualTo(json(anthropic.strip()));
    }

    @Test
    void parallelToolCallsFalseDisablesParallelToolUse() {
        assertThat(translate(req(TOOLS + ",\"tool_choice\":\"required\",\"parallel_tool_calls\":false")).get("tool_choice"))
                .isEqualTo(json("{\"type\":\"any\",\"disable_parallel_tool_use\":true}"));
        assertThat(translate(req(TOOLS + ",\"parallel_tool_calls\":true")).get("tool_choice"))
                .isEqualTo(json("{\"type\":\"auto\"}"));
    }

    @Test
    void jsonSchemaBecomesAForcedToolAndWithOwnToolsAnyToolMustBeCalled() {
        String schema = "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"weather_report\","
                + "\"strict\":true,\"schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
                + "\"required\":[\"city\"],\"additionalProperties\":false}}}";
        ObjectNode alone = translate(req(schema));
        assertThat(alone.get("tool_choice")).isEqualTo(json("{\"type\":\"tool\",\"name\":\"weather_report\"}"));
        assertThat(alone.at("/tools/0/name").asText()).isEqualTo("weather_report");
        assertThat(alone.at("/tools/0/input_schema/required/0").asText()).isEqualTo("city");
        assertThat(alone.at("/tools/0/strict").asBoolean()).isTrue();

        ObjectNode withTools = translate(req(TOOLS + "," + schema));
        assertThat(withTools.get("tools")).hasSize(2);
        assertThat(withTools.at("/tools/1/name").asText()).isEqualTo("weather_report");
        assertThat(withTools.get("tool_choice")).isEqualTo(json("{\"type\":\"any\"}"));
        assertThat(rejected(req(TOOLS + "," + schema + ",\"tool_choice\":\"required\"")).param()).isEqualTo("tool_choice");

        ObjectNode jsonObject = translate(req("\"response_format\":{\"type\":\"json_object\"}"));
        assertThat(jsonObject.get("tool_choice")).isEqualTo(json("{\"type\":\"tool\",\"name\":\"json_object\"}"));
        assertThat(jsonObject.at("/tools/0/input_schema/type").asText()).isEqualTo("object");
        assertThat(translate(req("\"response_format\":{\"type\":\"text\"}")).has("tools")).isFalse();
    }

    @Test
    void reasoningEffortBecomesAThinkingBudgetWithRoomForTheAnswer() {
        ObjectNode body = translate(req("\"reasoning_effort\":\"medium\""));
        assertThat(body.get("thinking")).isEqualTo(json("{\"type\":\"enabled\",\"budget_tokens\":10000}"));
        assertThat(body.get("max_tokens").asLong()).isEqualTo(10_000 + 4096);
        assertThat(translate(req("\"reasoning_effort\":\"minimal\",\"max_tokens\":2000")).at("/thinking/budget_tokens").asInt())
                .isEqualTo(1024);
        assertThat(translate(req("\"reasoning_effort\":\"none\"")).has("thinking")).isFalse();
        assertThat(translate(req("\"reasoning_effort\":\"high\",\"temperature\":1")).get("temperature").asInt()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0} -> 400 naming {1}")
    @CsvSource(delimiter = '|', value = {
            "\"temperature\":1.5                                    | temperature",
            "\"logprobs\":true                                      | logprobs",
            "\"top_logprobs\":2                                     | top_logprobs",
            "\"logit_bias\":{\"50256\":-100}                        | logit_bias",
            "\"seed\":7                                             | seed",
            "\"presence_penalty\":0.5                               | presence_penalty",
            "\"frequency_penalty\":-1                               | frequency_penalty",
            "\"audio\":{\"voice\":\"alloy\",\"format\":\"mp3\"}     | audio",
            "\"modalities\":[\"text\",\"audio\"]                    | modalities",
            "\"prediction\":{\"type\":\"content\",\"content\":\"x\"} | prediction",
            "\"web_search_options\":{}                              | web_search_options",
            "\"verbosity\":\"low\"                                  | verbosity",
            "\"x_new_param\":{\"a\":1}                              | x_new_param",
            "\"top_k\":2.5                                          | top_k",
            "\"stop\":[\"END\",\"  \"]                              | stop[1]",
            "\"reasoning_effort\":\"extreme\"                       | reasoning_effort",
            "\"reasoning_effort\":\"low\",\"max_tokens\":4096       | max_tokens",
            "\"reasoning_effort\":\"low\",\"max_completion_tokens\":100 | max_completion_tokens",
            "\"reasoning_effort\":\"low\",\"temperature\":0.2       | temperature",
            "\"reasoning_effort\":\"low\",\"top_k\":5               | top_k",
            "\"reasoning_effort\":\"low\",\"top_p\":0.5             | top_p",
            "\"reasoning_effort\":\"low\",\"response_format\":{\"type\":\"json_object\"} | response_format",
            "\"user\":\"" + "u" + "\",\"cache_control\":{\"type\":\"persistent\"} | cache_control"})
    void untranslatableParametersAreRejectedByName(String extra, String param) {
        RequestRejected r = rejected(req(extra.strip()));
        assertThat(r.param()).as(r.getMessage()).isEqualTo(param.strip());
    }

    @Test
    void thinkingForbidsForcedToolChoice() {
        assertThat(rejected(req(TOOLS + ",\"tool_choice\":\"required\",\"reasoning_effort\":\"low\"")).param())
                .isEqualTo("tool_choice");
        assertThat(translate(req(TOOLS + ",\"reasoning_effort\":\"low\"")).at("/tool_choice/type").asText()).isEqualTo("auto");
    }

    @Test
    void neutralValuesAndParametersWithoutEffectOnGenerationAreAccepted() {
        ObjectNode body = translate(req("\"logprobs\":false,\"presence_penalty\":0,\"frequency_penalty\":0.0,\"logit_bias\":{},"
                + "\"seed\":null,\"n\":1,\"store\":true,\"metadata\":{\"k\":\"v\"},\"service_tier\":\"auto\","
                + "\"modalities\":[\"text\"],\"top_k\":40,\"safety_identifier\":\"hash-1\""));
        assertThat(body.get("top_k").asInt()).isEqualTo(40);
        assertThat(body.at("/metadata/user_id").asText()).as("safety_identifier identifies the end user").isEqualTo("hash-1");
        assertThat(body.has("store")).isFalse();
        assertThat(body.has("service_tier")).isFalse();
    }

    @Test
    void invalidToolCallArgumentsAreRejectedWithTheirPath() {
        String conversation = "{\"model\":\"anthropic/claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"toolu_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}},{\"id\":\"toolu_2\",\"type\":\"function\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"%s\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"toolu_1\",\"content\":\"a\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"toolu_2\",\"content\":\"b\"}]}";
        assertThat(rejected(conversation.formatted("{not json")).param()).isEqualTo("messages[1].tool_calls[1].function.arguments");
        assertThat(rejected(conversation.formatted("[1,2]")).param()).isEqualTo("messages[1].tool_calls[1].function.arguments");
        ObjectNode ok = translate(conversation.formatted(""));
        assertThat(ok.at("/messages/1/content/1/input")).as("blank arguments mean none").isEqualTo(Json.object());
        assertThat(ok.get("messages")).as("both tool results in one user turn").hasSize(3);
        assertThat(ok.at("/messages/2/content")).hasSize(2);
        assertThat(ok.at("/messages/2/content/1/tool_use_id").asText()).isEqualTo("toolu_2");
    }

    @Test
    void pdfFilesBecomeDocumentsAndOtherContentIsRejected() {
        String pdf = "{\"model\":\"anthropic/claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"summarise\"},{\"type\":\"file\",\"file\":{\"filename\":\"report.pdf\","
                + "\"file_data\":\"%s\"}}]}]}";
        ObjectNode body = translate(pdf.formatted("data:application/pdf;base64,JVBERi0xLjQK"));
        assertThat(body.at("/messages/0/content/1")).isEqualTo(json("{\"type\":\"document\",\"source\":{\"type\":\"base64\","
                + "\"media_type\":\"application/pdf\",\"data\":\"JVBERi0xLjQK\"},\"title\":\"report.pdf\"}"));
        assertThat(translate(pdf.formatted("JVBERi0xLjQK")).at("/messages/0/content/1/source/data").asText()).isEqualTo("JVBERi0xLjQK");
        assertThat(rejected(pdf.formatted("data:text/plain;base64,aGVsbG8=")).param()).isEqualTo("messages[0].content[1].file.file_data");
        assertThat(rejected(pdf.replace("\"filename\":\"report.pdf\",\"file_data\":\"%s\"", "\"file_id\":\"file-abc\"")).param())
                .isEqualTo("messages[0].content[1].file");

        String image = "{\"model\":\"anthropic/claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"%s\"}}]}]}";
        assertThat(rejected(image.formatted("http://example.com/a.png")).param()).isEqualTo("messages[0].content[0].image_url.url");
        assertThat(rejected(image.formatted("data:image/bmp;base64,Qk0=")).param()).isEqualTo("messages[0].content[0].image_url.url");
        assertThat(rejected("{\"model\":\"anthropic/claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"input_text\",\"text\":\"x\"}]}]}").param()).isEqualTo("messages[0].content[0].type");
        assertThat(rejected("{\"model\":\"anthropic/claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"name\":\"bob\","
                + "\"content\":\"x\"}]}").param()).isEqualTo("messages[0].name");
        assertThat(rejected("{\"model\":\"anthropic/claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},"
                + "{\"role\":\"function\",\"name\":\"f\",\"content\":\"y\"}]}").param()).isEqualTo("messages[1].role");
    }

    @Test
    void systemAndDeveloperMessagesBecomeSystemBlocksInOrderAndTurnsMerge() {
        ObjectNode body = translate("{\"model\":\"anthropic/claude-sonnet-4-5\",\"messages\":["
                + "{\"role\":\"system\",\"content\":\"A\"},{\"role\":\"user\",\"content\":\"one\"},"
                + "{\"role\":\"developer\",\"content\":\"B\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"two\"}]}]}");
        assertThat(body.get("system")).isEqualTo(json("[{\"type\":\"text\",\"text\":\"A\"},{\"type\":\"text\",\"text\":\"B\"}]"));
        assertThat(body.get("messages")).isEqualTo(json("[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"one\"},"
                + "{\"type\":\"text\",\"text\":\"two\"}]}]"));
    }

    // ---- cache breakpoints -------------------------------------------------------------------

    private static String longText() {
        return "stable context ".repeat(400); // 6,000 characters: about 1,500 tokens
    }

    @Test
    void zumikPlacesNoBreakpointsBelowTheMinimumPrefix() {
        ObjectNode body = translate("{\"model\":\"anthropic/claude-sonnet-4-5\",\"messages\":[{\"role\":\"system\",\"content\":\"short\"},"
                + "{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":\"b\"},{\"role\":\"user\",\"content\":\"c\"}]}");
        assertThat(Json.text(body)).doesNotContain("cache_control");
    }

    @Test
    void theMinimumPrefixComesFromTheModelsManifest() {
        // claude-haiku-4-5 caches from 2,048 tokens, so a ~1,500-token system prompt is not marked there.
        String conversation = "{\"model\":\"anthropic/%s\",\"messages\":[{\"role\":\"system\",\"content\":\"" + longText()
                + "\"},{\"role\":\"user\",\"content\":\"c\"}]}";
        assertThat(translate(conversation.formatted("claude-sonnet-4-5")).at("/system/0/cache_control/type").asText())
                .isEqualTo("ephemeral");
        assertThat(Json.text(translate(conversation.formatted("claude-haiku-4-5")))).doesNotContain("cache_control");
    }

    @Test
    void clientBreakpointsCountTowardsFourAndAreKept() {
        String part = "{\"type\":\"text\",\"text\":\"" + longText() + "\",\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}";
        String three = "{\"model\":\"anthropic/claude-sonnet-4-5\",\"cache_control\":{\"type\":\"ephemeral\"},\"messages\":["
                + "{\"role\":\"system\",\"content\":[" + part + "]},{\"role\":\"user\",\"content\":[" + part + "]},"
                + "{\"role\":\"assistant\",\"content\":\"ok\"},{\"role\":\"user\",\"content\":\"next\"}]}";
        ObjectNode body = translate(three);
        assertThat(body.get("cache_control")).isEqualTo(json("{\"type\":\"ephemeral\"}"));
        assertThat(body.at("/system/0/cache_control")).isEqualTo(json("{\"type\":\"ephemeral\",\"ttl\":\"1h\"}"));
        assertThat(body.at("/messages/0/content/0/cache_control/ttl").asText()).isEqualTo("1h");
        assertThat(body.at("/messages/1/content/0/cache_control/type").asText())
                .as("the fourth slot goes to the message before the final user turn").isEqualTo("ephemeral");
        assertThat(Json.text(body).split("\"cache_control\"", -1)).hasSize(5);

        String five = three.replace("{\"role\":\"assistant\",\"content\":\"ok\"}", "{\"role\":\"assistant\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"x\",\"cache_control\":{\"type\":\"ephemeral\"}},"
                + "{\"type\":\"text\",\"text\":\"y\",\"cache_control\":{\"type\":\"ephemeral\"}}]}");
        RequestRejected r = rejected(five);
        assertThat(r.param()).isEqualTo("messages[2].content[1].cache_control");
        assertThat(r.getMessage()).contains("at most 4");
        assertThat(rejected("{\"model\":\"anthropic/claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"x\",\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"2h\"}}]}]}").param())
                .isEqualTo("messages[0].content[0].cache_control.ttl");
    }

    // ---- thinking blocks across a tool turn ---------------------------------------------------

    private static final String TOOL_TURN = "{\"model\":\"anthropic/claude-sonnet-4-5\",\"reasoning_effort\":\"low\","
            + "\"messages\":[{\"role\":\"user\",\"content\":\"time?\"},{\"role\":\"assistant\",\"content\":null,\"tool_calls\":"
            + "[{\"id\":\"toolu_T1\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]},"
            + "{\"role\":\"tool\",\"tool_call_id\":\"toolu_T1\",\"content\":\"14:05\"}],"
            + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}]}";

    @Test
    void rememberedThinkingBlocksPrecedeTheToolUseTheyLedTo() {
        ObjectNode thinking = (ObjectNode) json("{\"type\":\"thinking\",\"thinking\":\"call it\",\"signature\":\"sig1\"}");
        ObjectNode redacted = (ObjectNode) json("{\"type\":\"redacted_thinking\",\"data\":\"opaque\"}");
        memory.remember(List.of("toolu_T1"), List.of(thinking, redacted));
        ObjectNode body = translate(TOOL_TURN);
        assertThat(body.at("/messages/1/content")).isEqualTo(json("[" + Json.text(thinking) + "," + Json.text(redacted)
                + ",{\"type\":\"tool_use\",\"id\":\"toolu_T1\",\"name\":\"get_time\",\"input\":{}}]"));
        assertThat(translate(TOOL_TURN.replace("\"reasoning_effort\":\"low\",", "")).at("/messages/1/content/0/type").asText())
                .as("without thinking the blocks are not sent").isEqualTo("tool_use");
    }

    @Test
    void aToolTurnWithoutItsThinkingBlocksIsRejectedWhileThinking() {
        RequestRejected r = rejected(TOOL_TURN);
        assertThat(r.param()).isEqualTo("messages[1].tool_calls");
        assertThat(r.code()).isEqualTo("thinking_blocks_unavailable");
        assertThat(r.getMessage()).contains("toolu_T1");
    }
}
