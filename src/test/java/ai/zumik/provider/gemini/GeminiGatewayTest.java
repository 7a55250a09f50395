package ai.zumik.provider.gemini;

import static ai.zumik.provider.gemini.GeminiFake.KEY;
import static ai.zumik.provider.gemini.GeminiFake.call;
import static ai.zumik.provider.gemini.GeminiFake.candidate;
import static ai.zumik.provider.gemini.GeminiFake.event;
import static ai.zumik.provider.gemini.GeminiFake.withParts;
import static ai.zumik.provider.gemini.GeminiFake.response;
import static ai.zumik.provider.gemini.GeminiFake.usage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real gateway whose Gemini upstream is a {@link FakeProvider} speaking the Gemini API: what the
 * fake receives is what Gemini would, and what the OpenAI Java SDK parses is what an application sees.
 */
class GeminiGatewayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "gemini/gemini-2.5-flash";
    private static final String CHAT = "/v1/chat/completions";

    static FakeProvider gemini;
    static TestGateway gw;
    static OpenAIClient client;

    @BeforeAll
    static void start() {
        gemini = GeminiFake.start();
        gw = TestGateway.start("GEMINI_BASE_URL", gemini.baseUrl(), "GEMINI_API_KEY", KEY,
                // Circuits are not under test here: failure tests must not make the next test skip the target.
                "ZUMIK_CIRCUIT_OPEN_MS", "1");
        client = OpenAIOkHttpClient.builder().baseUrl(gw.url() + "/v1").apiKey(gw.adminKey()).maxRetries(0)
                .responseValidation(true).timeout(Duration.ofSeconds(20)).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        gw.close();
        gemini.close();
    }

    @BeforeEach
    void clean() {
        gemini.reset();
    }

    private static String chat(String extra) {
        return "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello gemini\"}]" + extra + "}";
    }

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    private static FunctionDefinition function(String name, String param) {
        return FunctionDefinition.builder().name(name).parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of(param, Map.of("type", "string"))))
                        .putAdditionalProperty("required", JsonValue.from(List.of(param)))
                        .build())
                .build();
    }

    // ---- chat -------------------------------------------------------------------------------

    @Test
    void nonStreamGoesToGenerateContentWithTheKeyInAHeaderAndComesBackAsACompletion() throws Exception {
        HttpResponse<String> r = gw.post(CHAT, chat(",\"max_tokens\":64,\"temperature\":0.5"));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r.body());
        assertThat(body.at("/choices/0/message/content").asText()).isEqualTo("echo: hello gemini");
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(body.get("model").asText()).isEqualTo(MODEL);
        assertThat(body.get("usage")).isEqualTo(json("{\"prompt_tokens\":12,\"completion_tokens\":5,\"total_tokens\":17,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}}"));
        assertThat(r.headers().firstValue("agent-resolved-provider")).hasValue("gemini");
        assertThat(r.headers().firstValue("agent-execution-mode")).hasValue("live");

        FakeProvider.Received sent = gemini.lastRequest();
        assertThat(sent.path()).isEqualTo("/v1beta/models/gemini-2.5-flash:generateContent");
        assertThat(sent.headers().get("x-goog-api-key")).isEqualTo(KEY);
        assertThat(sent.json()).isEqualTo(json("{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hello gemini\"}]}],"
                + "\"generationConfig\":{\"maxOutputTokens\":64,\"temperature\":0.5}}"));
    }

    @Test
    void streamGoesToStreamGenerateContentWithAltSseAndEndsWithUsageThenDone() throws Exception {
        String id;
        try (SseClient c = SseClient.post(gw, CHAT, chat(",\"stream\":true,\"stream_options\":{\"include_usage\":true}"))) {
            assertThat(c.status).isEqualTo(200);
            id = c.header("agent-response-id");
            List<SseClient.Event> events = c.all();
            assertThat(events.getFirst().json().at("/choices/0/delta/role").asText()).isEqualTo("assistant");
            StringBuilder text = new StringBuilder();
            for (SseClient.Event e : events) if (!e.done()) text.append(e.json().at("/choices/0/delta/content").asText(""));
            assertThat(text.toString()).isEqualTo("echo: hello gemini");
            assertThat(events.get(events.size() - 3).json().at("/choices/0/finish_reason").asText()).isEqualTo("stop");
            JsonNode usage = events.get(events.size() - 2).json();
            assertThat(usage.get("choices")).isEmpty();
            assertThat(usage.at("/usage/total_tokens").asInt()).isEqualTo(17);
            assertThat(events.getLast().done()).isTrue();
        }
        assertThat(gemini.lastRequest().path()).isEqualTo("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
        assertThat(gemini.lastRequest().headers().get("x-goog-api-key")).isEqualTo(KEY);
        JsonNode metered = usageEvent(id);
        assertThat(metered.at("/usage/prompt_tokens").asLong()).isEqualTo(12);
        assertThat(metered.at("/usage/completion_tokens").asLong()).isEqualTo(5);
    }

    @Test
    void cachedAndThinkingTokensAreReportedAndMetered() throws Exception {
        gemini.enqueue(Script.sse(Map.of(), List.of(
                event(candidate("Hi", null), usage(2000, 1, 0, 0)),
                event(candidate(" there", "STOP"), usage(2000, 2, 40, 1536)))));
        String id;
        try (SseClient c = SseClient.post(gw, CHAT, chat(",\"stream\":true,\"stream_options\":{\"include_usage\":true}"))) {
            id = c.header("agent-response-id");
            List<SseClient.Event> events = c.all();
            JsonNode usage = events.get(events.size() - 2).json().get("usage");
            assertThat(usage).isEqualTo(json("{\"prompt_tokens\":2000,\"completion_tokens\":42,\"total_tokens\":2042,"
                    + "\"prompt_tokens_details\":{\"cached_tokens\":1536},\"completion_tokens_details\":{\"reasoning_tokens\":40}}"));
        }
        JsonNode metered = usageEvent(id);
        assertThat(metered.at("/usage/cached_tokens").asLong()).isEqualTo(1536);
        assertThat(metered.at("/usage/completion_tokens").asLong()).isEqualTo(42);
    }

    @Test
    void aMultiByteCharacterSplitAcrossReadsArrivesWhole() throws Exception {
        byte[] event = ("data: " + response(candidate("naïve café ☕ 日本", "STOP"), usage(3, 4, 0, 0)) + "\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8);
        int split = new String(event, StandardCharsets.UTF_8).indexOf('☕');
        int cut = new String(event, StandardCharsets.UTF_8).substring(0, split).getBytes(StandardCharsets.UTF_8).length + 1;
        gemini.enqueue(Script.sse(Map.of(), List.of(new Script.Bytes(java.util.Arrays.copyOfRange(event, 0, cut)),
                new Script.Delay(30), new Script.Bytes(java.util.Arrays.copyOfRange(event, cut, event.length)))));
        try (SseClient c = SseClient.post(gw, CHAT, chat(",\"stream\":true"))) {
            List<SseClient.Event> events = c.all();
            assertThat(events.get(1).json().at("/choices/0/delta/content").asText()).isEqualTo("naïve café ☕ 日本");
            assertThat(events.getLast().done()).isTrue();
        }
    }

    @Test
    void aStreamThatClosesWithoutAFinishReasonEndsWithAnInBandErrorAndNoDone() throws Exception {
        gemini.enqueue(Script.sse(Map.of(), List.of(event(candidate("partial ", null), usage(5, 1, 0, 0)),
                new Script.Delay(150))));
        String id;
        try (SseClient c = SseClient.post(gw, CHAT, chat(",\"stream\":true,\"stream_options\":{\"include_usage\":true}"))) {
            id = c.header("agent-response-id");
            List<SseClient.Event> events = c.all();
            assertThat(events.get(1).json().at("/choices/0/delta/content").asText()).isEqualTo("partial ");
            JsonNode error = events.getLast().json();
            assertThat(error.at("/error/code").asText()).isEqualTo("stream_interrupted");
            assertThat(events).noneMatch(SseClient.Event::done);
            assertThat(events).noneMatch(e -> e.json().has("usage"));
        }
        JsonNode metered = usageEvent(id);
        assertThat(metered.get("outcome").asText()).isEqualTo("failed");
        assertThat(metered.at("/usage/prompt_tokens").asLong()).as("usage so far is kept").isEqualTo(5);
    }

    @Test
    void stopReasonsMapToOpenAiFinishReasons() throws Exception {
        gemini.enqueue(Script.json(response(candidate("trunc", "MAX_TOKENS"), usage(3, 8, 0, 0))));
        assertThat(json(gw.post(CHAT, chat("")).body()).at("/choices/0/finish_reason").asText()).isEqualTo("length");
        gemini.enqueue(Script.json(response(candidate("", "SAFETY"), usage(3, 0, 0, 0))));
        assertThat(json(gw.post(CHAT, chat("")).body()).at("/choices/0/finish_reason").asText()).isEqualTo("content_filter");
        // An unusable ending is a retryable provider error: the only target is tried twice.
        gemini.enqueue(Script.json(response(candidate("", "MALFORMED_FUNCTION_CALL"), usage(3, 0, 0, 0))),
                Script.json(response(candidate("", "MALFORMED_FUNCTION_CALL"), usage(3, 0, 0, 0))));
        HttpResponse<String> broken = gw.post(CHAT, chat(""));
        assertThat(broken.statusCode()).isEqualTo(502);
        assertThat(json(broken.body()).at("/error/message").asText()).contains("MALFORMED_FUNCTION_CALL");
        gemini.enqueue(Script.json("{\"promptFeedback\":{\"blockReason\":\"SAFETY\"},\"usageMetadata\":{\"promptTokenCount\":3}}"));
        HttpResponse<String> blocked = gw.post(CHAT, chat(""));
        assertThat(blocked.statusCode()).isEqualTo(400);
        assertThat(json(blocked.body()).at("/error/code").asText()).isEqualTo("content_policy_violation");
    }

    // ---- tools ------------------------------------------------------------------------------

    @Test
    void toolsAreDeclaredAndAFunctionCallComesBackAsAToolCall() throws Exception {
        gemini.enqueue(Script.json(response(withParts("STOP", call("get_weather", "{\"city\":\"Paris\"}", null)), usage(30, 8, 0, 0))));
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model(MODEL)
                .addUserMessage("weather in Paris?").addFunctionTool(function("get_weather", "city")).build());
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        ChatCompletionMessageFunctionToolCall tc = choice.message().toolCalls().orElseThrow().getFirst().asFunction();
        assertThat(tc.function().name()).isEqualTo("get_weather");
        assertThat(json(tc.function().arguments())).isEqualTo(json("{\"city\":\"Paris\"}"));
        assertThat(gemini.lastRequest().json().get("tools")).isEqualTo(json("[{\"functionDeclarations\":[{\"name\":\"get_weather\","
                + "\"parameters\":{\"type\":\"OBJECT\",\"properties\":{\"city\":{\"type\":\"STRING\"}},\"required\":[\"city\"]}}]}]"));
    }

    @Test
    void streamedParallelFunctionCallsAreReassembledByTheSdk() throws Exception {
        byte[] transcript;
        try (InputStream in = getClass().getResourceAsStream("/gemini/stream-parallel-calls.sse")) {
            transcript = in.readAllBytes();
        }
        gemini.enqueue(Script.sse(Map.of(), List.of(new Script.Bytes(transcript))));
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model(MODEL).addUserMessage("weather in Paris and Tokyo?")
                        .addFunctionTool(function("get_weather", "city")).parallelToolCalls(true)
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(acc::accumulate);
        }
        ChatCompletion c = acc.chatCompletion();
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        assertThat(choice.message().content()).hasValue("Let me check both cities.");
        List<ChatCompletionMessageToolCall> calls = choice.message().toolCalls().orElseThrow();
        assertThat(calls).hasSize(2);
        assertThat(json(calls.get(0).asFunction().function().arguments())).isEqualTo(json("{\"city\":\"Paris\"}"));
        assertThat(json(calls.get(1).asFunction().function().arguments())).isEqualTo(json("{\"city\":\"Tōkyō\"}"));
        assertThat(calls.get(0).asFunction().id()).isNotEqualTo(calls.get(1).asFunction().id());
        assertThat(c.usage().orElseThrow().totalTokens()).isEqualTo(150);
    }

    @Test
    void theThoughtSignatureGoesOutInTheToolCallIdAndComesBackOnTheFunctionCall() throws Exception {
        String signature = Base64.getEncoder().encodeToString(new byte[] {(byte) 0xfb, (byte) 0xff, 0x3e, 0x01, 0x7f, 0x00, 0x42});
        gemini.enqueue(Script.sse(Map.of(), List.of(
                event(withParts("STOP", call("get_weather", "{\"city\":\"Paris\"}", signature)), usage(20, 6, 12, 0)))));
        ChatCompletionCreateParams first = ChatCompletionCreateParams.builder().model(MODEL).addUserMessage("weather in Paris?")
                .addFunctionTool(function("get_weather", "city")).build();
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(first)) {
            stream.stream().forEach(acc::accumulate);
        }
        var assistant = acc.chatCompletion().choices().getFirst().message();
        String callId = assistant.toolCalls().orElseThrow().getFirst().asFunction().id();
        assertThat(callId).matches("call_[a-z0-9]{26}__ts__[A-Za-z0-9_-]+");

        gemini.enqueue(Script.json(response(candidate("21 degrees and clear.", "STOP"), usage(40, 6, 0, 0))));
        ChatCompletion second = client.chat().completions().create(first.toBuilder()
                .addMessage(assistant)
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(callId).content("{\"temp\":21}").build())
                .build());
        assertThat(second.choices().getFirst().message().content()).hasValue("21 degrees and clear.");

        JsonNode sent = gemini.lastRequest().json().get("contents");
        assertThat(sent.get(1)).isEqualTo(json("{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"get_weather\","
                + "\"args\":{\"city\":\"Paris\"}},\"thoughtSignature\":\"" + signature + "\"}]}"));
        assertThat(sent.get(2)).isEqualTo(json("{\"role\":\"user\",\"parts\":[{\"functionResponse\":{\"name\":\"get_weather\","
                + "\"response\":{\"temp\":21}}}]}"));
    }

    // ---- structured output --------------------------------------------------------------------

    @Test
    void jsonSchemaBecomesResponseSchemaAndAnUnenforceableOneIsRefusedBeforeSending() throws Exception {
        gemini.enqueue(Script.json(response(candidate("{\"name\":\"Ada\",\"age\":36}", "STOP"), usage(10, 9, 0, 0))));
        HttpResponse<String> r = gw.post(CHAT, chat(",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"person\","
                + "\"strict\":true,\"schema\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},"
                + "\"age\":{\"type\":[\"integer\",\"null\"]}},\"required\":[\"name\",\"age\"],\"additionalProperties\":false}}}"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(json(json(r.body()).at("/choices/0/message/content").asText())).isEqualTo(json("{\"name\":\"Ada\",\"age\":36}"));
        assertThat(gemini.lastRequest().json().get("generationConfig")).isEqualTo(json("{\"responseMimeType\":\"application/json\","
                + "\"responseSchema\":{\"type\":\"OBJECT\",\"properties\":{\"name\":{\"type\":\"STRING\"},"
                + "\"age\":{\"type\":\"INTEGER\",\"nullable\":true}},\"required\":[\"name\",\"age\"],"
                + "\"propertyOrdering\":[\"name\",\"age\"]}}"));

        gemini.reset();
        HttpResponse<String> refused = gw.post(CHAT, chat(",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":"
                + "{\"name\":\"p\",\"schema\":{\"type\":\"object\",\"properties\":{\"zip\":{\"type\":\"string\",\"pattern\":\"^[0-9]{5}$\"}}}}}"));
        assertThat(refused.statusCode()).isEqualTo(400);
        JsonNode err = json(refused.body()).get("error");
        assertThat(err.get("param").asText()).isEqualTo("response_format.json_schema.schema.properties.zip.pattern");
        assertThat(err.get("code").asText()).isEqualTo("unsupported_parameter");
        assertThat(gemini.requests()).as("nothing was sent").isEmpty();
    }

    @Test
    void anImageUrlIsRefusedNamingThePartAndADataUrlGoesInline() throws Exception {
        String content = "[{\"type\":\"text\",\"text\":\"what is this?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":";
        HttpResponse<String> refused = gw.post(CHAT, "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":"
                + content + "\"https://example.com/cat.png\"}}]}]}");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(json(refused.body()).at("/error/param").asText()).isEqualTo("messages[0].content[1].image_url.url");
        assertThat(gemini.requests()).isEmpty();

        HttpResponse<String> ok = gw.post(CHAT, "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":"
                + content + "\"data:image/jpeg;base64,/9j/4AAQ\"}}]}]}");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(gemini.lastRequest().json().at("/contents/0/parts/1"))
                .isEqualTo(json("{\"inlineData\":{\"mimeType\":\"image/jpeg\",\"data\":\"/9j/4AAQ\"}}"));
    }

    // ---- errors -----------------------------------------------------------------------------

    @Test
    void rateLimitsOverloadAndBadRequestsAreMappedWithRetryAfterAndAScrubbedMessage() throws Exception {
        // Its own gateway: the Retry-After below takes the target out of rotation for 12 s, as it should.
        try (TestGateway own = TestGateway.start("GEMINI_BASE_URL", gemini.baseUrl(), "GEMINI_API_KEY", KEY)) {
            gemini.enqueue(Script.json(429, "{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted (e.g. check quota).\","
                    + "\"status\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"12s\"}]}}"));
            HttpResponse<String> limited = own.post(CHAT, chat(""));
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(limited.headers().firstValue("retry-after")).hasValue("12");
            assertThat(json(limited.body()).at("/error/code").asText()).isEqualTo("provider_rate_limited");
            int before = gemini.requests().size();
            HttpResponse<String> again = own.post(CHAT, chat(""));
            assertThat(again.statusCode()).as("honoured: not sent while the provider asked to wait").isEqualTo(429);
            assertThat(again.headers().firstValue("retry-after")).isPresent();
            assertThat(gemini.requests().size()).isEqualTo(before);
        }

        // A persistent overload: the only target is retried once, then the 503 is reported.
        gemini.enqueue(Script.json(503, "{\"error\":{\"code\":503,\"message\":\"The model is overloaded. Please try again later.\","
                + "\"status\":\"UNAVAILABLE\"}}"));

        gemini.enqueue(Script.json(503, "{\"error\":{\"code\":503,\"message\":\"The model is overloaded. Please try again later.\","
                + "\"status\":\"UNAVAILABLE\"}}"));
        HttpResponse<String> overloaded = gw.post(CHAT, chat(",\"stream\":true"));
        assertThat(overloaded.statusCode()).isEqualTo(503);
        assertThat(json(overloaded.body()).at("/error/code").asText()).isEqualTo("provider_overloaded");

        gemini.enqueue(Script.json(400, "{\"error\":{\"code\":400,\"message\":\"* GenerateContentRequest.generation_config.candidate_count: "
                + "must be at most 4 (see https://generativelanguage.googleapis.com/v1beta/models?key=" + KEY + ")\",\"status\":\"INVALID_ARGUMENT\"}}"));
        HttpResponse<String> bad = gw.post(CHAT, chat(",\"n\":6"));
        assertThat(bad.statusCode()).isEqualTo(400);
        JsonNode err = json(bad.body()).get("error");
        assertThat(err.get("code").asText()).isEqualTo("invalid_argument");
        assertThat(err.get("message").asText()).contains("candidate_count: must be at most 4").doesNotContain(KEY).doesNotContain("AIza");
        assertThat(bad.body()).doesNotContain(KEY);
    }

    @Test
    void aKeyGeminiRejectsIsZumiksCredentialProblemNotTheClients() throws Exception {
        try (TestGateway other = TestGateway.start("GEMINI_BASE_URL", gemini.baseUrl(), "GEMINI_API_KEY", "AIzaSyWRONGwrongWRONGwrong0000000000000")) {
            HttpResponse<String> r = other.post(CHAT, chat(""));
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(json(r.body()).at("/error/code").asText()).isEqualTo("provider_auth_failed");
            assertThat(r.body()).doesNotContain("AIza");
        }
    }

    // ---- embeddings -------------------------------------------------------------------------

    @Test
    void oneInputUsesEmbedContentAndComesBackAsAnOpenAiList() throws Exception {
        CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("gemini/gemini-embedding-001").input("embed me").build());
        assertThat(r.model()).isEqualTo("gemini/gemini-embedding-001");
        assertThat(r.data()).hasSize(1);
        assertThat(r.data().getFirst().embedding()).containsExactly(0.1f, -0.2f, 0.3f);
        assertThat(r.usage().promptTokens()).as("Gemini reports no tokens for embeddings").isZero();
        FakeProvider.Received sent = gemini.lastRequest();
        assertThat(sent.path()).isEqualTo("/v1beta/models/gemini-embedding-001:embedContent");
        assertThat(sent.headers().get("x-goog-api-key")).isEqualTo(KEY);
        assertThat(sent.json()).isEqualTo(json("{\"content\":{\"parts\":[{\"text\":\"embed me\"}]}}"));
    }

    @Test
    void severalInputsUseBatchEmbedContentsAndBase64IsLittleEndianFloat32() throws Exception {
        CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("gemini/gemini-embedding-001").inputOfArrayOfStrings(List.of("a", "b"))
                .encodingFormat(EmbeddingCreateParams.EncodingFormat.BASE64).dimensions(2).build());
        assertThat(r.data()).hasSize(2);
        for (int i = 0; i < 2; i++) {
            ByteBuffer bb = ByteBuffer.wrap(Base64.getDecoder().decode(r.data().get(i).embeddingValue().asBase64()))
                    .order(ByteOrder.LITTLE_ENDIAN);
            float x = bb.getFloat();
            float y = bb.getFloat();
            assertThat(Math.sqrt(x * x + y * y)).as("shortened vectors are unit length, as OpenAI's are").isCloseTo(1.0, within(1e-6));
            assertThat(x / y).isCloseTo((i + 0.5f) / 0.25f, within(1e-3f));
        }
        FakeProvider.Received sent = gemini.lastRequest();
        assertThat(sent.path()).isEqualTo("/v1beta/models/gemini-embedding-001:batchEmbedContents");
        assertThat(sent.json()).isEqualTo(json("{\"requests\":[{\"model\":\"models/gemini-embedding-001\",\"content\":{\"parts\":"
                + "[{\"text\":\"a\"}]},\"outputDimensionality\":2},{\"model\":\"models/gemini-embedding-001\",\"content\":"
                + "{\"parts\":[{\"text\":\"b\"}]},\"outputDimensionality\":2}]}"));

        HttpResponse<String> tokens = gw.post("/v1/embeddings", "{\"model\":\"gemini/gemini-embedding-001\",\"input\":[[1,2,3]]}");
        assertThat(tokens.statusCode()).isEqualTo(400);
        assertThat(json(tokens.body()).at("/error/param").asText()).isEqualTo("input");
    }

    private static JsonNode usageEvent(String responseId) throws Exception {
        for (int attempt = 0; attempt < 50; attempt++) {
            JsonNode usage = JSON.readTree(gw.get("/v2/usage").body());
            for (JsonNode e : usage.get("data")) if (e.get("response_id").asText().equals(responseId)) return e;
            Thread.sleep(20);
        }
        throw new AssertionError("no usage event for " + responseId);
    }
}
