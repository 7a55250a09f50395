package ai.zumik.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Chat Completions wire format OpenAI defined and xAI and Fireworks follow. Subclasses say
 * where a member departs from OpenAI: the error envelope, how a wrong key is answered, where usage
 * is reported (body fields, a header, which stream chunk) and what each id looks like.
 */
abstract class OpenAiFamilyDialect implements ProviderDialect {
    static final ObjectMapper JSON = new ObjectMapper();

    private final FakeProvider fake;

    OpenAiFamilyDialect(FakeProvider fake) {
        this.fake = fake;
    }

    @Override
    public FakeProvider fake() {
        return fake;
    }

    @Override
    public boolean streamsArgumentFragments() {
        return true;
    }

    // ---- how members differ ------------------------------------------------------------------

    /** The upstream model id in responses. */
    abstract String upstreamModel();

    abstract String completionId();

    /** OpenAI's {@code usage} object as this member reports {@code t}. */
    abstract ObjectNode usageObject(Tokens t);

    /** Response headers that carry usage (Fireworks' cached-token header), if any. */
    Map<String, String> usageHeaders(Tokens t) {
        return Map.of();
    }

    /** True when usage rides on the chunk with {@code finish_reason} instead of a final {@code choices: []} chunk. */
    boolean usageOnFinishChunk() {
        return false;
    }

    /** {@code {"error":{...}}} for {@code status} the way this member writes it. */
    abstract String errorBody(String type, String code, String message);

    // ---- non-stream --------------------------------------------------------------------------

