package ai.zumik.conformance;

import static ai.zumik.provider.anthropic.AnthropicFake.blockStop;
import static ai.zumik.provider.anthropic.AnthropicFake.event;
import static ai.zumik.provider.anthropic.AnthropicFake.messageEnd;
import static ai.zumik.provider.anthropic.AnthropicFake.messageStart;
import static ai.zumik.provider.anthropic.AnthropicFake.textDelta;
import static ai.zumik.provider.anthropic.AnthropicFake.textStart;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.provider.anthropic.AnthropicFake;
import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Anthropic's Messages API (docs.anthropic.com, "Messages" and "Streaming Messages"): content
 * blocks instead of a message string, {@code tool_use} blocks with {@code input} objects streamed
 * as {@code input_json_delta} fragments, {@code stop_reason} end_turn / max_tokens / tool_use /
 * refusal, {@code input_tokens} excluding cache reads, errors as {@code {"type":"error","error":{...}}}
 * with 529 for overload. JSON output is a forced tool named after the schema; {@code n > 1} is
 * refused by the manifest.
 */
final class AnthropicDialect implements ProviderDialect {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final FakeProvider fake = AnthropicFake.start();

    @Override
    public String name() {
        return "anthropic";
    }

    @Override
    public String model() {
        return "anthropic/claude-sonnet-4-5";
    }

    @Override
    public String rateLimitedModel() {
        return "anthropic/claude-haiku-4-5";
    }

    @Override
    public FakeProvider fake() {
        return fake;
    }

    @Override
    public Map<String, String> env() {
        return Map.of("ANTHROPIC_BASE_URL", fake.baseUrl(), "ANTHROPIC_API_KEY", "sk-ant-api03-conformance-123456");
    }

    @Override
    public boolean supportsChoices() {
        return false;
    }

    @Override
    public boolean streamsArgumentFragments() {
        return true;
    }

    private static String usage(Tokens t) {
        return JSON.createObjectNode().put("input_tokens", t.prompt() - t.cached()).put("cache_creation_input_tokens", 0)
                .put("cache_read_input_tokens", t.cached()).put("output_tokens", t.completion()).toString();
    }

    private static String startUsage(Tokens t) {
        return JSON.createObjectNode().put("input_tokens", t.prompt() - t.cached()).put("cache_creation_input_tokens", 0)
                .put("cache_read_input_tokens", t.cached()).put("output_tokens", 1).toString();
    }

    private static String endUsage(Tokens t) {
        return JSON.createObjectNode().put("output_tokens", t.completion()).toString();
    }

    private static String textBlocks(String text) {
        ArrayNode a = JSON.createArrayNode();
        a.addObject().put("type", "text").put("text", text);
        return a.toString();
    }

    private static ArrayNode toolBlocks(List<Call> calls) {
        ArrayNode a = JSON.createArrayNode();
        for (Call c : calls) {
            ObjectNode b = a.addObject();
            b.put("type", "tool_use");
            b.put("id", c.id());
            b.put("name", c.name());
            b.set("input", ProviderConformanceTest.parse(c.arguments()));
        }
        return a;
    }

    @Override
    public Script text(String text) {
        return AnthropicFake.message(textBlocks(text), "end_turn", usage(PLAIN));
    }

    private static final String PING = event("ping", "{\"type\": \"ping\"}");

    private static Script.Stream textStream(List<String> pieces, String stopReason, Tokens t, boolean cut) {
        List<Script.Step> steps = new ArrayList<>();
        steps.add(Script.raw(messageStart(startUsage(t)) + textStart(0) + PING));
        for (String p : pieces) steps.add(Script.raw(textDelta(0, p)));
        if (cut) {
            // The words reach the client before the cut (sent together, the cut could be seen first and failed over).
            steps.add(new Script.Delay(150));
            steps.add(new Script.Cut());
        }
        else steps.add(Script.raw(blockStop(0) + messageEnd(stopReason, endUsage(t))));
        return Script.sse(steps.toArray(Script.Step[]::new));
    }

    @Override
    public Script streamText(List<String> pieces) {
        return textStream(pieces, "end_turn", PLAIN, false);
    }

    @Override
    public Script streamCut(List<String> pieces) {
        return textStream(pieces, null, PLAIN, true);
    }

    @Override
    public Script toolCalls(List<Call> calls) {
        return AnthropicFake.message(toolBlocks(calls).toString(), "tool_use", usage(PLAIN));
    }

    /** Each tool_use block: start with an empty input, the input JSON in three fragments, stop. */
    @Override
    public Script streamToolCalls(List<Call> calls) {
        return toolStream(calls, PLAIN);
    }

