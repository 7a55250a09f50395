package ai.zumik.conformance;

import static ai.zumik.provider.gemini.GeminiFake.call;
import static ai.zumik.provider.gemini.GeminiFake.candidate;
import static ai.zumik.provider.gemini.GeminiFake.event;
import static ai.zumik.provider.gemini.GeminiFake.response;
import static ai.zumik.provider.gemini.GeminiFake.withParts;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.provider.gemini.GeminiFake;
import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Gemini API (ai.google.dev, "generateContent" / "streamGenerateContent"): {@code contents}
 * of {@code parts}, whole {@code functionCall} parts (arguments are never streamed in fragments),
 * {@code functionResponse} parts matched to calls by name and order, finishReason STOP /
 * MAX_TOKENS / SAFETY, {@code usageMetadata} whose prompt count includes cached content and whose
 * candidate count excludes thoughts, SSE events separated by CRLF with no terminator, errors in
 * Google's {@code {"error":{"code","message","status","details"}}} envelope (a bad key is a 400
 * {@code API_KEY_INVALID}; a rate limit's delay is a {@code RetryInfo} detail).
 */
final class GeminiDialect implements ProviderDialect {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final FakeProvider fake = GeminiFake.start();

    @Override
    public String name() {
        return "gemini";
    }

    @Override
    public String model() {
        return "gemini/gemini-2.5-flash";
    }

    @Override
    public String rateLimitedModel() {
        return "gemini/gemini-2.5-flash-lite";
    }

    @Override
    public FakeProvider fake() {
        return fake;
    }

    @Override
    public Map<String, String> env() {
        return Map.of("GEMINI_BASE_URL", fake.baseUrl(), "GEMINI_API_KEY", GeminiFake.KEY);
    }

    @Override
    public boolean supportsChoices() {
        return true;
    }

    @Override
    public boolean streamsArgumentFragments() {
        return false;
    }

    /** Protobuf JSON omits zero counters; {@link GeminiFake#usage} does the same. */
    private static ObjectNode usage(Tokens t) {
        return GeminiFake.usage(t.prompt(), t.completion() - t.reasoning(), t.reasoning(), t.cached());
    }

    @Override
    public Script text(String text) {
        return Script.json(response(candidate(text, "STOP"), usage(PLAIN)));
    }

    /** Every event carries the usage so far; the last one the finish reason and final counts. */
    private static Script.Stream textStream(List<String> pieces, String finish, Tokens t, boolean cut) {
        List<Script.Step> steps = new ArrayList<>();
        for (int i = 0; i < pieces.size(); i++) {
            boolean last = i == pieces.size() - 1 && !cut;
            Tokens soFar = last ? t : new Tokens(t.prompt(), t.cached(), i + 1, 0);
            steps.add(event(candidate(pieces.get(i), last ? finish : null), usage(soFar)));
        }
        if (cut) {
            // The words reach the client before the cut (sent together, the cut could be seen first and failed over).
            steps.add(new Script.Delay(150));
            steps.add(new Script.Cut());
        }
        return Script.sse(Map.of("content-type", "text/event-stream"), steps);
    }

    @Override
    public Script streamText(List<String> pieces) {
        return textStream(pieces, "STOP", PLAIN, false);
    }

    @Override
    public Script streamCut(List<String> pieces) {
        return textStream(pieces, null, PLAIN, true);
    }

    private static ObjectNode callsCandidate(List<Call> calls) {
        return withParts("STOP", calls.stream().map(c -> call(c.name(), c.arguments(), null)).toArray(ObjectNode[]::new));
    }

    @Override
    public Script toolCalls(List<Call> calls) {
        return Script.json(response(callsCandidate(calls), usage(PLAIN)));
    }

    /** Gemini sends all parallel calls whole, in one event. */
    @Override
    public Script streamToolCalls(List<Call> calls) {
        return Script.sse(Map.of("content-type", "text/event-stream"), List.of(event(callsCandidate(calls), usage(PLAIN))));
    }

    @Override
    public Script json(String schemaName, String json, boolean stream) {
        return stream ? streamText(List.of(json.substring(0, 9), json.substring(9))) : text(json);
    }

