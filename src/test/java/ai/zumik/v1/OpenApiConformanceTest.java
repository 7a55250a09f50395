package ai.zumik.v1;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.keys.RawKeys;
import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.SseClient;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Zumik's actual {@code /v1} bytes validated against OpenAI's own OpenAPI 3.1 document
 * ({@code src/test/resources/openai-openapi.yaml}, a copy of the official spec), with JSON Schema
 * 2020-12 against {@code #/components/schemas/<Name>}. Both paths are covered: placeholder mode
 * (providers with nothing configured, here Anthropic and Gemini) and relaying from a fake OpenAI.
 *
 * <p>The spec declares OpenAPI 3.1 (JSON Schema 2020-12) but still carries the 3.0 keyword
 * {@code nullable: true} in places, notably on the stream chunk's {@code finish_reason},
 * {@code logprobs} and {@code usage}. 2020-12 ignores unknown keywords, so read literally the spec
 * would reject the {@code "finish_reason":null} OpenAI itself sends in every chunk. On loading,
 * each {@code nullable: true} schema S is rewritten to its 2020-12 meaning,
 * {@code anyOf: [S, {type: null}]}; nothing else in the document is changed.
 */
class OpenApiConformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SPEC_IRI = "https://zumik.test/openai-openapi.json";
    private static final String LIVE_CHAT = "openai/gpt-4o-mini";
    private static final String PLACEHOLDER_CHAT = "anthropic/claude-haiku-4-5";

    static SchemaRegistry registry;
    static final Map<String, Schema> schemas = new ConcurrentHashMap<>();
    static FakeProvider openai;
    static TestGateway gw;

    @BeforeAll
    static void start() throws IOException {
        loadSchemas();
        openai = FakeProvider.start();
        gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-secret-123456");
    }

    @AfterAll
    static void stop() {
        gw.close();
        openai.close();
    }

    @BeforeEach
    void clean() {
        openai.reset();
    }

    // ---- the schema machinery itself ----------------------------------------------------------

    /** Loads the spec once per JVM; the other surfaces' conformance tests validate with it too. */
    static synchronized void loadSchemas() throws IOException {
        if (registry != null) return;
        String specJson = JSON.writeValueAsString(loadSpec());
        registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                b -> b.schemas(Map.of(SPEC_IRI, specJson)));
    }

    private static JsonNode loadSpec() throws IOException {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(64 * 1024 * 1024); // the spec is ~3 MB, SnakeYAML's default cap
        ObjectMapper yaml = new ObjectMapper(YAMLFactory.builder().loaderOptions(options).build());
        try (InputStream in = OpenApiConformanceTest.class.getResourceAsStream("/openai-openapi.yaml")) {
            if (in == null) throw new IllegalStateException("openai-openapi.yaml missing from test resources");
            JsonNode root = yaml.readTree(in);
            assertThat(root.path("openapi").asText()).startsWith("3.1");
            return nullableToAnyOf(root);
        }
    }

    /** Rewrites OpenAPI 3.0's {@code nullable: true} into 2020-12 ({@code anyOf [S, {type: null}]}). */
    static JsonNode nullableToAnyOf(JsonNode node) {
        if (node instanceof ArrayNode arr) {
            for (int i = 0; i < arr.size(); i++) arr.set(i, nullableToAnyOf(arr.get(i)));
            return arr;
        }
        if (!(node instanceof ObjectNode obj)) return node;
        List<String> names = new ArrayList<>();
        obj.fieldNames().forEachRemaining(names::add);
        for (String name : names) obj.set(name, nullableToAnyOf(obj.get(name)));
        JsonNode nullable = obj.get("nullable");
        if (nullable == null || !nullable.isBoolean()) return obj;
        obj.remove("nullable");
        if (!nullable.booleanValue()) return obj;
        ObjectNode wrapped = JSON.createObjectNode();
        ArrayNode anyOf = wrapped.putArray("anyOf");
        anyOf.add(obj);
        anyOf.addObject().put("type", "null");
        return wrapped;
    }

    static Schema schema(String name) {
        return schemas.computeIfAbsent(name, n -> {
            Schema s = registry.getSchema(SchemaLocation.of(SPEC_IRI + "#/components/schemas/" + n));
            assertThat(s.getSchemaNode().isObject()).as("schema %s exists in the spec", n).isTrue();
            return s;
        });
    }

    static List<Error> errors(String schemaName, JsonNode doc) {
        return schema(schemaName).validate(doc);
    }

    static void assertConforms(String schemaName, JsonNode doc) {
        assertThat(errors(schemaName, doc)).as("%s must conform to %s", doc, schemaName).isEmpty();
    }

    static JsonNode parse(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final String VALID_COMPLETION = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,"
            + "\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,\"refusal\":null,"
            + "\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
            + "\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],"
            + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}";

    @Test
    void validatorRejectsBrokenDocuments() {
        assertConforms("CreateChatCompletionResponse", parse(VALID_COMPLETION));

        Map<String, String> breakages = Map.of(
                "/choices/0/finish_reason", "\"finish_reason\":\"tool_calls\"->\"finish_reason\":\"done\"",
                "/created", "\"created\":1700000000->\"created\":\"1700000000\"",
                "/choices/0/message/role", "\"role\":\"assistant\"->\"role\":\"user\"",
                "/choices/0/message/tool_calls/0", "\"type\":\"function\",\"function\"->\"type\":\"function\",\"fn\"",
                "/usage/total_tokens", "\"total_tokens\":3->\"total_tokens\":3.5",
                "", "\"object\":\"chat.completion\",->");
        breakages.forEach((where, edit) -> {
            String[] fromTo = edit.split("->", -1);
            String broken = VALID_COMPLETION.replace(fromTo[0], fromTo[1]);
            assertThat(broken).isNotEqualTo(VALID_COMPLETION);
            List<Error> errs = errors("CreateChatCompletionResponse", parse(broken));
            assertThat(errs).as("broken at '%s': %s", where, broken).isNotEmpty();
            assertThat(errs).anySatisfy(e -> assertThat(e.getInstanceLocation().toString()).contains(where));
        });

        // The nullable rewrite allows null where OpenAI sends it, and nothing more.
        String chunk = "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":"
                + "[{\"index\":0,\"delta\":{\"content\":\"x\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}";
        assertConforms("CreateChatCompletionStreamResponse", parse(chunk));
        assertThat(errors("CreateChatCompletionStreamResponse", parse(chunk.replace("\"finish_reason\":null", "\"finish_reason\":\"eof\""))))
                .isNotEmpty();
        assertThat(errors("CreateChatCompletionStreamResponse", parse(chunk.replace("\"usage\":null", "\"usage\":{\"prompt_tokens\":1}"))))
                .isNotEmpty();
        assertThat(errors("ErrorResponse", parse("{\"error\":{\"message\":\"m\",\"type\":\"t\",\"code\":null}}")))
                .as("param is required").isNotEmpty();
    }

    // ---- chat completions, non-stream --------------------------------------------------------

    private static JsonNode completion(String body) {
        HttpResponse<String> r = gw.post("/v1/chat/completions", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
        return parse(r.body());
    }

    @Test
    void placeholderCompletionsConform() {
        JsonNode text = completion("{\"model\":\"" + PLACEHOLDER_CHAT + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(text.at("/choices/0/message/content").asText()).startsWith("Placeholder reply");
        assertConforms("CreateChatCompletionResponse", text);

        JsonNode tool = completion("{\"model\":\"" + PLACEHOLDER_CHAT + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\","
                + "\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}],\"tool_choice\":\"required\"}");
        assertThat(tool.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(tool.at("/choices/0/message/tool_calls/0/function/name").asText()).isEqualTo("get_weather");
        assertConforms("CreateChatCompletionResponse", tool);

        JsonNode several = completion("{\"model\":\"gemini/gemini-2.5-flash\",\"n\":2,\"max_tokens\":3,"
                + "\"response_format\":{\"type\":\"json_object\"},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(several.get("choices")).hasSize(2);
        assertThat(several.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertConforms("CreateChatCompletionResponse", several);
        assertThat(openai.requests()).isEmpty();
    }

    @Test
    void relayedCompletionsConform() {
        JsonNode text = completion("{\"model\":\"" + LIVE_CHAT + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(text.at("/choices/0/message/content").asText()).isEqualTo("echo: hi");
        assertConforms("CreateChatCompletionResponse", text);

        openai.enqueue(Script.json("{\"id\":\"chatcmpl-up2\",\"object\":\"chat.completion\",\"created\":1700000000,"
                + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
                + "\"tool_calls\":[{\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},{\"id\":\"call_b\",\"type\":\"function\",\"function\":"
                + "{\"name\":\"get_time\",\"arguments\":\"{\\\"tz\\\":\\\"Europe/Paris\\\"}\"}}],\"refusal\":null,\"annotations\":[]},"
                + "\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":12,"
                + "\"total_tokens\":52,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,"
                + "\"rejected_prediction_tokens\":0}},\"service_tier\":\"default\",\"system_fingerprint\":\"fp_test\"}"));
        JsonNode tools = completion("{\"model\":\"" + LIVE_CHAT + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}},"
                + "{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}]}");
        assertThat(tools.at("/choices/0/message/tool_calls")).hasSize(2);
        assertConforms("CreateChatCompletionResponse", tools);
    }

    // ---- chat completions, stream ------------------------------------------------------------

    /** Every event of a stream but the final {@code [DONE]}, each validated as a chunk. */
    private static List<JsonNode> streamChunks(String body) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", body)) {
            assertThat(c.status).isEqualTo(200);
            assertThat(c.header("content-type")).startsWith("text/event-stream");
            List<SseClient.Event> events = c.all();
            assertThat(events).isNotEmpty();
            assertThat(events.getLast().done()).as("stream ends with [DONE]").isTrue();
            for (SseClient.Event e : events.subList(0, events.size() - 1)) {
                assertThat(e.done()).isFalse();
                JsonNode chunk = e.json();
                assertConforms("CreateChatCompletionStreamResponse", chunk);
                out.add(chunk);
            }
        }
        return out;
    }

    private static void assertEndsWithUsageChunk(List<JsonNode> chunks) {
        JsonNode last = chunks.getLast();
        assertThat(last.get("choices")).as("usage chunk has no choices").isEmpty();
        assertThat(last.at("/usage/total_tokens").isIntegralNumber()).isTrue();
        assertThat(chunks.subList(0, chunks.size() - 1))
                .allSatisfy(c -> assertThat(c.get("choices")).isNotEmpty());
    }

    @Test
    void placeholderStreamChunksConformIncludingUsage() throws IOException {
        List<JsonNode> text = streamChunks("{\"model\":\"" + PLACEHOLDER_CHAT + "\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}");
        assertThat(text.size()).isGreaterThan(3);
        assertEndsWithUsageChunk(text);

        List<JsonNode> tool = streamChunks("{\"model\":\"" + PLACEHOLDER_CHAT + "\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"parameters\":{\"type\":\"object\","
                + "\"properties\":{\"q\":{\"type\":\"string\"}},\"required\":[\"q\"]}}}],"
                + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"lookup\"}}}");
        assertThat(tool).anySatisfy(c -> assertThat(c.at("/choices/0/delta/tool_calls/0/function/name").asText()).isEqualTo("lookup"));
        assertThat(tool).anySatisfy(c -> assertThat(c.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls"));
        assertEndsWithUsageChunk(tool);
    }

    @Test
    void relayedStreamChunksConformIncludingUsage() throws IOException {
        List<JsonNode> text = streamChunks("{\"model\":\"" + LIVE_CHAT + "\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}");
        assertEndsWithUsageChunk(text);
        assertThat(text).allSatisfy(c -> assertThat(c.get("model").asText()).isEqualTo(LIVE_CHAT));

        List<JsonNode> noUsage = streamChunks("{\"model\":\"" + LIVE_CHAT + "\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}");
        assertThat(noUsage).allSatisfy(c -> assertThat(c.get("choices")).isNotEmpty());

        String head = "{\"id\":\"chatcmpl-up3\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_test\",\"choices\":[{\"index\":0,\"delta\":";
        String tail = ",\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}";
        openai.enqueue(new Script.Chunks("gpt-4o-mini")
                .step(Script.data(head + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_a\","
                        + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}],\"refusal\":null}" + tail))
                .step(Script.data(head + "{\"tool_calls\":[{\"index\":1,\"id\":\"call_b\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"get_time\",\"arguments\":\"\"}}]}" + tail))
                .step(Script.data(head + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{}\"}}]}" + tail))
                .step(Script.data(head + "{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"{}\"}}]}" + tail))
                .finish("tool_calls").usage(30, 10, 0).done().build());
        List<JsonNode> tools = streamChunks("{\"model\":\"" + LIVE_CHAT + "\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}},"
                + "{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}]}");
        assertThat(tools).hasSize(6);
        assertEndsWithUsageChunk(tools);
    }

    @Test
    void inBandStreamErrorIsAnErrorResponse() throws IOException {
        openai.enqueue(new Script.Chunks("gpt-4o-mini").role().text("partial").delay(150).step(new Script.Cut()).build());
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", "{\"model\":\"" + LIVE_CHAT + "\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")) {
            List<SseClient.Event> events = c.all();
            for (SseClient.Event e : events.subList(0, events.size() - 1)) {
                assertConforms("CreateChatCompletionStreamResponse", e.json());
            }
            JsonNode error = events.getLast().json();
            assertThat(error.at("/error/code").asText()).isEqualTo("stream_interrupted");
            assertConforms("ErrorResponse", error);
        }
    }

    // ---- embeddings --------------------------------------------------------------------------

    @Test
    void embeddingsConformRelayedAndPlaceholder() {
        HttpResponse<String> relayed = gw.post("/v1/embeddings",
                "{\"model\":\"openai/text-embedding-3-small\",\"input\":\"hello\"}");
        assertThat(relayed.statusCode()).isEqualTo(200);
        JsonNode r = parse(relayed.body());
        assertThat(r.get("model").asText()).isEqualTo("openai/text-embedding-3-small");
        assertConforms("CreateEmbeddingResponse", r);

        HttpResponse<String> placeholder = gw.post("/v1/embeddings",
                "{\"model\":\"gemini/gemini-embedding-001\",\"input\":[\"a\",\"b\"],\"dimensions\":8}");
        assertThat(placeholder.statusCode()).isEqualTo(200);
        assertThat(placeholder.headers().firstValue("agent-execution-mode")).hasValue("placeholder");
        JsonNode p = parse(placeholder.body());
        assertThat(p.get("data")).hasSize(2);
        assertThat(p.at("/data/1/embedding")).hasSize(8);
        assertConforms("CreateEmbeddingResponse", p);
    }

    // ---- models ------------------------------------------------------------------------------

    @Test
    void modelsConform() {
        HttpResponse<String> list = gw.get("/v1/models");
        assertThat(list.statusCode()).isEqualTo(200);
        JsonNode l = parse(list.body());
        assertThat(l.get("data").size()).isGreaterThan(10);
        assertConforms("ListModelsResponse", l);

        for (String path : List.of("/v1/models/gpt-4o-mini", "/v1/models/fireworks/accounts/fireworks/models/deepseek-v3",
                "/v1/models/fireworks%2Faccounts%2Ffireworks%2Fmodels%2Fdeepseek-v3")) {
            HttpResponse<String> one = gw.get(path);
            assertThat(one.statusCode()).as(path).isEqualTo(200);
            JsonNode m = parse(one.body());
            assertConforms("Model", m);
        }
    }

    // ---- errors ------------------------------------------------------------------------------

    private static void assertErrorConforms(HttpResponse<String> r, int status, String code) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
        JsonNode body = parse(r.body());
        if (code != null) assertThat(body.at("/error/code").asText()).isEqualTo(code);
        assertConforms("ErrorResponse", body);
    }

    @Test
    void errorBodiesConform() {
        String chat = "{\"model\":\"" + LIVE_CHAT + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        assertErrorConforms(gw.post("/v1/chat/completions", "{\"model\":\"" + LIVE_CHAT + "\",\"messages\":[]}"), 400, "empty_array");
        assertErrorConforms(gw.post("/v1/chat/completions", "{not json"), 400, "invalid_json");
        assertErrorConforms(gw.post("/v1/embeddings", "{\"model\":\"openai/text-embedding-3-small\"}"), 400, null);
        assertErrorConforms(gw.post("/v1/chat/completions", chat, RawKeys.generate()), 401, "invalid_api_key");
        assertErrorConforms(gw.post("/v1/chat/completions", chat, null), 401, "invalid_api_key");
        assertErrorConforms(gw.post("/v1/chat/completions",
                "{\"model\":\"no-such-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), 404, "model_not_found");
        assertErrorConforms(gw.get("/v1/models/no-such-model"), 404, "model_not_found");
        assertErrorConforms(gw.get("/v1/no-such-endpoint"), 404, null);

        openai.enqueue(Script.json(429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\","
                + "\"param\":null,\"code\":\"rate_limit_exceeded\"}}"));
        assertErrorConforms(gw.post("/v1/chat/completions", chat), 429, "provider_rate_limited");
    }
}