    ObjectNode completion(List<ObjectNode> messages, List<String> finishReasons, Tokens t) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", completionId());
        root.put("object", "chat.completion");
        root.put("created", 1_760_000_000);
        root.put("model", upstreamModel());
        ArrayNode choices = root.putArray("choices");
        for (int i = 0; i < messages.size(); i++) {
            ObjectNode c = choices.addObject();
            c.put("index", i);
            c.set("message", messages.get(i));
            c.putNull("logprobs");
            c.put("finish_reason", finishReasons.get(i));
        }
        root.set("usage", usageObject(t));
        root.put("system_fingerprint", "fp_conformance");
        return root;
    }

    static ObjectNode assistant(String content, List<Call> calls) {
        ObjectNode m = JSON.createObjectNode();
        m.put("role", "assistant");
        if (content == null) m.putNull("content");
        else m.put("content", content);
        if (calls != null && !calls.isEmpty()) {
            ArrayNode tcs = m.putArray("tool_calls");
            for (Call c : calls) {
                ObjectNode tc = tcs.addObject();
                tc.put("id", c.id());
                tc.put("type", "function");
                tc.putObject("function").put("name", c.name()).put("arguments", c.arguments());
            }
        }
        m.putNull("refusal");
        return m;
    }

    Script reply(ObjectNode body, Tokens t) {
        Map<String, String> headers = new LinkedHashMap<>(usageHeaders(t));
        headers.put("content-type", "application/json");
        return new Script.Reply(200, headers, body.toString());
    }

    @Override
    public Script text(String text) {
        return reply(completion(List.of(assistant(text, null)), List.of("stop"), PLAIN), PLAIN);
    }

    @Override
    public Script toolCalls(List<Call> calls) {
        return reply(completion(List.of(assistant(null, calls)), List.of("tool_calls"), PLAIN), PLAIN);
    }

    @Override
    public Script json(String schemaName, String json, boolean stream) {
        return stream ? streamText(List.of(json.substring(0, 9), json.substring(9))) : text(json);
    }

    @Override
    public Script finish(String reason, Call call, boolean stream) {
        if (reason.equals("tool_calls")) return stream ? streamToolCalls(List.of(call)) : toolCalls(List.of(call));
        String content = reason.equals("content_filter") ? "" : "Partial";
        if (stream) return stream(List.of(delta("content", content)), reason, PLAIN, false);
        return reply(completion(List.of(assistant(content, null)), List.of(reason), PLAIN), PLAIN);
    }

    @Override
    public Script usage(Tokens t, boolean stream) {
        if (stream) return stream(List.of(delta("content", "ok")), "stop", t, false);
        return reply(completion(List.of(assistant("ok", null)), List.of("stop"), t), t);
    }

    @Override
    public Script twoChoices(String first, String second) {
        return reply(completion(List.of(assistant(first, null), assistant(second, null)), List.of("stop", "stop"), PLAIN),
                PLAIN);
    }

    // ---- stream ------------------------------------------------------------------------------

    ObjectNode chunk(ArrayNode choices) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", completionId());
        root.put("object", "chat.completion.chunk");
        root.put("created", 1_760_000_000);
        root.put("model", upstreamModel());
        root.put("system_fingerprint", "fp_conformance");
        root.set("choices", choices);
        root.putNull("usage");
        return root;
    }

    static ObjectNode delta(String field, String value) {
        ObjectNode d = JSON.createObjectNode();
        d.put(field, value);
        return d;
    }

    private ArrayNode choice(ObjectNode delta, String finishReason) {
        ArrayNode choices = JSON.createArrayNode();
        ObjectNode c = choices.addObject();
        c.put("index", 0);
        c.set("delta", delta);
        c.putNull("logprobs");
        if (finishReason == null) c.putNull("finish_reason");
        else c.put("finish_reason", finishReason);
        return choices;
    }

    /** Role chunk, one chunk per delta, the finish chunk, usage where this member puts it, [DONE]; or a cut. */
    Script.Stream stream(List<ObjectNode> deltas, String finishReason, Tokens t, boolean cut) {
        List<Script.Step> steps = new ArrayList<>();
        ObjectNode role = JSON.createObjectNode().put("role", "assistant").put("content", "");
        steps.add(Script.data(chunk(choice(role, null)).toString()));
        for (ObjectNode d : deltas) steps.add(Script.data(chunk(choice(d, null)).toString()));
        if (cut) {
            // The words reach the client before the cut (sent together, the cut could be seen first and failed over).
            steps.add(new Script.Delay(150));
            steps.add(new Script.Cut());
        } else {
            ObjectNode finish = chunk(choice(JSON.createObjectNode(), finishReason));
            if (usageOnFinishChunk()) {
                finish.set("usage", usageObject(t));
                steps.add(Script.data(finish.toString()));
            } else {
                steps.add(Script.data(finish.toString()));
                ObjectNode usage = chunk(JSON.createArrayNode());
                usage.set("usage", usageObject(t));
                steps.add(Script.data(usage.toString()));
            }
            steps.add(Script.done());
        }
        return Script.sse(usageHeaders(t), steps);
    }

    @Override
    public Script streamText(List<String> pieces) {
        return stream(pieces.stream().map(p -> delta("content", p)).toList(), "stop", PLAIN, false);
    }

    @Override
    public Script streamCut(List<String> pieces) {
        return stream(pieces.stream().map(p -> delta("content", p)).toList(), null, PLAIN, true);
    }

    /** Each call: a head with id and name, then its arguments in three fragments, as OpenAI streams them. */
    @Override
    public Script streamToolCalls(List<Call> calls) {
        List<ObjectNode> deltas = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            Call c = calls.get(i);
            ObjectNode head = JSON.createObjectNode();
            head.putNull("content");
            ObjectNode tc = head.putArray("tool_calls").addObject();
            tc.put("index", i);
            tc.put("id", c.id());
            tc.put("type", "function");
            tc.putObject("function").put("name", c.name()).put("arguments", "");
            deltas.add(head);
            for (String fragment : ProviderConformanceTest.thirds(c.arguments())) {
                ObjectNode d = JSON.createObjectNode();
                ObjectNode f = d.putArray("tool_calls").addObject();
                f.put("index", i);
                f.putObject("function").put("arguments", fragment);
                deltas.add(d);
            }
        }
        return stream(deltas, "tool_calls", PLAIN, false);
    }

    // ---- errors ------------------------------------------------------------------------------

    Script error(int status, String body, String... headerPairs) {
        Map<String, String> headers = new LinkedHashMap<>(FakeProvider.headers(headerPairs));
        headers.put("content-type", "application/json");
        return new Script.Reply(status, headers, body);
    }

    @Override
    public Script badRequest(String message) {
        return error(400, errorBody("invalid_request_error", null, message));
    }

    @Override
    public Script rateLimited(long retryAfterSeconds) {
        return error(429, errorBody("requests", "rate_limit_exceeded", "Rate limit reached for requests"),
                "retry-after", Long.toString(retryAfterSeconds));
    }

    @Override
    public Script serverError() {
        return error(500, errorBody("server_error", null, "The server had an error while processing your request."));
    }

    @Override
    public Script overloaded() {
        return error(503, errorBody("server_error", null, "The engine is currently overloaded, please try again later."));
    }

    // ---- upstream requests -------------------------------------------------------------------

    /** The family takes the client's messages as they are: ids, order and contents unchanged. */
    @Override
    public void assertToolTurns(JsonNode upstream, List<Call> calls, List<String> results) {
        JsonNode messages = upstream.get("messages");
        assertThat(messages).hasSize(7);
        JsonNode assistant = messages.get(2);
        for (int i = 0; i < calls.size(); i++) {
            assertThat(assistant.at("/tool_calls/" + i + "/id").asText()).isEqualTo(calls.get(i).id());
            assertThat(assistant.at("/tool_calls/" + i + "/function/name").asText()).isEqualTo(calls.get(i).name());
            JsonNode tool = messages.get(3 + i);
            assertThat(tool.get("role").asText()).isEqualTo("tool");
            assertThat(tool.get("tool_call_id").asText()).isEqualTo(calls.get(i).id());
            assertThat(tool.get("content").asText()).isEqualTo(results.get(i));
        }
        assertThat(upstream.get("model").asText()).isEqualTo(model().substring(model().indexOf('/') + 1));
    }

    @Override
    public void assertJsonSchemaRequested(JsonNode upstream, String schemaName) {
        assertThat(upstream.at("/response_format/type").asText()).isEqualTo("json_schema");
        assertThat(upstream.at("/response_format/json_schema/name").asText()).isEqualTo(schemaName);
    }

    @Override
    public void assertTwoChoicesRequested(JsonNode upstream) {
        assertThat(upstream.get("n").asInt()).isEqualTo(2);
    }
}
