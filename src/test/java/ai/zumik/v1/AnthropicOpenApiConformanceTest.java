package ai.zumik.v1;

import static ai.zumik.v1.OpenApiConformanceTest.assertConforms;
import static ai.zumik.v1.OpenApiConformanceTest.parse;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.provider.anthropic.AnthropicFake;
import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.SseClient;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Completions and chunks translated from Anthropic, validated against OpenAI's OpenAPI schema with
 * {@link OpenApiConformanceTest}'s validator.
 */
class AnthropicOpenApiConformanceTest {
    private static final String MODEL = "anthropic/claude-sonnet-4-5";
    static FakeProvider anthropic;
    static TestGateway gw;

    @BeforeAll
    static void start() throws IOException {
        OpenApiConformanceTest.loadSchemas();
        anthropic = AnthropicFake.start();
        gw = TestGateway.start("ANTHROPIC_BASE_URL", anthropic.baseUrl(), "ANTHROPIC_API_KEY", "sk-ant-test-1234567890",
                // Circuits are not under test here: failure tests must not make the next test skip the target.
                "ZUMIK_CIRCUIT_OPEN_MS", "1");
    }

    @AfterAll
    static void stop() {
        gw.close();
        anthropic.close();
    }

    private static final String TOOLS = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}},"
            + "{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}]";

    @Test
    void translatedCompletionsConform() {
        HttpResponse<String> text = gw.post("/v1/chat/completions",
                "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(text.statusCode()).isEqualTo(200);
        assertConforms("CreateChatCompletionResponse", parse(text.body()));

        anthropic.enqueue(AnthropicFake.message("[{\"type\":\"tool_use\",\"id\":\"toolu_01W\",\"name\":\"get_weather\","
                + "\"input\":{\"city\":\"Paris\"}}]", "tool_use",
                "{\"input_tokens\":40,\"cache_read_input_tokens\":1200,\"output_tokens\":12}"));
        HttpResponse<String> tools = gw.post("/v1/chat/completions",
                "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"}]," + TOOLS + "}");
        JsonNode body = parse(tools.body());
        assertThat(body.at("/choices/0/message/content").isNull()).isTrue();
        assertThat(body.at("/usage/prompt_tokens_details/cached_tokens").asLong()).isEqualTo(1200);
        assertConforms("CreateChatCompletionResponse", body);
    }

    @Test
    void translatedStreamChunksConform() throws IOException {
        for (String script : List.of("parallel-tools.sse", "text.sse")) {
            anthropic.enqueue(AnthropicFake.transcript(script));
            try (SseClient c = SseClient.post(gw, "/v1/chat/completions", "{\"model\":\"" + MODEL + "\",\"stream\":true,"
                    + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," + TOOLS + "}")) {
                List<SseClient.Event> events = c.all();
                assertThat(events.getLast().done()).isTrue();
                assertThat(events).hasSizeGreaterThan(3);
                for (SseClient.Event e : events.subList(0, events.size() - 1)) {
                    assertConforms("CreateChatCompletionStreamResponse", e.json());
                }
            }
        }
    }

    @Test
    void translatedErrorsConform() throws IOException {
        anthropic.enqueue(AnthropicFake.error(529, "overloaded_error", "Overloaded"),
                AnthropicFake.error(529, "overloaded_error", "Overloaded")); // retried once, then reported
        HttpResponse<String> r = gw.post("/v1/chat/completions",
                "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.statusCode()).isEqualTo(503);
        assertConforms("ErrorResponse", parse(r.body()));

        anthropic.enqueue(AnthropicFake.transcript("error-after-content.sse", "event: error", 150));
        try (SseClient c = SseClient.post(gw, "/v1/chat/completions", "{\"model\":\"" + MODEL + "\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")) {
            assertConforms("ErrorResponse", c.all().getLast().json());
        }
    }
}