    @Override
    public Script finish(String reason, Call call, boolean stream) {
        if (reason.equals("tool_calls")) return stream ? streamToolCalls(List.of(call)) : toolCalls(List.of(call));
        ObjectNode c = switch (reason) {
            case "stop" -> candidate("Partial", "STOP");
            case "length" -> candidate("Partial", "MAX_TOKENS");
            case "content_filter" -> safetyBlocked();
            default -> throw new IllegalArgumentException(reason);
        };
        return stream ? Script.sse(Map.of("content-type", "text/event-stream"), List.of(event(c, usage(PLAIN))))
                : Script.json(response(c, usage(PLAIN)));
    }

    /** A candidate stopped for safety: no content, the ratings that stopped it. */
    private static ObjectNode safetyBlocked() {
        ObjectNode c = JSON.createObjectNode();
        c.put("finishReason", "SAFETY");
        c.put("index", 0);
        c.putArray("safetyRatings").addObject().put("category", "HARM_CATEGORY_DANGEROUS_CONTENT")
                .put("probability", "HIGH").put("blocked", true);
        return c;
    }

    @Override
    public Script usage(Tokens t, boolean stream) {
        return stream ? textStream(List.of("o", "k"), "STOP", t, false) : Script.json(response(candidate("ok", "STOP"), usage(t)));
    }

    @Override
    public Script twoChoices(String first, String second) {
        ObjectNode root = JSON.createObjectNode();
        root.putArray("candidates").add(candidate(first, "STOP")).add(candidate(second, "STOP").put("index", 1));
        root.set("usageMetadata", usage(PLAIN));
        root.put("modelVersion", "gemini-2.5-flash");
        root.put("responseId", "conformance02");
        return Script.json(root.toString());
    }

    private static Script error(int status, String grpc, String message, String detailsJson) {
        return Script.json(status, "{\"error\":{\"code\":" + status + ",\"message\":" + Script.quote(message)
                + ",\"status\":\"" + grpc + "\"" + (detailsJson == null ? "" : ",\"details\":" + detailsJson) + "}}");
    }

    @Override
    public Script badRequest(String message) {
        return error(400, "INVALID_ARGUMENT", message, null);
    }

    @Override
    public Script authFailure() {
        return error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
                "[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"API_KEY_INVALID\","
                        + "\"domain\":\"googleapis.com\",\"metadata\":{\"service\":\"generativelanguage.googleapis.com\"}}]");
    }

    @Override
    public Script rateLimited(long retryAfterSeconds) {
        return error(429, "RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan and billing details.",
                "[{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"" + retryAfterSeconds + "s\"}]");
    }

    @Override
    public Script serverError() {
        return error(500, "INTERNAL", "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting", null);
    }

    @Override
    public Script overloaded() {
        return error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.", null);
    }

    /**
     * The system prompt moves to {@code systemInstruction}; the calls become {@code functionCall}
     * parts of a model turn; the results one user turn of {@code functionResponse} parts in the
     * calls' order, each naming the function it answers (Gemini matches by name and position).
     */
    @Override
    public void assertToolTurns(JsonNode upstream, List<Call> calls, List<String> results) {
        assertThat(upstream.at("/systemInstruction/parts/0/text").asText()).isEqualTo("You are terse.");
        JsonNode contents = upstream.get("contents");
        assertThat(contents).hasSize(5);
        JsonNode model = contents.get(1);
        assertThat(model.get("role").asText()).isEqualTo("model");
        JsonNode responses = contents.get(2);
        assertThat(responses.get("role").asText()).isEqualTo("user");
        for (int i = 0; i < calls.size(); i++) {
            JsonNode fc = model.at("/parts/" + i + "/functionCall");
            assertThat(fc.get("name").asText()).isEqualTo(calls.get(i).name());
            assertThat(fc.get("args")).isEqualTo(ProviderConformanceTest.parse(calls.get(i).arguments()));
            JsonNode fr = responses.at("/parts/" + i + "/functionResponse");
            assertThat(fr.get("name").asText()).isEqualTo(calls.get(i).name());
            assertThat(fr.get("response").toString()).contains(results.get(i));
        }
        assertThat(contents.get(3).get("role").asText()).isEqualTo("model");
        assertThat(contents.get(4).get("role").asText()).isEqualTo("user");
    }

    @Override
    public void assertJsonSchemaRequested(JsonNode upstream, String schemaName) {
        assertThat(upstream.at("/generationConfig/responseMimeType").asText()).isEqualTo("application/json");
        assertThat(upstream.at("/generationConfig/responseSchema").isObject()).isTrue();
    }

    @Override
    public void assertTwoChoicesRequested(JsonNode upstream) {
        assertThat(upstream.at("/generationConfig/candidateCount").asInt()).isEqualTo(2);
    }
}
