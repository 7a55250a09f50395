package ai.zumik.provider.anthropic;

import static ai.zumik.provider.anthropic.AnthropicFake.blockStop;
import static ai.zumik.provider.anthropic.AnthropicFake.messageEnd;
import static ai.zumik.provider.anthropic.AnthropicFake.messageStart;
import static ai.zumik.provider.anthropic.AnthropicFake.textDelta;
import static ai.zumik.provider.anthropic.AnthropicFake.textStart;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.SseClient;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A real Zumik whose Anthropic upstream is a {@link FakeProvider} speaking the Messages wire
 * format: raw HTTP, the SSE client and the official OpenAI Java SDK as clients.
 */
class AnthropicGatewayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "anthropic/claude-sonnet-4-5";
    private static final String KEY = "sk-ant-api03-test-key-1234567890";

    static FakeProvider anthropic;
    static TestGateway gw;
    static OpenAIClient sdk;

    @BeforeAll
    static void start() {
        anthropic = AnthropicFake.start();
        gw = TestGateway.start("ANTHROPIC_BASE_URL", anthropic.baseUrl(), "ANTHROPIC_API_KEY", KEY,
                // Circuits are not under test here: failure tests must not make the next test skip the target.
                "ZUMIK_CIRCUIT_OPEN_MS", "1");
        sdk = OpenAIOkHttpClient.builder().baseUrl(gw.url() + "/v1").apiKey(gw.adminKey()).maxRetries(0)
                .responseValidation(true).timeout(Duration.ofSeconds(20)).build();
    }

    @AfterAll
    static void stop() {
        sdk.close();
        gw.close();
        anthropic.close();
    }

    @BeforeEach
    void clean() {
        anthropic.reset();
    }

    private static JsonNode parse(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String chat(String extra) {
        return "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi there\"}]"
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    private static JsonNode usageEvent(String responseId) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            for (JsonNode e : parse(gw.get("/v2/usage").body()).get("data")) {
                if (e.get("response_id").asText().equals(responseId)) return e;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no usage event for " + responseId);
    }

    // ---- the wire ------------------------------------------------------------------------------

    @Test
    void nonStreamChatReachesMessagesWithAnthropicHeadersAndComesBackAsOpenAi() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("\"temperature\":0.25"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        FakeProvider.Received sent = anthropic.lastRequest();
        assertThat(sent.path()).isEqualTo("/v1/messages");
        assertThat(sent.headers().get("x-api-key")).isEqualTo(KEY);
        assertThat(sent.headers().get("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(sent.headers().get("content-type")).isEqualTo("application/json");
        assertThat(sent.headers().get("authorization")).isNull();
        JsonNode req = sent.json();
        assertThat(req.get("model").asText()).isEqualTo("claude-sonnet-4-5");
        assertThat(req.get("max_tokens").asInt()).isEqualTo(4096);
        assertThat(sent.body()).contains("\"temperature\":0.25");

        JsonNode body = parse(r.body());
        assertThat(body.at("/choices/0/message/content").asText()).isEqualTo("echo: hi there");
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(body.get("model").asText()).isEqualTo(MODEL);
        String rsp = r.headers().firstValue("agent-response-id").orElseThrow();
        assertThat(body.get("id").asText()).isEqualTo("chatcmpl-" + rsp);
        assertThat(r.headers().firstValue("agent-resolved-provider")).hasValue("anthropic");
        assertThat(r.headers().firstValue("agent-execution-mode")).hasValue("live");
        assertThat(body.at("/usage/total_tokens").asInt()).isEqualTo(18);
        assertThat(usageEvent(rsp).at("/usage/prompt_tokens").asLong()).isEqualTo(11);
    }

    @Test
    void streamedChatIsRelayedChunkByChunkWithUsageWhenAsked() throws Exception {
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions",
                chat("\"stream\":true,\"stream_options\":{\"include_usage\":true}"))) {
            assertThat(c.status).isEqualTo(200);
            List<SseClient.Event> events = c.all();
            assertThat(events.getLast().done()).isTrue();
            List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(SseClient.Event::json).toList();
            assertThat(chunks.getFirst().at("/choices/0/delta/role").asText()).isEqualTo("assistant");
            StringBuilder text = new StringBuilder();
            for (JsonNode ch : chunks) text.append(ch.at("/choices/0/delta/content").asText(""));
            assertThat(text.toString()).isEqualTo("echo: hi there");
            assertThat(chunks.get(chunks.size() - 2).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
            assertThat(chunks.getLast().get("choices")).isEmpty();
            assertThat(chunks.getLast().at("/usage/completion_tokens").asInt()).isEqualTo(7);
            assertThat(chunks).allSatisfy(ch -> assertThat(ch.get("model").asText()).isEqualTo(MODEL));
        }
        assertThat(anthropic.lastRequest().json().get("stream").asBoolean()).isTrue();
        assertThat(anthropic.lastRequest().headers().get("accept")).isEqualTo("text/event-stream");
    }

    @Test
    void aStreamWithoutIncludeUsageHasNoUsageChunkButIsStillMetered() throws Exception {
        String rsp;
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", chat("\"stream\":true"))) {
            rsp = c.header("agent-response-id");
            List<SseClient.Event> events = c.all();
            assertThat(events.subList(0, events.size() - 1)).allSatisfy(e -> {
                assertThat(e.json().get("choices")).isNotEmpty();
                assertThat(e.json().has("usage")).isFalse();
            });
        }
        JsonNode u = usageEvent(rsp);
        assertThat(u.at("/usage/prompt_tokens").asLong()).isEqualTo(11);
        assertThat(u.at("/usage/completion_tokens").asLong()).isEqualTo(7);
    }

    // ---- tools through the OpenAI SDK ----------------------------------------------------------

    private static FunctionDefinition function(String name, String param) {
        return FunctionDefinition.builder().name(name).parameters(FunctionParameters.builder()
                .putAdditionalProperty("type", JsonValue.from("object"))
                .putAdditionalProperty("properties", JsonValue.from(Map.of(param, Map.of("type", "string"))))
                .build()).build();
    }

    @Test
    void nonStreamToolCallIsParsedBySdkAndToolsReachAnthropic() throws Exception {
        anthropic.enqueue(AnthropicFake.message("[{\"type\":\"text\",\"text\":\"Let me look.\"},{\"type\":\"tool_use\","
                + "\"id\":\"toolu_01W\",\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}}]", "tool_use",
                "{\"input_tokens\":40,\"output_tokens\":12}"));
        ChatCompletion c = sdk.chat().completions().create(ChatCompletionCreateParams.builder().model(MODEL)
                .addUserMessage("weather in Paris?").addFunctionTool(function("get_weather", "city")).build());
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        assertThat(choice.message().content()).hasValue("Let me look.");
        ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().getFirst().asFunction();
        assertThat(call.id()).isEqualTo("toolu_01W");
        assertThat(JSON.readTree(call.function().arguments())).isEqualTo(JSON.readTree("{\"city\":\"Paris\"}"));
        JsonNode sent = anthropic.lastRequest().json();
        assertThat(sent.at("/tools/0/name").asText()).isEqualTo("get_weather");
        assertThat(sent.at("/tools/0/input_schema/properties/city/type").asText()).isEqualTo("string");
    }

    @Test
    void streamedParallelToolCallsAreReassembledBySdk() throws Exception {
        anthropic.enqueue(AnthropicFake.transcript("parallel-tools.sse"));
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model(MODEL).addUserMessage("weather and time in Paris?")
                        .addFunctionTool(function("get_weather", "city")).addFunctionTool(function("get_time", "tz"))
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(acc::accumulate);
        }
        ChatCompletion c = acc.chatCompletion();
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        assertThat(choice.message().content()).hasValue("I'll check both.");
        List<ChatCompletionMessageToolCall> calls = choice.message().toolCalls().orElseThrow();
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0).asFunction().id()).isEqualTo("toolu_01Weather");
        assertThat(JSON.readTree(calls.get(0).asFunction().function().arguments())).isEqualTo(JSON.readTree("{\"city\":\"Paris\"}"));
        assertThat(calls.get(1).asFunction().function().name()).isEqualTo("get_time");
        assertThat(JSON.readTree(calls.get(1).asFunction().function().arguments()))
                .isEqualTo(JSON.readTree("{\"tz\":\"Europe/Paris\"}"));
        assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(472 + 2048);
        assertThat(c.usage().orElseThrow().promptTokensDetails().orElseThrow().cachedTokens()).hasValue(2048L);
    }

    @Test
    void toolResultsGoBackAsOneUserTurnWithToolUseIds() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"" + MODEL + "\",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"weather and time?\"},{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
                + "{\"id\":\"toolu_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
                + "{\"id\":\"toolu_2\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"toolu_1\",\"content\":\"18C\"},{\"role\":\"tool\",\"tool_call_id\":\"toolu_2\","
                + "\"content\":\"14:05\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}},"
                + "{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode messages = anthropic.lastRequest().json().get("messages");
        assertThat(messages).hasSize(3);
        assertThat(messages.at("/1/content/0/input/city").asText()).isEqualTo("Paris");
        assertThat(messages.at("/2/role").asText()).isEqualTo("user");
        assertThat(messages.at("/2/content/0/tool_use_id").asText()).isEqualTo("toolu_1");
        assertThat(messages.at("/2/content/1/tool_use_id").asText()).isEqualTo("toolu_2");
    }

    // ---- JSON mode and stop reasons -----------------------------------------------------------

    private static final String SCHEMA = "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"weather_report\","
            + "\"schema\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"temp_c\":{\"type\":\"number\"}}}}}";

    @Test
    void jsonSchemaAnswersArePlainJsonContentStreamedAndNot() throws Exception {
        anthropic.enqueue(AnthropicFake.message("[{\"type\":\"tool_use\",\"id\":\"toolu_J\",\"name\":\"weather_report\","
                + "\"input\":{\"city\":\"Paris\",\"temp_c\":18}}]", "tool_use", "{\"input_tokens\":30,\"output_tokens\":9}"));
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat(SCHEMA));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = parse(r.body());
        assertThat(parse(body.at("/choices/0/message/content").asText())).isEqualTo(parse("{\"city\":\"Paris\",\"temp_c\":18}"));
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(body.at("/choices/0/message").has("tool_calls")).isFalse();
        assertThat(anthropic.lastRequest().json().get("tool_choice")).isEqualTo(parse("{\"type\":\"tool\",\"name\":\"weather_report\"}"));

        anthropic.enqueue(AnthropicFake.transcript("json-tool.sse"));
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", chat(SCHEMA + ",\"stream\":true"))) {
            List<SseClient.Event> events = c.all();
            StringBuilder text = new StringBuilder();
            for (SseClient.Event e : events.subList(0, events.size() - 1)) {
                text.append(e.json().at("/choices/0/delta/content").asText(""));
                assertThat(e.json().at("/choices/0/delta").has("tool_calls")).isFalse();
            }
            assertThat(parse(text.toString())).isEqualTo(parse("{\"city\":\"Paris\",\"temp_c\":18}"));
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"end_turn, stop", "max_tokens, length", "stop_sequence, stop", "refusal, content_filter", "tool_use, stop"})
    void stopReasonsReachTheClientAsFinishReasons(String stopReason, String finish) {
        anthropic.enqueue(AnthropicFake.message("[{\"type\":\"text\",\"text\":\"x\"}]", stopReason,
                "{\"input_tokens\":1,\"output_tokens\":1}"));
        assertThat(parse(gw.post("/v1/chat/completions", chat("")).body()).at("/choices/0/finish_reason").asText()).isEqualTo(finish);
        anthropic.enqueue(Script.sse(Script.raw(messageStart("{\"input_tokens\":1,\"output_tokens\":1}") + textStart(0)
                + textDelta(0, "x") + blockStop(0) + messageEnd(stopReason, "{\"output_tokens\":2}"))));
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", chat("\"stream\":true"))) {
            List<SseClient.Event> events = c.all();
            assertThat(events.get(events.size() - 2).json().at("/choices/0/finish_reason").asText()).isEqualTo(finish);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ---- extended thinking across a tool turn ---------------------------------------------------

    private static String continuation(String toolUseId) {
        return "{\"model\":\"" + MODEL + "\",\"reasoning_effort\":\"low\",\"messages\":[{\"role\":\"user\",\"content\":\"time?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"" + toolUseId + "\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"" + toolUseId
                + "\",\"content\":\"14:05\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}]}";
    }

    @Test
    void thinkingBlocksOfAToolTurnAreSentBackWhenTheClientContinuesIt() throws Exception {
        anthropic.enqueue(AnthropicFake.transcript("thinking-tool.sse"));
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", "{\"model\":\"" + MODEL + "\",\"stream\":true,"
                + "\"reasoning_effort\":\"low\",\"messages\":[{\"role\":\"user\",\"content\":\"time?\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}]}")) {
            List<SseClient.Event> events = c.all();
            assertThat(events.getLast().done()).isTrue();
            assertThat(events).noneSatisfy(e -> assertThat(e.data()).contains("The user wants"));
        }
        JsonNode first = anthropic.lastRequest().json();
        assertThat(first.get("thinking")).isEqualTo(parse("{\"type\":\"enabled\",\"budget_tokens\":4096}"));
        assertThat(first.get("max_tokens").asInt()).isEqualTo(4096 + 4096);

        HttpResponse<String> r = gw.post("/v1/chat/completions", continuation("toolu_01Clock"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode assistant = anthropic.lastRequest().json().at("/messages/1/content");
        assertThat(assistant.get(0)).isEqualTo(parse("{\"type\":\"thinking\",\"thinking\":\"The user wants the time. "
                + "I should call get_time.\",\"signature\":\"EqQBCgIYAhIM1gbcDa9GJwZA2b3h\"}"));
        assertThat(assistant.get(1).get("type").asText()).isEqualTo("redacted_thinking");
        assertThat(assistant.get(2).get("type").asText()).isEqualTo("tool_use");

        int before = anthropic.requests().size();
        HttpResponse<String> unknown = gw.post("/v1/chat/completions", continuation("toolu_01NeverSeen"));
        assertThat(unknown.statusCode()).isEqualTo(400);
        JsonNode err = parse(unknown.body()).get("error");
        assertThat(err.get("param").asText()).isEqualTo("messages[1].tool_calls");
        assertThat(err.get("code").asText()).isEqualTo("thinking_blocks_unavailable");
        assertThat(anthropic.requests()).as("nothing Anthropic would refuse is sent").hasSize(before);
    }

    // ---- prompt caching ----------------------------------------------------------------------

    @Test
    void zumikPlacesBreakpointsAndBillsCacheWritesThenReads() throws Exception {
        String system = "You follow the agency's long handbook. ".repeat(150); // ~5,700 characters: past 1,024 tokens
        String body = "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"system\",\"content\":\"" + system + "\"},"
                + "{\"role\":\"user\",\"content\":\"first question\"},{\"role\":\"assistant\",\"content\":\"first answer\"},"
                + "{\"role\":\"user\",\"content\":\"second question\"}]}";
        anthropic.enqueue(AnthropicFake.message("[{\"type\":\"text\",\"text\":\"a\"}]", "end_turn",
                "{\"input_tokens\":12,\"cache_creation_input_tokens\":1450,\"cache_read_input_tokens\":0,\"output_tokens\":3}"));
        anthropic.enqueue(AnthropicFake.message("[{\"type\":\"text\",\"text\":\"b\"}]", "end_turn",
                "{\"input_tokens\":12,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":1450,\"output_tokens\":3}"));

        HttpResponse<String> first = gw.post("/v1/chat/completions", body);
        HttpResponse<String> second = gw.post("/v1/chat/completions", body);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(second.statusCode()).isEqualTo(200);

        for (FakeProvider.Received sent : anthropic.requests()) {
            JsonNode req = sent.json();
            assertThat(req.at("/system/0/cache_control")).isEqualTo(parse("{\"type\":\"ephemeral\"}"));
            assertThat(req.at("/messages/1/role").asText()).isEqualTo("assistant");
            assertThat(req.at("/messages/1/content/0/cache_control")).isEqualTo(parse("{\"type\":\"ephemeral\"}"));
            assertThat(req.at("/messages/2/content/0").has("cache_control")).as("the final user turn is not cached").isFalse();
        }

        JsonNode firstBody = parse(first.body());
        assertThat(firstBody.at("/usage/prompt_tokens").asLong()).isEqualTo(1462);
        assertThat(firstBody.at("/usage/prompt_tokens_details/cached_tokens").asLong()).isZero();
        JsonNode secondBody = parse(second.body());
        assertThat(secondBody.at("/usage/prompt_tokens").asLong()).isEqualTo(1462);
        assertThat(secondBody.at("/usage/prompt_tokens_details/cached_tokens").asLong()).isEqualTo(1450);

        JsonNode firstEvent = usageEvent(first.headers().firstValue("agent-response-id").orElseThrow());
        assertThat(firstEvent.at("/usage/cache_write_tokens").asLong()).isEqualTo(1450);
        assertThat(firstEvent.at("/usage/cached_tokens").asLong()).isZero();
        JsonNode secondEvent = usageEvent(second.headers().firstValue("agent-response-id").orElseThrow());
        assertThat(secondEvent.at("/usage/cached_tokens").asLong()).isEqualTo(1450);
        assertThat(secondEvent.at("/usage/cache_write_tokens").asLong()).isZero();
        assertThat(secondEvent.at("/usage/prompt_tokens").asLong()).isEqualTo(1462);
    }

    @Test
    void clientCacheControlOnContentPartsIsKept() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"a document\",\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}},"
                + "{\"type\":\"text\",\"text\":\"question\"}]}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode sent = anthropic.lastRequest().json();
        assertThat(sent.at("/messages/0/content/0/cache_control")).isEqualTo(parse("{\"type\":\"ephemeral\",\"ttl\":\"1h\"}"));
        assertThat(sent.at("/messages/0/content/1").has("cache_control")).isFalse();
    }

    // ---- errors ------------------------------------------------------------------------------

    @Test
    void rateLimitKeepsRetryAfter() {
        // Its own gateway: honouring the Retry-After takes the target out of rotation for 23 s.
        try (TestGateway own = TestGateway.start("ANTHROPIC_BASE_URL", anthropic.baseUrl(), "ANTHROPIC_API_KEY", KEY)) {
            anthropic.enqueue(AnthropicFake.error(429, "rate_limit_error", "Number of requests has exceeded your rate limit",
                    "retry-after", "23"));
            HttpResponse<String> r = own.post("/v1/chat/completions", chat(""));
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(parse(r.body()).at("/error/code").asText()).isEqualTo("provider_rate_limited");
            assertThat(r.headers().firstValue("retry-after")).hasValue("23");
        }
    }

    @Test
    void overloadIsA503ProviderOverloaded() {
        // An overload without Retry-After is retried once on the only target; a persistent one is a 503.
        anthropic.enqueue(AnthropicFake.error(529, "overloaded_error", "Overloaded"),
                AnthropicFake.error(529, "overloaded_error", "Overloaded"));
        int before = anthropic.requests().size();
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat(""));
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(anthropic.requests().size() - before).isEqualTo(2);
        assertThat(parse(r.body()).at("/error/code").asText()).isEqualTo("provider_overloaded");
    }

    @Test
    void anInvalidRequestKeepsAnthropicsScrubbedMessage() {
        anthropic.enqueue(AnthropicFake.error(400, "invalid_request_error",
                "messages.0.content.0.image.source.base64: image exceeds 5 MB maximum"));
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat(""));
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode err = parse(r.body()).get("error");
        assertThat(err.get("message").asText()).isEqualTo("messages.0.content.0.image.source.base64: image exceeds 5 MB maximum");
        assertThat(err.get("code").asText()).isEqualTo("upstream_rejected_request");
        assertThat(err.get("type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void anOverloadedErrorEventBeforeContentIsAnOrdinaryErrorResponse() {
        anthropic.enqueue(AnthropicFake.transcript("overloaded-before-content.sse"),
                AnthropicFake.transcript("overloaded-before-content.sse"));
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("\"stream\":true"));
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("content-type").orElseThrow()).startsWith("application/json");
        assertThat(parse(r.body()).at("/error/code").asText()).isEqualTo("provider_overloaded");
    }

    @Test
    void anErrorEventAfterContentEndsTheStreamWithAnInBandError() throws Exception {
        anthropic.enqueue(AnthropicFake.transcript("error-after-content.sse", "event: error", 150));
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", chat("\"stream\":true"))) {
            assertThat(c.status).isEqualTo(200);
            List<SseClient.Event> events = c.all();
            assertThat(events.getFirst().json().at("/choices/0/delta/role").asText()).isEqualTo("assistant");
            assertThat(events.getLast().json().at("/error/code").asText()).isEqualTo("stream_interrupted");
            assertThat(events).noneSatisfy(e -> assertThat(e.done()).isTrue());
        }
    }

    @Test
    void aStreamCutBeforeMessageStopEndsWithAnInBandError() throws Exception {
        anthropic.enqueue(Script.sse(Script.raw(messageStart("{\"input_tokens\":5,\"output_tokens\":1}") + textStart(0)
                + textDelta(0, "partial")), new Script.Delay(150), new Script.Cut()));
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", chat("\"stream\":true"))) {
            List<SseClient.Event> events = c.all();
            assertThat(events.get(events.size() - 2).json().at("/choices/0/delta/content").asText()).isEqualTo("partial");
            assertThat(events.getLast().json().at("/error/code").asText()).isEqualTo("stream_interrupted");
        }
        // Cleanly closed, but without message_stop: still not a finished answer.
        anthropic.enqueue(Script.sse(Script.raw(messageStart("{\"input_tokens\":5,\"output_tokens\":1}") + textStart(0)
                + textDelta(0, "partial") + blockStop(0)), new Script.Delay(150)));
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", chat("\"stream\":true"))) {
            assertThat(c.all().getLast().json().at("/error/code").asText()).isEqualTo("stream_interrupted");
        }
    }

    @Test
    void utf8SplitAcrossTcpWritesIsReassembled() throws Exception {
        // Split inside "é" (2 bytes) and inside the globe (4 bytes): each write ends mid-character.
        List<Script.Step> steps = new java.util.ArrayList<>();
        steps.add(Script.raw(messageStart("{\"input_tokens\":5,\"output_tokens\":1}") + textStart(0)));
        steps.addAll(Script.splitInside(textDelta(0, "héllo 🌍 wörld").getBytes(StandardCharsets.UTF_8), 20, "é", "🌍"));
        steps.add(Script.raw(blockStop(0) + messageEnd("end_turn", "{\"output_tokens\":6}")));
        anthropic.enqueue(Script.sse(steps.toArray(Script.Step[]::new)));
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", chat("\"stream\":true"))) {
            StringBuilder text = new StringBuilder();
            List<SseClient.Event> events = c.all();
            for (SseClient.Event e : events.subList(0, events.size() - 1)) text.append(e.json().at("/choices/0/delta/content").asText(""));
            assertThat(text.toString()).isEqualTo("héllo 🌍 wörld");
        }
    }

    // ---- what Anthropic cannot do --------------------------------------------------------------

    @Test
    void untranslatableRequestsAre400sNamingTheParamAndNothingIsSent() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", chat("\"temperature\":1.5"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(parse(r.body()).at("/error/param").asText()).isEqualTo("temperature");
        r = gw.post("/v1/chat/completions", chat("\"n\":2"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(parse(r.body()).at("/error/param").asText()).isEqualTo("n");
        r = gw.post("/v1/chat/completions", chat("\"x_vendor_flag\":true"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(parse(r.body()).at("/error/param").asText()).isEqualTo("x_vendor_flag");
        assertThat(anthropic.requests()).isEmpty();
    }

    @Test
    void embeddingsWithAnAnthropicModelAre400NamingModel() {
        HttpResponse<String> r = gw.post("/v1/embeddings", "{\"model\":\"" + MODEL + "\",\"input\":\"hello\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(parse(r.body()).at("/error/param").asText()).isEqualTo("model");
        assertThat(anthropic.requests()).isEmpty();
    }
}