    private static Script.Stream toolStream(List<Call> calls, Tokens t) {
        List<Script.Step> steps = new ArrayList<>();
        steps.add(Script.raw(messageStart(startUsage(t)) + PING));
        for (int i = 0; i < calls.size(); i++) {
            Call c = calls.get(i);
            ObjectNode start = JSON.createObjectNode().put("type", "content_block_start").put("index", i);
            start.putObject("content_block").put("type", "tool_use").put("id", c.id()).put("name", c.name()).putObject("input");
            steps.add(Script.raw(event("content_block_start", start.toString())));
            for (String fragment : ProviderConformanceTest.thirds(c.arguments())) {
                ObjectNode d = JSON.createObjectNode().put("type", "content_block_delta").put("index", i);
                d.putObject("delta").put("type", "input_json_delta").put("partial_json", fragment);
                steps.add(Script.raw(event("content_block_delta", d.toString())));
            }
            steps.add(Script.raw(blockStop(i)));
        }
        steps.add(Script.raw(messageEnd("tool_use", endUsage(t))));
        return Script.sse(steps.toArray(Script.Step[]::new));
    }

    /** Zumik asks for JSON with a forced tool named after the schema; the answer is that tool's input. */
    @Override
    public Script json(String schemaName, String json, boolean stream) {
        Call answer = new Call("toolu_01JsonAnswer", schemaName, json);
        return stream ? toolStream(List.of(answer), PLAIN) : toolCalls(List.of(answer));
    }

    @Override
    public Script finish(String reason, Call call, boolean stream) {
        if (reason.equals("tool_calls")) return stream ? streamToolCalls(List.of(call)) : toolCalls(List.of(call));
        String stop = switch (reason) {
            case "stop" -> "end_turn";
            case "length" -> "max_tokens";
            case "content_filter" -> "refusal";
            default -> throw new IllegalArgumentException(reason);
        };
        return stream ? textStream(List.of("Partial"), stop, PLAIN, false)
                : AnthropicFake.message(textBlocks("Partial"), stop, usage(PLAIN));
    }

    @Override
    public Script usage(Tokens t, boolean stream) {
        return stream ? textStream(List.of("ok"), "end_turn", t, false)
                : AnthropicFake.message(textBlocks("ok"), "end_turn", usage(t));
    }

    @Override
    public Script twoChoices(String first, String second) {
        throw new UnsupportedOperationException("Anthropic answers one choice per request");
    }

    @Override
    public Script badRequest(String message) {
        return AnthropicFake.error(400, "invalid_request_error", message);
    }

    @Override
    public Script authFailure() {
        return AnthropicFake.error(401, "authentication_error", "invalid x-api-key");
    }

    @Override
    public Script rateLimited(long retryAfterSeconds) {
        return AnthropicFake.error(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit",
                "retry-after", Long.toString(retryAfterSeconds));
    }

    @Override
    public Script serverError() {
        return AnthropicFake.error(500, "api_error", "Internal server error");
    }

    @Override
    public Script overloaded() {
        return AnthropicFake.error(529, "overloaded_error", "Overloaded");
    }

    /**
     * The system prompt moves to {@code system}; the assistant's calls become {@code tool_use}
     * blocks with the client's ids; both results go back in one user message as {@code tool_result}
     * blocks whose {@code tool_use_id} names the call they answer.
     */
    @Override
    public void assertToolTurns(JsonNode upstream, List<Call> calls, List<String> results) {
        assertThat(upstream.get("system").toString()).contains("You are terse.");
        JsonNode messages = upstream.get("messages");
        assertThat(messages).hasSize(5);
        JsonNode assistant = messages.get(1);
        assertThat(assistant.get("role").asText()).isEqualTo("assistant");
        JsonNode toolResults = messages.get(2);
        assertThat(toolResults.get("role").asText()).isEqualTo("user");
        for (int i = 0; i < calls.size(); i++) {
            JsonNode use = assistant.at("/content/" + i);
            assertThat(use.get("type").asText()).isEqualTo("tool_use");
            assertThat(use.get("id").asText()).isEqualTo(calls.get(i).id());
            assertThat(use.get("name").asText()).isEqualTo(calls.get(i).name());
            assertThat(use.get("input")).isEqualTo(ProviderConformanceTest.parse(calls.get(i).arguments()));
            JsonNode result = toolResults.at("/content/" + i);
            assertThat(result.get("type").asText()).isEqualTo("tool_result");
            assertThat(result.get("tool_use_id").asText()).isEqualTo(calls.get(i).id());
            assertThat(result.get("content").toString()).contains(results.get(i));
        }
        assertThat(messages.get(3).get("role").asText()).isEqualTo("assistant");
        assertThat(messages.get(4).get("role").asText()).isEqualTo("user");
    }

    @Override
    public void assertJsonSchemaRequested(JsonNode upstream, String schemaName) {
        assertThat(upstream.at("/tool_choice/type").asText()).isEqualTo("tool");
        assertThat(upstream.at("/tool_choice/name").asText()).isEqualTo(schemaName);
        List<String> names = new ArrayList<>();
        for (JsonNode t : upstream.get("tools")) names.add(t.get("name").asText());
        assertThat(names).contains(schemaName);
    }

    @Override
    public void assertTwoChoicesRequested(JsonNode upstream) {
        throw new UnsupportedOperationException("Anthropic answers one choice per request");
    }
}
