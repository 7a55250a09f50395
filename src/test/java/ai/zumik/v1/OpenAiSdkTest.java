package ai.zumik.v1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.within;

import ai.zumik.keys.RawKeys;
import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Java SDK as a real client of a running Zumik whose OpenAI upstream is a
 * {@link FakeProvider}: what the SDK parses out of Zumik's bytes is what an application sees.
 * Providers other than OpenAI are not configured, so e.g. {@code gemini/...} is answered in
 * placeholder mode by the same gateway.
 */
class OpenAiSdkTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT_MODEL = "openai/gpt-4o-mini";

    static FakeProvider openai;
    static TestGateway gw;
    static OpenAIClient client;

    @BeforeAll
    static void start() {
        openai = FakeProvider.start();
        gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-secret-123456");
        client = sdk(gw.adminKey());
    }

    @AfterAll
    static void stop() {
        client.close();
        gw.close();
        openai.close();
    }

    @BeforeEach
    void clean() {
        openai.reset();
    }

    /**
     * No retries: a retried 429/5xx would hide what Zumik answered the first time. Response
     * validation on: the SDK then rejects any body missing a required field or with a wrong type.
     */
    private static OpenAIClient sdk(String key) {
        return OpenAIOkHttpClient.builder()
                .baseUrl(gw.url() + "/v1")
                .apiKey(key)
                .maxRetries(0)
                .responseValidation(true)
                .timeout(Duration.ofSeconds(20))
                .build();
    }

    private static ChatCompletionCreateParams.Builder chat(String userText) {
        return ChatCompletionCreateParams.builder().model(CHAT_MODEL).addUserMessage(userText);
    }

    // ---- chat, non-stream -------------------------------------------------------------------

    @Test
    void nonStreamChatIsParsedWithRequestedModelAndUsage() {
        HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse()
                .create(chat("hello sdk").build());
        ChatCompletion c = raw.parse();

        assertThat(c.choices()).hasSize(1);
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertThat(choice.message().content()).hasValue("echo: hello sdk");
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(c.model()).as("model is echoed as the client asked, not the upstream id").isEqualTo(CHAT_MODEL);
        assertThat(c.id()).isEqualTo("chatcmpl-" + raw.headers().values("agent-response-id").getFirst());
        CompletionUsage usage = c.usage().orElseThrow();
        assertThat(usage.promptTokens()).isEqualTo(11);
        assertThat(usage.completionTokens()).isEqualTo(7);
        assertThat(usage.totalTokens()).isEqualTo(18);
        assertThat(usage.promptTokensDetails().orElseThrow().cachedTokens()).hasValue(0L);
        assertThat(raw.headers().values("agent-execution-mode")).containsExactly("live");
        assertThat(openai.lastRequest().json().get("model").asText()).isEqualTo("gpt-4o-mini");
    }

    // ---- chat, stream -----------------------------------------------------------------------

    @Test
    void streamedChatIsReassembledWithFinishReasonAndUsageWhenAsked() {
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                chat("one two three").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                        .build())) {
            stream.stream().forEach(chunk -> {
                chunks.add(chunk);
                acc.accumulate(chunk);
            });
        }
        assertThat(chunks.size()).as("one chunk per word plus role, finish and usage").isGreaterThanOrEqualTo(6);
        assertThat(chunks).allSatisfy(ch -> assertThat(ch.model()).isEqualTo(CHAT_MODEL));
        assertThat(chunks.stream().map(ChatCompletionChunk::id).distinct()).hasSize(1);

        ChatCompletion c = acc.chatCompletion();
        assertThat(c.choices().getFirst().message().content()).hasValue("echo: one two three");
        assertThat(c.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        CompletionUsage usage = c.usage().orElseThrow(() -> new AssertionError("usage chunk was not relayed"));
        assertThat(usage.promptTokens()).isEqualTo(11);
        assertThat(usage.completionTokens()).isEqualTo(7);
        assertThat(usage.totalTokens()).isEqualTo(18);
    }

    @Test
    void streamedChatWithoutIncludeUsageCarriesNoUsage() {
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(chat("quiet").build())) {
            stream.stream().forEach(acc::accumulate);
        }
        ChatCompletion c = acc.chatCompletion();
        assertThat(c.choices().getFirst().message().content()).hasValue("echo: quiet");
        assertThat(c.usage()).as("the client did not ask for usage").isEmpty();
        assertThat(openai.lastRequest().json().at("/stream_options/include_usage").asBoolean())
                .as("but Zumik asked the upstream for it").isTrue();
    }

    @Test
    void usageOnTheFinishChunkMovesToItsOwnFinalChunkSoTheAccumulatorWorks() {
        // Fireworks' shape (by third-party reports): usage on the chunk that carries finish_reason.
        String head = "{\"id\":\"8f0e4a52\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"accounts/fireworks/models/llama-v3p1-8b-instruct\",";
        openai.enqueue(Script.sse(
                Script.data(head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"},"
                        + "\"finish_reason\":null}],\"usage\":null}"),
                Script.data(head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":9,\"total_tokens\":12,\"completion_tokens\":3}}"),
                Script.done()));
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                chat("hi").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunk -> {
                chunks.add(chunk);
                acc.accumulate(chunk);
            });
        }
        ChatCompletionChunk last = chunks.getLast();
        assertThat(last.choices()).as("usage on a chunk of its own").isEmpty();
        assertThat(last.usage().orElseThrow().totalTokens()).isEqualTo(12);
        assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(c -> assertThat(c.usage()).isEmpty());
        ChatCompletion c = acc.chatCompletion();
        assertThat(c.choices().getFirst().message().content()).hasValue("Hi");
        assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(9);
    }

    @Test
    void runningUsageOnContentChunksEndsInOneUsageChunkWithTheLatestCounts() {
        // vLLM-style running usage: every chunk with choices carries the usage so far.
        String head = "{\"id\":\"r1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini\",";
        String content = head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}],";
        String finish = head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],";
        openai.enqueue(Script.sse(
                Script.data(content + "\"usage\":{\"prompt_tokens\":9,\"total_tokens\":10,\"completion_tokens\":1}}"),
                Script.data(finish + "\"usage\":{\"prompt_tokens\":9,\"total_tokens\":12,\"completion_tokens\":3}}"),
                Script.done()));
        // The same, then the provider's own usage-only chunk: it is the one sent, once.
        openai.enqueue(Script.sse(
                Script.data(content + "\"usage\":{\"prompt_tokens\":9,\"total_tokens\":10,\"completion_tokens\":1}}"),
                Script.data(head + "\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"total_tokens\":13,\"completion_tokens\":4}}"),
                Script.done()));
        for (long expected : new long[] {12, 13}) {
            List<ChatCompletionChunk> chunks = new ArrayList<>();
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                    chat("hi").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
                stream.stream().forEach(chunks::add);
            }
            List<ChatCompletionChunk> usageChunks = chunks.stream().filter(c -> c.choices().isEmpty()).toList();
            assertThat(usageChunks).as("one usage-only chunk").hasSize(1);
            assertThat(usageChunks.getFirst()).isSameAs(chunks.getLast());
            assertThat(usageChunks.getFirst().usage().orElseThrow().totalTokens()).isEqualTo(expected);
        }
    }

    // ---- tools ------------------------------------------------------------------------------

    private static FunctionDefinition function(String name, String param) {
        return FunctionDefinition.builder()
                .name(name)
                .parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of(param, Map.of("type", "string"))))
                        .putAdditionalProperty("required", JsonValue.from(List.of(param)))
                        .build())
                .build();
    }

    @Test
    void nonStreamToolCallIsParsedBySdk() throws Exception {
        openai.enqueue(Script.json("{\"id\":\"chatcmpl-up2\",\"object\":\"chat.completion\",\"created\":1700000000,"
                + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
                + "\"tool_calls\":[{\"id\":\"call_w1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}],\"refusal\":null,\"annotations\":[]},"
                + "\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":40,"
                + "\"completion_tokens\":12,\"total_tokens\":52},\"system_fingerprint\":\"fp_test\"}"));

        ChatCompletion c = client.chat().completions().create(chat("weather in Paris?")
                .addFunctionTool(function("get_weather", "city")).build());

        ChatCompletion.Choice choice = c.choices().getFirst();
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        assertThat(choice.message().content()).isEmpty();
        List<ChatCompletionMessageToolCall> calls = choice.message().toolCalls().orElseThrow();
        assertThat(calls).hasSize(1);
        ChatCompletionMessageFunctionToolCall call = calls.getFirst().asFunction();
        assertThat(call.id()).isEqualTo("call_w1");
        assertThat(call.function().name()).isEqualTo("get_weather");
        assertThat(JSON.readTree(call.function().arguments())).isEqualTo(JSON.readTree("{\"city\":\"Paris\"}"));

        JsonNode sentTools = openai.lastRequest().json().get("tools");
        assertThat(sentTools.at("/0/function/name").asText()).as("tools reach the upstream untouched").isEqualTo("get_weather");
    }

    /** OpenAI's exact delta format for parallel calls, with the two calls' fragments interleaved. */
    private static Script.Stream parallelToolCallStream() {
        String head = "{\"id\":\"chatcmpl-up3\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_test\",\"choices\":[{\"index\":0,\"delta\":";
        String tail = ",\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}";
        return new Script.Chunks("gpt-4o-mini")
                .step(Script.data(head + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,"
                        + "\"id\":\"call_weather\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                        + "\"arguments\":\"\"}}],\"refusal\":null}" + tail))
                .step(Script.data(head + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"ci\"}}]}" + tail))
                .step(Script.data(head + "{\"tool_calls\":[{\"index\":1,\"id\":\"call_time\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"get_time\",\"arguments\":\"\"}}]}" + tail))
                .step(Script.data(head + "{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"{\\\"tz\\\": \"}}]}" + tail))
                .step(Script.data(head + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"ty\\\": \\\"Par\"}}]}" + tail))
                .step(Script.data(head + "{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"\\\"Europe/Paris\\\"}\"}}]}" + tail))
                .step(Script.data(head + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"is\\\"}\"}}]}" + tail))
                .finish("tool_calls")
                .usage(60, 25, 0)
                .done()
                .build();
    }

    @Test
    void streamedParallelToolCallsAreReassembledWithCompleteArguments() throws Exception {
        openai.enqueue(parallelToolCallStream());
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                chat("weather and time in Paris?")
                        .addFunctionTool(function("get_weather", "city"))
                        .addFunctionTool(function("get_time", "tz"))
                        .parallelToolCalls(true)
                        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                        .build())) {
            stream.stream().forEach(acc::accumulate);
        }
        ChatCompletion c = acc.chatCompletion();
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        List<ChatCompletionMessageToolCall> calls = choice.message().toolCalls().orElseThrow();
        assertThat(calls).hasSize(2);

        ChatCompletionMessageFunctionToolCall weather = calls.get(0).asFunction();
        assertThat(weather.id()).isEqualTo("call_weather");
        assertThat(weather.function().name()).isEqualTo("get_weather");
        assertThat(JSON.readTree(weather.function().arguments())).isEqualTo(JSON.readTree("{\"city\":\"Paris\"}"));

        ChatCompletionMessageFunctionToolCall time = calls.get(1).asFunction();
        assertThat(time.id()).isEqualTo("call_time");
        assertThat(time.function().name()).isEqualTo("get_time");
        assertThat(JSON.readTree(time.function().arguments())).isEqualTo(JSON.readTree("{\"tz\":\"Europe/Paris\"}"));

        assertThat(c.usage().orElseThrow().totalTokens()).isEqualTo(85);
        assertThat(c.model()).isEqualTo(CHAT_MODEL);
    }

    // ---- placeholder mode ---------------------------------------------------------------------

    private static final String PLACEHOLDER_CHAT = "anthropic/claude-haiku-4-5";

    @Test
    void placeholderTextAnswerParsesStreamedAndNot() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(PLACEHOLDER_CHAT)
                .addUserMessage("same words").build();
        HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(params);
        assertThat(raw.headers().values("agent-execution-mode")).containsExactly("placeholder");
        ChatCompletion whole = raw.parse();
        assertThat(whole.model()).isEqualTo(PLACEHOLDER_CHAT);
        String text = whole.choices().getFirst().message().content().orElseThrow();
        assertThat(text).contains("same words");

        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params.toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(acc::accumulate);
        }
        ChatCompletion streamed = acc.chatCompletion();
        assertThat(streamed.choices().getFirst().message().content()).as("deterministic: same input, same text").hasValue(text);
        assertThat(streamed.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(streamed.usage().orElseThrow().totalTokens()).isEqualTo(whole.usage().orElseThrow().totalTokens());
        assertThat(openai.requests()).isEmpty();
    }

    @Test
    void placeholderToolCallArgumentsAreAlwaysAJsonObject() throws Exception {
        ChatCompletion withParams = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(PLACEHOLDER_CHAT).addUserMessage("weather?")
                .addFunctionTool(function("get_weather", "city"))
                .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).build());
        ChatCompletionMessageFunctionToolCall call = withParams.choices().getFirst().message().toolCalls().orElseThrow()
                .getFirst().asFunction();
        assertThat(call.function().name()).isEqualTo("get_weather");
        JsonNode args = JSON.readTree(call.function().arguments());
        assertThat(args.isObject()).isTrue();
        assertThat(args.get("city").isTextual()).as("required parameters are filled in").isTrue();

        // A function declared without "parameters" takes no arguments: OpenAI sends "{}", never "null".
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model(PLACEHOLDER_CHAT).addUserMessage("ping")
                        .addFunctionTool(FunctionDefinition.builder().name("ping").build())
                        .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).build())) {
            stream.stream().forEach(acc::accumulate);
        }
        ChatCompletion.Choice choice = acc.chatCompletion().choices().getFirst();
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        ChatCompletionMessageFunctionToolCall ping = choice.message().toolCalls().orElseThrow().getFirst().asFunction();
        assertThat(ping.function().name()).isEqualTo("ping");
        assertThat(ping.id()).startsWith("call_");
        assertThat(JSON.readTree(ping.function().arguments())).isEqualTo(JSON.createObjectNode());
    }

    // ---- embeddings -------------------------------------------------------------------------

    @Test
    void floatEmbeddingsAreParsedWithRequestedModelAndUsage() {
        CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("openai/text-embedding-3-small")
                .input("embed me")
                .encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT)
                .build());
        assertThat(r.model()).isEqualTo("openai/text-embedding-3-small");
        assertThat(r.data()).hasSize(1);
        assertThat(r.data().getFirst().index()).isZero();
        assertThat(r.data().getFirst().embedding()).containsExactly(0.1f, -0.2f, 0.3f);
        assertThat(r.usage().promptTokens()).isEqualTo(3);
        assertThat(r.usage().totalTokens()).isEqualTo(3);
        JsonNode sent = openai.lastRequest().json();
        assertThat(sent.get("model").asText()).isEqualTo("text-embedding-3-small");
        assertThat(sent.get("encoding_format").asText()).isEqualTo("float");
    }

    @Test
    void base64EmbeddingsFromThePlaceholderDecodeToTheRequestedDimension() {
        // Gemini has no provider configured in this gateway, so Zumik answers in placeholder mode.
        HttpResponseFor<CreateEmbeddingResponse> raw = client.embeddings().withRawResponse().create(
                EmbeddingCreateParams.builder()
                        .model("gemini/gemini-embedding-001")
                        .inputOfArrayOfStrings(List.of("first", "second"))
                        .encodingFormat(EmbeddingCreateParams.EncodingFormat.BASE64)
                        .dimensions(256)
                        .build());
        assertThat(raw.headers().values("agent-execution-mode")).containsExactly("placeholder");
        CreateEmbeddingResponse r = raw.parse();
        assertThat(r.model()).isEqualTo("gemini/gemini-embedding-001");
        assertThat(r.data()).hasSize(2);
        float[] first = null;
        for (int i = 0; i < 2; i++) {
            var e = r.data().get(i);
            assertThat(e.index()).isEqualTo(i);
            assertThat(e.embeddingValue().isBase64()).as("base64 was asked for").isTrue();
            float[] v = decode(e.embeddingValue().asBase64());
            assertThat(v).hasSize(256);
            double norm = 0;
            for (float f : v) norm += f * f;
            assertThat(Math.sqrt(norm)).as("placeholder vectors are unit length").isCloseTo(1.0, within(1e-3));
            if (i == 0) first = v;
            else assertThat(v).as("different inputs, different vectors").isNotEqualTo(first);
        }
        assertThat(r.usage().promptTokens()).isPositive();

        CreateEmbeddingResponse nativeDims = client.embeddings().create(EmbeddingCreateParams.builder()
                .model("gemini/gemini-embedding-001").input("first")
                .encodingFormat(EmbeddingCreateParams.EncodingFormat.BASE64).build());
        assertThat(decode(nativeDims.data().getFirst().embeddingValue().asBase64()))
                .as("without 'dimensions', the catalogue's native size").hasSize(3072);
        assertThat(openai.requests()).as("placeholder mode never calls a provider").isEmpty();
    }

    private static float[] decode(String b64) {
        ByteBuffer bb = ByteBuffer.wrap(Base64.getDecoder().decode(b64)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bb.remaining() / 4];
        for (int i = 0; i < out.length; i++) out[i] = bb.getFloat();
        assertThat(bb.remaining()).as("a whole number of float32 values").isZero();
        return out;
    }

    // ---- models -----------------------------------------------------------------------------

    @Test
    void modelsListContainsCatalogueIdsIncludingSlashedOnes() {
        List<Model> models = client.models().list().data();
        assertThat(models).extracting(Model::id)
                .contains("gpt-4o-mini", "text-embedding-3-small", "accounts/fireworks/models/deepseek-v3")
                .doesNotHaveDuplicates();
        assertThat(models).allSatisfy(m -> {
            assertThat(m.ownedBy()).isEqualTo("zumik");
            assertThat(m.created()).isPositive();
            assertThat(m._object_()).isEqualTo(JsonValue.from("model"));
        });
    }

    @Test
    void modelRetrieveWorksForPlainAndSlashedIds() {
        assertThat(client.models().retrieve("gpt-4o-mini").id()).isEqualTo("gpt-4o-mini");
        Model slashed = client.models().retrieve("fireworks/accounts/fireworks/models/deepseek-v3");
        assertThat(slashed.id()).isEqualTo("fireworks/accounts/fireworks/models/deepseek-v3");
        assertThat(slashed.ownedBy()).isEqualTo("zumik");
    }

    // ---- errors -----------------------------------------------------------------------------

    @Test
    void unknownModelIsNotFoundWithModelNotFoundCode() {
        NotFoundException e = catchThrowableOfType(NotFoundException.class,
                () -> client.chat().completions().create(ChatCompletionCreateParams.builder()
                        .model("no-such-model-xyz").addUserMessage("hi").build()));
        assertThat(e).isNotNull();
        assertThat(e.statusCode()).isEqualTo(404);
        assertThat(e.code()).hasValue("model_not_found");
        assertThat(e.param()).hasValue("model");
        assertThat(e.type()).hasValue("invalid_request_error");

        NotFoundException m = catchThrowableOfType(NotFoundException.class,
                () -> client.models().retrieve("fireworks/accounts/fireworks/models/no-such-model"));
        assertThat(m).isNotNull();
        assertThat(m.code()).hasValue("model_not_found");
        assertThat(openai.requests()).isEmpty();
    }

    @Test
    void invalidParameterIsBadRequestNamingTheParameter() {
        BadRequestException e = catchThrowableOfType(BadRequestException.class,
                () -> client.chat().completions().create(chat("hi").temperature(3.5).build()));
        assertThat(e).isNotNull();
        assertThat(e.statusCode()).isEqualTo(400);
        assertThat(e.param()).hasValue("temperature");
        assertThat(e.type()).hasValue("invalid_request_error");
        assertThat(openai.requests()).as("rejected before any upstream call").isEmpty();
    }

    @Test
    void wrongKeyIsUnauthorized() {
        OpenAIClient wrong = sdk(RawKeys.generate());
        OpenAIClient malformed = sdk("sk-not-a-zumik-key");
        try {
            UnauthorizedException e = catchThrowableOfType(UnauthorizedException.class,
                    () -> wrong.chat().completions().create(chat("hi").build()));
            assertThat(e).isNotNull();
            assertThat(e.statusCode()).isEqualTo(401);
            assertThat(e.code()).hasValue("invalid_api_key");

            UnauthorizedException m = catchThrowableOfType(UnauthorizedException.class, () -> malformed.models().list());
            assertThat(m).isNotNull();
            assertThat(m.code()).hasValue("invalid_api_key");
        } finally {
            wrong.close();
            malformed.close();
        }
        assertThat(openai.requests()).isEmpty();
    }

    @Test
    void upstreamRateLimitIsRateLimitException() {
        openai.enqueue(Script.json(429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\","
                + "\"param\":null,\"code\":\"rate_limit_exceeded\"}}"));
        RateLimitException e = catchThrowableOfType(RateLimitException.class,
                () -> client.chat().completions().create(chat("hi").build()));
        assertThat(e).isNotNull();
        assertThat(e.statusCode()).isEqualTo(429);
        assertThat(e.code()).hasValue("provider_rate_limited");
        assertThat(e.headers().values("agent-execution-mode")).containsExactly("live");
        assertThat(openai.requests()).hasSize(1);
    }
}
