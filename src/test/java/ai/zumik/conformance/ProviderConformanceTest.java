package ai.zumik.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.zumik.conformance.ProviderDialect.Call;
import ai.zumik.conformance.ProviderDialect.Tokens;
import ai.zumik.testing.Script;
import ai.zumik.testing.SseClient;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One behaviour suite, every provider: each check runs through a real gateway's
 * {@code /v1/chat/completions} against a fake of each provider speaking that provider's own wire
 * format (the {@link ProviderDialect}s), and asserts the same OpenAI-shaped outcome. A check a
 * provider cannot honour says so explicitly (an assumption, or a precise 400), never silently.
 * Each provider gets one gateway for the whole suite, started on first use; Retry-After checks use
 * a second model so the cool-down they cause leaves the other checks alone.
 */
class ProviderConformanceTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Runs a check once per provider. */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @ParameterizedTest(name = "{0}")
    @MethodSource("ai.zumik.conformance.ProviderConformanceTest#providers")
    @interface EachProvider {}

    private static final Map<String, Supplier<ProviderDialect>> DIALECTS = new LinkedHashMap<>();

    static {
        DIALECTS.put("openai", OpenAiDialect::new);
        DIALECTS.put("anthropic", AnthropicDialect::new);
        DIALECTS.put("gemini", GeminiDialect::new);
        DIALECTS.put("xai", XaiDialect::new);
        DIALECTS.put("fireworks", FireworksDialect::new);
    }

    record Setup(ProviderDialect dialect, TestGateway gw) {
        String model() {
            return dialect.model();
        }

        ai.zumik.testing.FakeProvider fake() {
            return dialect.fake();
        }
    }

    private static final Map<String, Setup> SETUPS = new HashMap<>();

    static Stream<String> providers() {
        return DIALECTS.keySet().stream();
    }

    static synchronized Setup setup(String provider) {
        return SETUPS.computeIfAbsent(provider, p -> {
            ProviderDialect d = DIALECTS.get(p).get();
            Map<String, String> env = new HashMap<>(d.env());
            // Circuits are not under test: an error check must not make the next check skip the target.
            env.put("ZUMIK_CIRCUIT_OPEN_MS", "1");
            return new Setup(d, TestGateway.start(env));
        });
    }

    @AfterAll
    static synchronized void stop() {
        for (Setup s : SETUPS.values()) {
            s.gw().close();
            s.dialect().close();
        }
        SETUPS.clear();
    }

    @BeforeEach
    void clean() {
        SETUPS.values().forEach(s -> s.fake().reset());
    }

    // ---- the scenario's shared vocabulary ----------------------------------------------------

    static final Call WEATHER = new Call("call_weather01", "get_weather", "{\"city\":\"Paris\",\"unit\":\"c\"}");
    static final Call TIME = new Call("call_time02", "get_time", "{\"tz\":\"Europe/Paris\"}");
    static final String SCHEMA_NAME = "weather_report";
    static final String JSON_ANSWER = "{\"city\":\"Paris\",\"temp_c\":18}";
    static final Tokens CACHED = new Tokens(2006, 1920, 50, 40);

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    /** {@code s} in three pieces, as a provider streams arguments. */
    static List<String> thirds(String s) {
        int a = s.length() / 3;
        int b = 2 * s.length() / 3;
        return List.of(s.substring(0, a), s.substring(a, b), s.substring(b));
    }

    private static ObjectNode request(Setup s, String... userTexts) {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", s.model());
        ArrayNode messages = body.putArray("messages");
        for (String t : userTexts) messages.addObject().put("role", "user").put("content", t);
        return body;
    }

    private static ObjectNode streaming(ObjectNode body) {
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        return body;
    }

    private static void addTools(ObjectNode body) {
        ArrayNode tools = body.putArray("tools");
        ObjectNode w = tools.addObject().put("type", "function").putObject("function");
        w.put("name", "get_weather").put("description", "Weather for a city");
        ObjectNode wp = w.putObject("parameters").put("type", "object");
        wp.putObject("properties").putObject("city").put("type", "string");
        ((ObjectNode) wp.get("properties")).putObject("unit").put("type", "string");
        wp.putArray("required").add("city");
        ObjectNode t = tools.addObject().put("type", "function").putObject("function");
        t.put("name", "get_time").put("description", "Local time in a time zone");
        ObjectNode tp = t.putObject("parameters").put("type", "object");
        tp.putObject("properties").putObject("tz").put("type", "string");
        tp.putArray("required").add("tz");
    }

    private static HttpResponse<String> post(Setup s, ObjectNode body) {
        return s.gw().post("/v1/chat/completions", body.toString());
    }

    private static JsonNode ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return parse(r.body());
    }

    /** A streamed answer as the client received it. */
    record Streamed(List<SseClient.Event> events) {
        List<JsonNode> chunks() {
            return events.stream().filter(e -> !e.done()).map(SseClient.Event::json).toList();
        }

        boolean done() {
            return !events.isEmpty() && events.getLast().done();
        }

        String content() {
            StringBuilder sb = new StringBuilder();
            for (JsonNode c : chunks()) for (JsonNode ch : c.path("choices")) sb.append(ch.at("/delta/content").asText(""));
            return sb.toString();
        }

        List<String> finishReasons() {
            List<String> out = new ArrayList<>();
            for (JsonNode c : chunks()) {
                for (JsonNode ch : c.path("choices")) if (ch.hasNonNull("finish_reason")) out.add(ch.get("finish_reason").asText());
            }
            return out;
        }

        /** The final {@code choices: []} chunk's usage. */
        JsonNode usage() {
            JsonNode last = chunks().getLast();
            assertThat(last.get("choices")).as("usage rides on its own final chunk: %s", last).isEmpty();
            return last.get("usage");
        }
    }

    private static Streamed stream(Setup s, ObjectNode body) throws IOException {
        try (SseClient c = SseClient.post(s.gw(), "/v1/chat/completions", body.toString())) {
            assertThat(c.status).isEqualTo(200);
            return new Streamed(c.all());
        }
    }

    private static OpenAIClient sdk(Setup s) {
        return OpenAIOkHttpClient.builder().baseUrl(s.gw().url() + "/v1").apiKey(s.gw().adminKey())
                .maxRetries(0).responseValidation(true).timeout(Duration.ofSeconds(20)).build();
    }

    // ---- text --------------------------------------------------------------------------------

    @EachProvider
    void plainTextIsAnOpenAiCompletionTheSdkAccepts(String provider) {
        Setup s = setup(provider);
        s.fake().enqueue(s.dialect().text("Hello, world."));
        OpenAIClient client = sdk(s);
        try {
            ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
                    .model(s.model()).addUserMessage("Say hello.").build());
            assertThat(c.choices()).hasSize(1);
            assertThat(c.choices().getFirst().message().content()).hasValue("Hello, world.");
            assertThat(c.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
            assertThat(c.model()).isEqualTo(s.model());
            var u = c.usage().orElseThrow();
            assertThat(List.of(u.promptTokens(), u.completionTokens(), u.totalTokens())).containsExactly(12L, 5L, 17L);
        } finally {
            client.close();
        }
    }

    @EachProvider
    void streamedTextArrivesInPiecesAndEndsWithUsageAndDone(String provider) throws IOException {
        Setup s = setup(provider);
        s.fake().enqueue(s.dialect().streamText(List.of("Hel", "lo, ", "world.")));
        Streamed r = stream(s, streaming(request(s, "Say hello.")));
        assertThat(r.done()).isTrue();
        assertThat(r.content()).isEqualTo("Hello, world.");
        assertThat(r.finishReasons()).containsExactly("stop");
        assertThat(r.chunks()).allSatisfy(c -> {
            assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(c.get("model").asText()).isEqualTo(s.model());
        });
        assertThat(r.chunks().stream().map(c -> c.get("id").asText()).distinct()).hasSize(1);
        assertThat(r.chunks().subList(0, r.chunks().size() - 1))
                .as("only the final chunk carries usage").allSatisfy(c -> assertThat(c.path("usage").isNull()
                        || c.path("usage").isMissingNode()).as("%s", c).isTrue());
        JsonNode u = r.usage();
        assertThat(u.get("prompt_tokens").asLong()).isEqualTo(12);
        assertThat(u.get("completion_tokens").asLong()).isEqualTo(5);
    }

    // ---- tools -------------------------------------------------------------------------------

    /**
     * system, user, assistant with two calls, two tool results, assistant, user: the upstream
     * request must pair every result with its call in the provider's own terms.
     */
    @EachProvider
    void sixTurnConversationWithToolResultsIsTranslatedUpstream(String provider) {
        Setup s = setup(provider);
        List<String> results = List.of("18C, sunny", "14:05");
        ObjectNode body = JSON.createObjectNode().put("model", s.model());
        ArrayNode m = body.putArray("messages");
        m.addObject().put("role", "system").put("content", "You are terse.");
        m.addObject().put("role", "user").put("content", "Weather and time in Paris?");
        ObjectNode assistant = m.addObject().put("role", "assistant");
        assistant.putNull("content");
        ArrayNode tcs = assistant.putArray("tool_calls");
        for (Call c : List.of(WEATHER, TIME)) {
            ObjectNode tc = tcs.addObject().put("id", c.id()).put("type", "function");
            tc.putObject("function").put("name", c.name()).put("arguments", c.arguments());
        }
        m.addObject().put("role", "tool").put("tool_call_id", WEATHER.id()).put("content", results.get(0));
        m.addObject().put("role", "tool").put("tool_call_id", TIME.id()).put("content", results.get(1));
        m.addObject().put("role", "assistant").put("content", "18C and sunny; it is 14:05.");
        m.addObject().put("role", "user").put("content", "And tomorrow?");
        addTools(body);
        s.fake().enqueue(s.dialect().text("Cooler, 15C."));

        JsonNode r = ok(post(s, body));
        assertThat(r.at("/choices/0/message/content").asText()).isEqualTo("Cooler, 15C.");
        s.dialect().assertToolTurns(s.fake().lastRequest().json(), List.of(WEATHER, TIME), results);
    }

    @EachProvider
    void oneToolCall(String provider) {
        Setup s = setup(provider);
        s.fake().enqueue(s.dialect().toolCalls(List.of(WEATHER)));
        ObjectNode body = request(s, "Weather in Paris?");
        addTools(body);
        JsonNode r = ok(post(s, body));
        JsonNode choice = r.at("/choices/0");
        assertThat(choice.get("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(choice.at("/message/content").isNull()).isTrue();
        JsonNode calls = choice.at("/message/tool_calls");
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0).get("id").asText()).isNotBlank();
        assertThat(calls.get(0).get("type").asText()).isEqualTo("function");
        assertThat(calls.get(0).at("/function/name").asText()).isEqualTo("get_weather");
        assertThat(parse(calls.get(0).at("/function/arguments").asText())).isEqualTo(parse(WEATHER.arguments()));
    }

    @EachProvider
    void parallelStreamedToolCallsAreReassembledByTheSdk(String provider) {
        Setup s = setup(provider);
        s.fake().enqueue(s.dialect().streamToolCalls(List.of(WEATHER, TIME)));
        OpenAIClient client = sdk(s);
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model(s.model()).addUserMessage("Weather and time in Paris?")
                        .addFunctionTool(sdkTool("get_weather", "city")).addFunctionTool(sdkTool("get_time", "tz"))
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(acc::accumulate);
        } finally {
            client.close();
        }
        ChatCompletion c = acc.chatCompletion();
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        List<ChatCompletionMessageToolCall> calls = choice.message().toolCalls().orElseThrow();
        assertThat(calls).hasSize(2);
        List<Call> expected = List.of(WEATHER, TIME);
        for (int i = 0; i < 2; i++) {
            var f = calls.get(i).asFunction();
            assertThat(f.id()).isNotBlank();
            assertThat(f.function().name()).isEqualTo(expected.get(i).name());
            assertThat(parse(f.function().arguments())).isEqualTo(parse(expected.get(i).arguments()));
        }
        assertThat(calls.get(0).asFunction().id()).isNotEqualTo(calls.get(1).asFunction().id());
        assertThat(c.usage().orElseThrow().totalTokens()).isEqualTo(17);
    }

    private static FunctionDefinition sdkTool(String name, String param) {
        return FunctionDefinition.builder().name(name).parameters(com.openai.models.FunctionParameters.builder()
                .putAdditionalProperty("type", JsonValue.from("object"))
                .putAdditionalProperty("properties", JsonValue.from(Map.of(param, Map.of("type", "string"))))
                .putAdditionalProperty("required", JsonValue.from(List.of(param))).build()).build();
    }

    @EachProvider
    void toolCallArgumentsStreamInFragments(String provider) throws IOException {
        Setup s = setup(provider);
        assumeTrue(s.dialect().streamsArgumentFragments(), provider + " sends each call whole, not in fragments");
        s.fake().enqueue(s.dialect().streamToolCalls(List.of(WEATHER)));
        ObjectNode body = streaming(request(s, "Weather in Paris?"));
        addTools(body);
        Streamed r = stream(s, body);
        List<String> fragments = new ArrayList<>();
        for (JsonNode c : r.chunks()) {
            for (JsonNode tc : c.at("/choices/0/delta/tool_calls")) {
                String a = tc.at("/function/arguments").asText("");
                if (!a.isEmpty()) fragments.add(a);
            }
        }
        assertThat(fragments).as("arguments are relayed as they arrive, not buffered").hasSizeGreaterThan(1);
        assertThat(parse(String.join("", fragments))).isEqualTo(parse(WEATHER.arguments()));
        assertThat(r.finishReasons()).containsExactly("tool_calls");
    }

    // ---- structured output -------------------------------------------------------------------

    private static ObjectNode jsonSchemaRequest(Setup s) {
        ObjectNode body = request(s, "Weather report for Paris as JSON.");
        ObjectNode js = body.putObject("response_format").put("type", "json_schema").putObject("json_schema");
        js.put("name", SCHEMA_NAME).put("strict", true);
        ObjectNode schema = js.putObject("schema").put("type", "object");
        ObjectNode props = schema.putObject("properties");
        props.putObject("city").put("type", "string");
        props.putObject("temp_c").put("type", "integer");
        schema.putArray("required").add("city").add("temp_c");
        schema.put("additionalProperties", false);
        return body;
    }

    @EachProvider
    void jsonSchemaOutput(String provider) {
        Setup s = setup(provider);
        s.fake().enqueue(s.dialect().json(SCHEMA_NAME, JSON_ANSWER, false));
        JsonNode r = ok(post(s, jsonSchemaRequest(s)));
        assertThat(parse(r.at("/choices/0/message/content").asText())).isEqualTo(parse(JSON_ANSWER));
        assertThat(r.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(r.at("/choices/0/message/tool_calls").isMissingNode() || r.at("/choices/0/message/tool_calls").isEmpty())
                .isTrue();
        s.dialect().assertJsonSchemaRequested(s.fake().lastRequest().json(), SCHEMA_NAME);
    }

    @EachProvider
    void jsonSchemaOutputStreamed(String provider) throws IOException {
        Setup s = setup(provider);
        s.fake().enqueue(s.dialect().json(SCHEMA_NAME, JSON_ANSWER, true));
        Streamed r = stream(s, streaming(jsonSchemaRequest(s)));
        assertThat(r.done()).isTrue();
        assertThat(parse(r.content())).isEqualTo(parse(JSON_ANSWER));
        assertThat(r.finishReasons()).containsExactly("stop");
    }

    // ---- finish reasons ----------------------------------------------------------------------

    static Stream<Arguments> finishReasons() {
        return providers().flatMap(p -> Stream.of("stop", "length", "tool_calls", "content_filter")
                .map(reason -> Arguments.of(p, reason)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("finishReasons")
    void everyFinishReasonIsReportedInOpenAiTerms(String provider, String reason) throws IOException {
        Setup s = setup(provider);
        s.fake().enqueue(s.dialect().finish(reason, WEATHER, false), s.dialect().finish(reason, WEATHER, true));
        ObjectNode body = request(s, "Weather in Paris?");
        addTools(body);
        if (reason.equals("length")) body.put("max_completion_tokens", 3);
        JsonNode r = ok(post(s, body));
        assertThat(r.at("/choices/0/finish_reason").asText()).isEqualTo(reason);

        Streamed streamed = stream(s, streaming(body));
        assertThat(streamed.done()).isTrue();
        assertThat(streamed.finishReasons()).containsExactly(reason);
    }

    // ---- usage -------------------------------------------------------------------------------

    /** prompt_tokens includes cached tokens; completion_tokens includes reasoning; /v2/usage agrees. */
    private static void assertCachedUsage(JsonNode u) {
        assertThat(u.get("prompt_tokens").asLong()).isEqualTo(CACHED.prompt());
        assertThat(u.at("/prompt_tokens_details/cached_tokens").asLong()).isEqualTo(CACHED.cached());
        assertThat(u.get("completion_tokens").asLong()).isEqualTo(CACHED.completion());
        assertThat(u.get("total_tokens").asLong()).isEqualTo(CACHED.prompt() + CACHED.completion());
    }

    private static void assertMetered(Setup s, String responseId) {
        JsonNode usage = ok(s.gw().get("/v2/usage?limit=100"));
        JsonNode event = null;
        for (JsonNode e : usage.get("data")) if (e.get("response_id").asText().equals(responseId)) event = e;
        assertThat(event).as("usage event of %s", responseId).isNotNull();
        assertThat(event.at("/usage/prompt_tokens").asLong()).isEqualTo(CACHED.prompt());
        assertThat(event.at("/usage/cached_tokens").asLong()).isEqualTo(CACHED.cached());
        assertThat(event.at("/usage/completion_tokens").asLong()).isEqualTo(CACHED.completion());
    }

    @EachProvider
    void cachedTokensAreReportedToTheClientAndMetered(String provider) throws IOException {
        Setup s = setup(provider);
        s.fake().enqueue(s.dialect().usage(CACHED, false));
        HttpResponse<String> r = post(s, request(s, "Summarise the long document above."));
        assertCachedUsage(ok(r).get("usage"));
        assertMetered(s, r.headers().firstValue("agent-response-id").orElseThrow());
    }

    @EachProvider
    void cachedTokensAreReportedOnTheFinalStreamChunkAndMetered(String provider) throws IOException {
        Setup s = setup(provider);
        s.fake().enqueue(s.dialect().usage(CACHED, true));
        try (SseClient c = SseClient.post(s.gw(), "/v1/chat/completions",
                streaming(request(s, "Summarise the long document above.")).toString())) {
            Streamed r = new Streamed(c.all());
            assertThat(r.done()).isTrue();
            assertCachedUsage(r.usage());
            assertMetered(s, c.header("agent-response-id"));
        }
    }

    // ---- errors ------------------------------------------------------------------------------

    private static JsonNode error(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return parse(r.body()).get("error");
    }

    @EachProvider
    void invalidRequestIsA400KeepingTheProvidersMessage(String provider) {
        Setup s = setup(provider);
        String message = "Invalid 'messages[0].name': string does not match pattern.";
        s.fake().enqueue(s.dialect().badRequest(message));
        JsonNode e = error(post(s, request(s, "hi")), 400);
        assertThat(e.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(e.get("message").asText()).contains(message);
        assertThat(s.fake().requests()).as("a bad request is not retried").hasSize(1);
    }

    @EachProvider
    void aRefusedCredentialIsA502ProviderAuthFailed(String provider) {
        Setup s = setup(provider);
        s.fake().enqueue(s.dialect().authFailure());
        JsonNode e = error(post(s, request(s, "hi")), 502);
        assertThat(e.get("code").asText()).isEqualTo("provider_auth_failed");
        assertThat(e.get("type").asText()).isEqualTo("api_error");
        assertThat(e.get("message").asText()).contains("credential");
    }

    @EachProvider
    void aRateLimitIsA429KeepingRetryAfter(String provider) {
        Setup s = setup(provider);
        s.fake().enqueue(s.dialect().rateLimited(7));
        ObjectNode body = request(s, "hi").put("model", s.dialect().rateLimitedModel());
        HttpResponse<String> r = post(s, body);
        JsonNode e = error(r, 429);
        assertThat(e.get("code").asText()).isEqualTo("provider_rate_limited");
        assertThat(r.headers().firstValue("retry-after")).hasValue("7");
        assertThat(s.fake().requests()).hasSize(1);
    }

    @EachProvider
    void aServerErrorIsRetriedOnceThenA502(String provider) {
        Setup s = setup(provider);
        s.fake().enqueue(s.dialect().serverError(), s.dialect().serverError());
        JsonNode e = error(post(s, request(s, "hi")), 502);
        assertThat(e.get("code").asText()).isEqualTo("provider_error");
        assertThat(s.fake().requests()).hasSize(2);
    }

    @EachProvider
    void anOverloadIsRetriedOnceThenA503(String provider) {
        Setup s = setup(provider);
        s.fake().enqueue(s.dialect().overloaded(), s.dialect().overloaded());
        JsonNode e = error(post(s, request(s, "hi")), 503);
        assertThat(e.get("code").asText()).isEqualTo("provider_overloaded");
        assertThat(s.fake().requests()).hasSize(2);
    }

    // ---- bytes on the wire -------------------------------------------------------------------

    /**
     * The provider's stream rewritten as three TCP writes that split "ü" (2 bytes) and "🙂"
     * (4 bytes) down the middle: the client must still see every character intact.
     */
    @EachProvider
    void aMultibyteCharacterSplitAcrossTcpWritesArrivesIntact(String provider) throws IOException {
        Setup s = setup(provider);
        Script.Stream whole = (Script.Stream) s.dialect().streamText(List.of("Grüße ", "🙂", " fin"));
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Script.Step step : whole.steps()) all.write(((Script.Bytes) step).bytes());
        s.fake().enqueue(new Script.Stream(whole.headers(), Script.splitInside(all.toByteArray(), 20, "ü", "🙂")));
        Streamed r = stream(s, streaming(request(s, "Greet me.")));
        assertThat(r.done()).isTrue();
        assertThat(r.content()).isEqualTo("Grüße 🙂 fin");
    }

    @EachProvider
    void aStreamCutMidwayEndsWithAnInBandErrorNeverDone(String provider) throws IOException {
        Setup s = setup(provider);
        s.fake().enqueue(s.dialect().streamCut(List.of("Once ", "upon ")));
        Streamed r = stream(s, streaming(request(s, "Tell me a story.")));
        assertThat(r.done()).as("a broken stream must not look complete").isFalse();
        assertThat(r.content()).isEqualTo("Once upon ");
        JsonNode last = r.chunks().getLast();
        assertThat(last.at("/error/code").asText()).isEqualTo("stream_interrupted");
    }

    // ---- n -----------------------------------------------------------------------------------

    @EachProvider
    void twoChoicesWhereSupportedAndAPrecise400NamingNWhereNot(String provider) {
        Setup s = setup(provider);
        ObjectNode body = request(s, "Two greetings.").put("n", 2);
        if (!s.dialect().supportsChoices()) {
            JsonNode e = error(post(s, body), 400);
            assertThat(e.get("param").asText()).isEqualTo("n");
            assertThat(e.get("message").asText()).contains("n");
            assertThat(s.fake().requests()).as("refused before any upstream call").isEmpty();
            return;
        }
        s.fake().enqueue(s.dialect().twoChoices("Hi!", "Hello!"));
        JsonNode r = ok(post(s, body));
        assertThat(r.get("choices")).hasSize(2);
        assertThat(r.at("/choices/0/index").asInt()).isZero();
        assertThat(r.at("/choices/1/index").asInt()).isEqualTo(1);
        assertThat(List.of(r.at("/choices/0/message/content").asText(), r.at("/choices/1/message/content").asText()))
                .containsExactly("Hi!", "Hello!");
        s.dialect().assertTwoChoicesRequested(s.fake().lastRequest().json());
    }
}
