package ai.zumik.bench;

import ai.zumik.catalog.ModelCatalog;
import ai.zumik.catalog.ModelRef;
import ai.zumik.config.ZumikConfig.Timeouts;
import ai.zumik.inference.ChatRequest;
import ai.zumik.json.Json;
import ai.zumik.provider.ChatCall;
import ai.zumik.v1.ChatRequestParser;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What the benchmarks feed the hot paths: a realistic coding-agent request (system prompt, four
 * tools with JSON schemas, nine messages with three tool calls and their results) and one
 * upstream SSE event of each measured kind, as the providers send them.
 */
final class BenchFixtures {
    static final String ANTHROPIC_MODEL = "claude-sonnet-4-5";
    static final String GEMINI_MODEL = "gemini-2.5-flash";
    static final ModelCatalog CATALOG = ModelCatalog.bundled();
    private static final Timeouts TIMEOUTS = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(120),
            Duration.ofSeconds(60), Duration.ofSeconds(600));

    /** A text fragment of typical size (Anthropic streams a few tokens per delta). */
    static final byte[] ANTHROPIC_TEXT_DELTA = bytes("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
            + "{\"type\":\"text_delta\",\"text\":\" the remainder to the first instalment, so the\"}}");
    /** A fragment of a tool call's arguments JSON. */
    static final byte[] ANTHROPIC_INPUT_JSON_DELTA = bytes("{\"type\":\"content_block_delta\",\"index\":1,\"delta\":"
            + "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"path\\\": \\\"src/main/java/com/exa\"}}");
    /** A mid-answer Gemini event: one text part, running usage, model version and response id. */
    static final byte[] GEMINI_TEXT_EVENT = bytes("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\" the remainder to "
            + "the first instalment, so the parts always add up to the total.\"}],\"role\":\"model\"},\"index\":0}],"
            + "\"usageMetadata\":{\"promptTokenCount\":2095,\"candidatesTokenCount\":24,\"totalTokenCount\":2119,"
            + "\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":2095}]},\"modelVersion\":\"gemini-2.5-flash\","
            + "\"responseId\":\"mKZ3aOCgM9XyvdIPk7m34Ao\"}");

    private BenchFixtures() {}

    /** The agent request as a client sends it, with {@code model} set. */
    static ObjectNode agentRequestJson(String model) {
        try (InputStream in = BenchFixtures.class.getResourceAsStream("/bench/agent-request.openai.json")) {
            if (in == null) throw new IllegalStateException("missing test resource bench/agent-request.openai.json");
            ObjectNode body = (ObjectNode) Json.parse(in.readAllBytes());
            body.put("model", model);
            return body;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The canonical request, validated as {@code /v1/chat/completions} validates it. */
    static ChatRequest agentRequest(String model) {
        return ChatRequestParser.parse(agentRequestJson(model));
    }

    /** The call the broker hands the Anthropic adapter for the agent request. */
    static ChatCall anthropicCall() {
        ChatRequest r = agentRequest("anthropic/" + ANTHROPIC_MODEL);
        ModelRef ref = CATALOG.resolve(r.model()).orElseThrow();
        return new ChatCall(r, ref, ref.model(), TIMEOUTS);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
