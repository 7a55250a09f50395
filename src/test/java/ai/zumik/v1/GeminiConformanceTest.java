package ai.zumik.v1;

import static ai.zumik.v1.OpenApiConformanceTest.assertConforms;
import static ai.zumik.v1.OpenApiConformanceTest.parse;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.SseClient;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the Gemini translation produces, validated against OpenAI's OpenAPI document with the
 * machinery of {@link OpenApiConformanceTest}: completions (text and tool calls), every stream
 * chunk including the usage-only one, embeddings and errors.
 */
class GeminiConformanceTest {
    private static final String KEY = "AIzaSyCONFORMANCE-key-000000000000000000";
    static FakeProvider gemini;
    static TestGateway gw;

    @BeforeAll
    static void start() throws IOException {
        OpenApiConformanceTest.loadSchemas();
        gemini = FakeProvider.start("/v1beta", r -> Script.json("{}"));
        gw = TestGateway.start("GEMINI_BASE_URL", gemini.baseUrl(), "GEMINI_API_KEY", KEY);
    }

    @AfterAll
    static void stop() {
        gw.close();
        gemini.close();
    }

    private static String transcript(String name) throws IOException {
        try (InputStream in = GeminiConformanceTest.class.getResourceAsStream("/gemini/" + name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void completionsWithTextAndToolCallsConform() throws IOException {
        gemini.enqueue(Script.json(transcript("generate-two-candidates.json")));
        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"gemini/gemini-2.5-flash\",\"n\":2,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"function\",\"function\":"
                + "{\"name\":\"get_weather\"}}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = parse(r.body());
        assertThat(body.get("choices")).hasSize(2);
        assertConforms("CreateChatCompletionResponse", body);
    }

    @Test
    void everyStreamChunkConforms() throws IOException {
        for (String name : List.of("stream-text.sse", "stream-parallel-calls.sse")) {
            gemini.enqueue(Script.sse(Map.of(), List.of(Script.raw(transcript(name)))));
            try (SseClient c = SseClient.post(gw, "/v1/chat/completions", "{\"model\":\"gemini/gemini-2.5-flash\",\"stream\":true,"
                    + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")) {
                List<SseClient.Event> events = c.all();
                assertThat(events.getLast().done()).isTrue();
                List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(SseClient.Event::json).toList();
                assertThat(chunks).as("%s: content, finish and usage chunks", name).hasSizeGreaterThan(2)
                        .anySatisfy(chunk -> assertThat(chunk.at("/choices/0/finish_reason").isTextual()).isTrue());
                assertThat(chunks.getLast().get("choices")).as("the usage-only chunk").isEmpty();
                for (JsonNode chunk : chunks) {
                    assertConforms("CreateChatCompletionStreamResponse", chunk);
                }
            }
        }
    }

    @Test
    void embeddingsAndErrorsConform() {
        gemini.enqueue(Script.json("{\"embeddings\":[{\"values\":[0.5,0.5]},{\"values\":[1,0]}]}"));
        HttpResponse<String> r = gw.post("/v1/embeddings", "{\"model\":\"gemini/gemini-embedding-001\",\"input\":[\"a\",\"b\"]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertConforms("CreateEmbeddingResponse", parse(r.body()));

        gemini.enqueue(Script.json(429, "{\"error\":{\"code\":429,\"message\":\"quota\",\"status\":\"RESOURCE_EXHAUSTED\"}}"));
        HttpResponse<String> limited = gw.post("/v1/chat/completions", "{\"model\":\"gemini/gemini-2.5-flash\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertConforms("ErrorResponse", parse(limited.body()));
    }
}
