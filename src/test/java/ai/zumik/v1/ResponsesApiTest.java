package ai.zumik.v1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.zumik.provider.anthropic.AnthropicFake;
import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.ResponsesWire;
import ai.zumik.testing.Script;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code /v1/responses} end to end: the official Java SDK's {@code responses()} client, stream and
 * non-stream, against OpenAI (native Responses API, a fake speaking it) and against Anthropic and
 * xAI (translated through the chat path); every body and stream event validated against OpenAI's
 * OpenAPI schemas; tools and function calls; {@code text.format}; {@code previous_response_id}
 * chains that move between providers; storage, {@code input_items}, delete, background and cancel;
 * failover and a broken stream; precise 400s.
 */
@Timeout(120)
class ResponsesApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OPENAI = "openai/gpt-4o-mini";
    private static final String ANTHROPIC = "anthropic/claude-haiku-4-5";
    private static final String XAI = "xai/grok-3";

    static FakeProvider openai;
    static FakeProvider anthropic;
    static FakeProvider xai;
    static FakeProvider gemini;
    static TestGateway gw;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        OpenApiConformanceTest.loadSchemas();
        openai = FakeProvider.start();
        anthropic = AnthropicFake.start();
        xai = FakeProvider.start();
        gemini = ai.zumik.provider.gemini.GeminiFake.start();
        gw = TestGateway.start("GEMINI_BASE_URL", gemini.baseUrl(), "GEMINI_API_KEY", ai.zumik.provider.gemini.GeminiFake.KEY,
                "OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-openai-123456",
                "ANTHROPIC_BASE_URL", anthropic.baseUrl(), "ANTHROPIC_API_KEY", "sk-ant-test-123456",
                "XAI_BASE_URL", xai.baseUrl(), "XAI_API_KEY", "xai-test-key-123456");
        client = OpenAIOkHttpClient.builder().baseUrl(gw.url() + "/v1").apiKey(gw.adminKey()).maxRetries(0)
                .responseValidation(true).timeout(Duration.ofSeconds(20)).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        gw.close();
        openai.close();
        anthropic.close();
        xai.close();
        gemini.close();
    }

    @BeforeEach
    void clean() {
        openai.reset();
        anthropic.reset();
        xai.reset();
        gemini.reset();
    }

    private static JsonNode parse(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }

    private static JsonNode create(String body) {
        HttpResponse<String> r = gw.post("/v1/responses", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode doc = parse(r.body());
        OpenApiConformanceTest.assertConforms("Response", asSchemaSays(doc));
        return doc;
    }

    /**
     * OpenAI itself sends {@code "usage": null} and {@code "user": null} in Response objects (see
     * the recorded transcripts the fake replays), which its OpenAPI document does not allow; a
     * native body is checked without those two members. Zumik's own Response objects omit them.
     */
    private static JsonNode asSchemaSays(JsonNode doc) {
        JsonNode copy = doc.deepCopy();
        JsonNode response = copy.has("object") ? copy : copy.get("response");
        if (response instanceof com.fasterxml.jackson.databind.node.ObjectNode o && "resp_".length() > 0) {
            if (o.path("usage").isNull()) o.remove("usage");
            if (o.path("user").isNull()) o.remove("user");
        }
        return copy;
    }

    private static JsonNode error(String body, int status) {
        HttpResponse<String> r = gw.post("/v1/responses", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode doc = parse(r.body());
        OpenApiConformanceTest.assertConforms("ErrorResponse", doc);
        return doc.get("error");
    }

    /** The events of a raw stream, each validated against its own schema; the event: lines must match. */
    private static List<JsonNode> streamEvents(String body) {
        HttpResponse<String> r = gw.post("/v1/responses", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        List<JsonNode> events = new ArrayList<>();
        String eventName = null;
        for (String line : r.body().split("\n")) {
            if (line.startsWith("event: ")) eventName = line.substring(7);
            if (!line.startsWith("data: ")) continue;
            JsonNode e = parse(line.substring(6));
            assertThat(e.path("type").asText()).as("event: line").isEqualTo(eventName);
            OpenApiConformanceTest.assertConforms("ResponseStreamEvent", asSchemaSays(e));
            events.add(e);
        }
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).path("sequence_number").asInt()).as("sequence numbers count up from 0").isEqualTo(i);
        }
        return events;
    }

    private static List<String> types(List<JsonNode> events) {
        return events.stream().map(e -> e.path("type").asText()).toList();
    }

    private static String outputText(Response r) {
        StringBuilder sb = new StringBuilder();
        r.output().forEach(item -> item.message().ifPresent(m -> m.content().forEach(c -> c.outputText().ifPresent(t -> sb.append(t.text())))));
        return sb.toString();
    }

    // ---- the SDK, native and translated ---------------------------------------------------------

    @Test
    void theSdkGetsANativeOpenAiResponseUnderZumiksId() {
        Response r = client.responses().create(ResponseCreateParams.builder().model(OPENAI).input("hello there")
                .instructions("Be brief.").build());
        assertThat(r.id()).startsWith("resp_");
        assertThat(r.status()).contains(ResponseStatus.COMPLETED);
        assertThat(outputText(r)).isEqualTo("echo: hello there");
        assertThat(r.usage().get().inputTokens()).isEqualTo(12);
        assertThat(r.usage().get().outputTokens()).isEqualTo(6);

        FakeProvider.Received up = openai.lastRequest();
        assertThat(up.path()).isEqualTo("/v1/responses");
        JsonNode sent = up.json();
        assertThat(sent.path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(sent.path("store").asBoolean(true)).as("the upstream keeps nothing; Zumik stores").isFalse();
        assertThat(sent.path("instructions").asText()).isEqualTo("Be brief.");
        assertThat(sent.path("input").asText()).isEqualTo("hello there");

        Response again = client.responses().retrieve(r.id());
        assertThat(again.id()).isEqualTo(r.id());
        assertThat(outputText(again)).isEqualTo("echo: hello there");
        assertThat(again._additionalProperties().get("store").toString()).isEqualTo("true");
    }

    @Test
    void theSdkStreamsANativeOpenAiResponse() {
        ResponseAccumulator acc = ResponseAccumulator.create();
        List<String> deltas = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> s = client.responses().createStreaming(
                ResponseCreateParams.builder().model(OPENAI).input("stream me please").build())) {
            s.stream().forEach(e -> {
                acc.accumulate(e);
                e.outputTextDelta().ifPresent(d -> deltas.add(d.delta()));
            });
        }
        Response done = acc.response();
        assertThat(done.id()).startsWith("resp_").isNotEqualTo("resp_up1");
        assertThat(outputText(done)).isEqualTo("echo: stream me please");
        assertThat(String.join("", deltas)).isEqualTo("echo: stream me please");
        assertThat(openai.lastRequest().json().path("stream").asBoolean()).isTrue();
        assertThat(outputText(client.responses().retrieve(done.id()))).isEqualTo("echo: stream me please");
    }

    @Test
    void theSdkGetsAnthropicsAnswerAsAResponseStreamAndNonStream() {
        Response r = client.responses().create(ResponseCreateParams.builder().model(ANTHROPIC).input("bonjour")
                .instructions("Answer in French.").maxOutputTokens(100).build());
        assertThat(outputText(r)).isEqualTo("echo: bonjour");
        assertThat(r.usage().get().inputTokens()).isEqualTo(11);
        assertThat(r.usage().get().outputTokens()).isEqualTo(7);
        JsonNode sent = anthropic.lastRequest().json();
        assertThat(anthropic.lastRequest().path()).isEqualTo("/v1/messages");
        assertThat(sent.path("system").toString()).contains("Answer in French.");
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(100);

        ResponseAccumulator acc = ResponseAccumulator.createWithSnapshots();
        try (StreamResponse<ResponseStreamEvent> s = client.responses().createStreaming(
                ResponseCreateParams.builder().model(ANTHROPIC).input("salut toi").build())) {
            s.stream().forEach(acc::accumulate);
        }
        Response streamed = acc.response();
        assertThat(outputText(streamed)).isEqualTo("echo: salut toi");
        assertThat(outputText(acc.reconstructedResponse())).as("the events alone make the same answer").isEqualTo("echo: salut toi");
        assertThat(streamed.usage().get().outputTokens()).isEqualTo(7);
    }

    @Test
    void geminiAnswersTheResponsesApiToo() {
        Response r = client.responses().create(ResponseCreateParams.builder().model("gemini/gemini-2.5-flash").input("ciao")
                .instructions("Be Italian.").build());
        assertThat(outputText(r)).isEqualTo("echo: ciao");
        assertThat(gemini.lastRequest().path()).contains(":generateContent");
        assertThat(gemini.lastRequest().json().path("systemInstruction").toString()).contains("Be Italian.");
        ResponseAccumulator acc = ResponseAccumulator.create();
        try (StreamResponse<ResponseStreamEvent> s = client.responses().createStreaming(
                ResponseCreateParams.builder().model("gemini/gemini-2.5-flash").input("ancora una volta").build())) {
            s.stream().forEach(acc::accumulate);
        }
        assertThat(outputText(acc.response())).isEqualTo("echo: ancora una volta");
        assertThat(gemini.lastRequest().path()).contains(":streamGenerateContent");
    }

    @Test
    void everyTranslatedStreamEventConformsAndComesInOpenAisOrder() {
        List<JsonNode> events = streamEvents("{\"model\":\"" + ANTHROPIC + "\",\"input\":\"one two\",\"stream\":true}");
        assertThat(types(events)).containsExactly("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
                "response.output_text.delta", "response.output_text.done", "response.content_part.done",
                "response.output_item.done", "response.completed");
        JsonNode completed = events.getLast().get("response");
        assertThat(completed.path("status").asText()).isEqualTo("completed");
        assertThat(completed.at("/output/0/content/0/text").asText()).isEqualTo("echo: one two");
        String id = events.getFirst().at("/response/id").asText();
        assertThat(completed.path("id").asText()).isEqualTo(id);
        assertThat(events.get(4).path("item_id").asText()).isEqualTo(completed.at("/output/0/id").asText());
    }

    @Test
    void everyNativeStreamEventConformsAndCarriesZumiksId() {
        List<JsonNode> events = streamEvents("{\"model\":\"" + OPENAI + "\",\"input\":\"a b\",\"stream\":true}");
        assertThat(types(events)).startsWith("response.created", "response.in_progress").endsWith("response.completed");
        for (JsonNode e : events) {
            if (e.has("response")) {
                assertThat(e.at("/response/id").asText()).startsWith("resp_").isNotEqualTo("resp_up1");
                assertThat(e.at("/response/store").asBoolean()).isTrue();
            }
        }
    }

    // ---- tools, formats, chains ------------------------------------------------------------------

    private static final String WEATHER_TOOL = "{\"type\":\"function\",\"name\":\"get_weather\",\"description\":\"Weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]},"
            + "\"strict\":true}";

    private static Script toolCallStream(String model) {
        String head = "{\"id\":\"chatcmpl-t\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"" + model + "\",";
        return Script.sse(
                Script.data(head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":"
                        + "[{\"index\":0,\"id\":\"call_abc\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                        + "\"arguments\":\"\"}}]},\"finish_reason\":null}]}"),
                Script.data(head + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
                        + "{\"arguments\":\"{\\\"city\\\":\"}}]},\"finish_reason\":null}]}"),
                Script.data(head + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
                        + "{\"arguments\":\"\\\"Paris\\\"}\"}}]},\"finish_reason\":null}]}"),
                Script.data(head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}"),
                Script.data(head + "\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":9,\"total_tokens\":29}}"),
                Script.done());
    }

    @Test
    void aFunctionCallStreamsAsFunctionCallEventsAndItsOutputContinuesTheChain() {
        xai.enqueue(toolCallStream("grok-3"));
        List<JsonNode> events = streamEvents("{\"model\":\"" + XAI + "\",\"input\":\"Weather in Paris?\",\"stream\":true,"
                + "\"tools\":[" + WEATHER_TOOL + "],\"tool_choice\":\"auto\"}");
        assertThat(types(events)).containsExactly("response.created", "response.in_progress", "response.output_item.added",
                "response.function_call_arguments.delta", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done", "response.completed");
        JsonNode call = events.getLast().at("/response/output/0");
        assertThat(call.path("type").asText()).isEqualTo("function_call");
        assertThat(call.path("call_id").asText()).isEqualTo("call_abc");
        assertThat(call.path("name").asText()).isEqualTo("get_weather");
        assertThat(call.path("arguments").asText()).isEqualTo("{\"city\":\"Paris\"}");
        JsonNode sentTools = xai.lastRequest().json().path("tools");
        assertThat(sentTools.at("/0/function/name").asText()).isEqualTo("get_weather");
        assertThat(sentTools.at("/0/function/strict").asBoolean()).isTrue();

        String first = events.getLast().at("/response/id").asText();
        JsonNode second = create("{\"model\":\"" + XAI + "\",\"previous_response_id\":\"" + first + "\",\"input\":"
                + "[{\"type\":\"function_call_output\",\"call_id\":\"call_abc\",\"output\":\"{\\\"temp\\\":21}\"}],"
                + "\"tools\":[" + WEATHER_TOOL + "]}");
        assertThat(second.path("previous_response_id").asText()).isEqualTo(first);
        JsonNode messages = xai.lastRequest().json().path("messages");
        assertThat(messages).hasSize(3);
        assertThat(messages.at("/0/content/0/text").asText()).isEqualTo("Weather in Paris?");
        assertThat(messages.at("/1/role").asText()).isEqualTo("assistant");
        assertThat(messages.at("/1/tool_calls/0/id").asText()).isEqualTo("call_abc");
        assertThat(messages.at("/2/role").asText()).isEqualTo("tool");
        assertThat(messages.at("/2/tool_call_id").asText()).isEqualTo("call_abc");
        assertThat(messages.at("/2/content").asText()).isEqualTo("{\"temp\":21}");
    }

    @Test
    void aChainStartedOnAnthropicContinuesNativelyOnOpenAi() {
        JsonNode first = create("{\"model\":\"" + ANTHROPIC + "\",\"input\":\"my name is Ada\"}");
        JsonNode second = create("{\"model\":\"" + OPENAI + "\",\"input\":\"what is my name?\",\"previous_response_id\":\""
                + first.path("id").asText() + "\"}");
        assertThat(second.path("previous_response_id").asText()).isEqualTo(first.path("id").asText());
        JsonNode sent = openai.lastRequest().json();
        assertThat(sent.has("previous_response_id")).as("the upstream gets the conversation, not a reference").isFalse();
        JsonNode input = sent.path("input");
        assertThat(input).hasSize(3);
        assertThat(input.at("/0/role").asText()).isEqualTo("user");
        assertThat(input.at("/0/content/0/text").asText()).isEqualTo("my name is Ada");
        assertThat(input.at("/1/role").asText()).isEqualTo("assistant");
        assertThat(input.at("/1/content/0/text").asText()).isEqualTo("echo: my name is Ada");
        assertThat(input.at("/2/content/0/text").asText()).isEqualTo("what is my name?");
        for (JsonNode item : input) assertThat(item.has("id")).as("no ids the upstream never stored").isFalse();

        // and back to Anthropic two turns deep
        create("{\"model\":\"" + ANTHROPIC + "\",\"input\":\"and again\",\"previous_response_id\":\"" + second.path("id").asText() + "\"}");
        JsonNode msgs = anthropic.lastRequest().json().path("messages");
        assertThat(msgs).hasSize(5);
        assertThat(msgs.at("/3/content/0/text").asText()).isEqualTo("echo: what is my name?");
    }

    @Test
    void textFormatAndLimitsAreTranslatedForChatTargets() {
        create("{\"model\":\"" + XAI + "\",\"input\":\"json please\",\"max_output_tokens\":64,\"temperature\":0.2,"
                + "\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"person\",\"strict\":true,\"schema\":{\"type\":\"object\","
                + "\"properties\":{\"name\":{\"type\":\"string\"}},\"required\":[\"name\"],\"additionalProperties\":false}}}}");
        JsonNode sent = xai.lastRequest().json();
        assertThat(xai.lastRequest().path()).isEqualTo("/v1/chat/completions");
        assertThat(sent.at("/response_format/type").asText()).isEqualTo("json_schema");
        assertThat(sent.at("/response_format/json_schema/name").asText()).isEqualTo("person");
        assertThat(sent.at("/response_format/json_schema/strict").asBoolean()).isTrue();
        assertThat(sent.at("/response_format/json_schema/schema/required/0").asText()).isEqualTo("name");
        assertThat(sent.path("max_completion_tokens").asInt()).isEqualTo(64);
        assertThat(sent.path("temperature").asDouble()).isEqualTo(0.2);
        assertThat(sent.has("text")).isFalse();
    }

    @Test
    void anAnswerCutByTheOutputLimitIsIncomplete() {
        xai.enqueue(Script.json("{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"grok-3\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"half an ans\"},\"finish_reason\":\"length\"}],"
                + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":16,\"total_tokens\":21}}"));
        JsonNode r = create("{\"model\":\"" + XAI + "\",\"input\":\"long story\",\"max_output_tokens\":16}");
        assertThat(r.path("status").asText()).isEqualTo("incomplete");
        assertThat(r.at("/incomplete_details/reason").asText()).isEqualTo("max_output_tokens");
        assertThat(r.at("/output/0/status").asText()).isEqualTo("incomplete");
        assertThat(r.at("/usage/output_tokens").asInt()).isEqualTo(16);
    }

    // ---- storage ---------------------------------------------------------------------------------

    @Test
    void storedResponsesCanBeListedByInputItemsAndDeletedAndStayInTheirProject() {
        JsonNode r = create("{\"model\":\"" + ANTHROPIC + "\",\"input\":[{\"role\":\"developer\",\"content\":\"Be kind.\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"first\"},{\"type\":\"input_text\",\"text\":\"second\"}]}]}");
        String id = r.path("id").asText();
        HttpResponse<String> items = gw.get("/v1/responses/" + id + "/input_items");
        assertThat(items.statusCode()).isEqualTo(200);
        JsonNode list = parse(items.body());
        OpenApiConformanceTest.assertConforms("ResponseItemList", list);
        assertThat(list.path("data")).hasSize(2);
        assertThat(list.at("/data/0/role").asText()).as("newest first by default").isEqualTo("user");
        assertThat(list.path("has_more").asBoolean()).isFalse();
        JsonNode asc = parse(gw.get("/v1/responses/" + id + "/input_items?order=asc&limit=1").body());
        assertThat(asc.at("/data/0/role").asText()).isEqualTo("developer");
        assertThat(asc.path("has_more").asBoolean()).isTrue();
        JsonNode next = parse(gw.get("/v1/responses/" + id + "/input_items?order=asc&limit=1&after=" + asc.path("last_id").asText()).body());
        assertThat(next.at("/data/0/role").asText()).isEqualTo("user");

        JsonNode other = parse(gw.post("/v2/projects", "{\"name\":\"elsewhere\"}").body());
        String otherKey = other.at("/admin_key/key").asText();
        assertThat(gw.get("/v1/responses/" + id, otherKey).statusCode()).as("another project's key").isEqualTo(404);
        assertThat(gw.get("/v1/responses/" + id + "/input_items", otherKey).statusCode()).isEqualTo(404);
        assertThat(gw.delete("/v1/responses/" + id, otherKey).statusCode()).isEqualTo(404);

        HttpResponse<String> del = gw.delete("/v1/responses/" + id, gw.adminKey());
        assertThat(del.statusCode()).isEqualTo(200);
        assertThat(parse(del.body()).path("deleted").asBoolean()).isTrue();
        assertThat(gw.get("/v1/responses/" + id).statusCode()).isEqualTo(404);
        assertThat(catchThrowableOfType(NotFoundException.class, () -> client.responses().retrieve(id))).isNotNull();
        assertThat(error("{\"model\":\"" + ANTHROPIC + "\",\"input\":\"x\",\"previous_response_id\":\"" + id + "\"}", 400)
                .path("param").asText()).isEqualTo("previous_response_id");
    }

    @Test
    void storeFalseKeepsNothing() {
        JsonNode r = create("{\"model\":\"" + ANTHROPIC + "\",\"input\":\"forget me\",\"store\":false}");
        assertThat(r.path("store").asBoolean()).isFalse();
        assertThat(gw.get("/v1/responses/" + r.path("id").asText()).statusCode()).isEqualTo(404);
    }

    @Test
    void aNativeAnswerNotStoredIsTheStoredPathsResponseButForZumiksOwnMembers() {
        // The upstream's own store and background differ from the client's: both must be set over.
        String answer = ResponsesWire.response("resp_up1", "gpt-4o-mini", "completed",
                        "[" + ResponsesWire.message("echo: one", "completed") + "]", ResponsesWire.usage(12, 6, 0, 0))
                .replace("\"store\":false", "\"store\":true").replace("\"background\":false", "\"background\":true");
        openai.enqueue(Script.json(answer), Script.json(answer));
        ObjectNode stored = (ObjectNode) create("{\"model\":\"" + OPENAI + "\",\"input\":\"one\"}");
        String first = stored.path("id").asText();
        // Not stored: the upstream's bytes go out with Zumik's members set in them, no tree between.
        ObjectNode r = (ObjectNode) create("{\"model\":\"" + OPENAI + "\",\"input\":\"one\",\"store\":false,"
                + "\"previous_response_id\":\"" + first + "\"}");
        assertThat(r.path("id").asText()).startsWith("resp_").isNotEqualTo(first);
        assertThat(r.path("previous_response_id").asText()).isEqualTo(first);
        assertThat(r.path("store").isBoolean() && !r.path("store").booleanValue()).as("store").isTrue();
        assertThat(r.toString()).as("the upstream's own id").doesNotContain("resp_up1");
        assertThat(gw.get("/v1/responses/" + r.path("id").asText()).statusCode()).isEqualTo(404);
        assertThat(r.path("background").isBoolean() && !r.path("background").booleanValue()).as("background").isTrue();
        for (ObjectNode o : List.of(stored, r)) o.remove(List.of("id", "store", "previous_response_id"));
        assertThat(r).isEqualTo(stored);
    }

    // ---- background and cancel -------------------------------------------------------------------

    @Test
    void aBackgroundResponseRunsOnAndCanBePolled() throws Exception {
        JsonNode queued = create("{\"model\":\"" + ANTHROPIC + "\",\"input\":\"later\",\"background\":true}");
        assertThat(queued.path("status").asText()).isEqualTo("queued");
        assertThat(queued.path("background").asBoolean()).isTrue();
        JsonNode done = poll(queued.path("id").asText(), "completed");
        assertThat(done.at("/output/0/content/0/text").asText()).isEqualTo("echo: later");
        OpenApiConformanceTest.assertConforms("Response", done);
    }

    @Test
    void aRunningBackgroundResponseCanBeCancelledAndAForegroundOneCannot() throws Exception {
        xai.enqueue(new Script.Hang());
        int before = xai.requests().size();
        JsonNode queued = create("{\"model\":\"" + XAI + "\",\"input\":\"slow\",\"background\":true}");
        String id = queued.path("id").asText();
        long deadline = System.nanoTime() + 10_000_000_000L; // cancel once the upstream holds the request
        while (xai.requests().size() == before && System.nanoTime() < deadline) Thread.sleep(5);
        HttpResponse<String> c = gw.post("/v1/responses/" + id + "/cancel", "");
        assertThat(c.statusCode()).as(c.body()).isEqualTo(200);
        assertThat(parse(c.body()).path("status").asText()).isEqualTo("cancelled");
        assertThat(xai.awaitAborts(1, 3_000)).as("the upstream request is abandoned").isTrue();
        assertThat(parse(gw.get("/v1/responses/" + id).body()).path("status").asText()).isEqualTo("cancelled");
        assertThat(gw.post("/v1/responses/" + id + "/cancel", "").statusCode()).as("idempotent").isEqualTo(200);

        JsonNode fg = create("{\"model\":\"" + ANTHROPIC + "\",\"input\":\"now\"}");
        HttpResponse<String> no = gw.post("/v1/responses/" + fg.path("id").asText() + "/cancel", "");
        assertThat(no.statusCode()).isEqualTo(400);
        assertThat(no.body()).contains("background");
    }

    private static JsonNode poll(String id, String status) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        JsonNode r = null;
        while (System.nanoTime() < end) {
            r = parse(gw.get("/v1/responses/" + id).body());
            if (r.path("status").asText().equals(status)) return r;
            Thread.sleep(20);
        }
        throw new AssertionError("never " + status + ": " + r);
    }

    // ---- failures --------------------------------------------------------------------------------

    @Test
    void aFailedNativeAttemptFailsOverToATranslatedTarget() {
        gw.post("/v2/model-aliases/resp.fo/releases", "{\"targets\":[{\"provider\":\"openai\",\"model\":\"gpt-4.1\",\"weight\":1000},"
                + "{\"provider\":\"anthropic\",\"model\":\"claude-haiku-4-5\",\"weight\":1}]}");
        openai.enqueue(Script.json(500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\",\"param\":null,\"code\":null}}"),
                Script.json(500, "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\",\"param\":null,\"code\":null}}"));
        HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"resp.fo\",\"input\":\"rescue\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("agent-resolved-provider")).contains("anthropic");
        assertThat(r.headers().firstValue("agent-fallback-used")).contains("true");
        assertThat(parse(r.body()).at("/output/0/content/0/text").asText()).isEqualTo("echo: rescue");
    }

    @Test
    void aStreamBrokenMidAnswerEndsWithResponseFailedNeverCompleted() {
        xai.enqueue(new Script.Chunks("grok-3").role().text("partial ").delay(150).step(new Script.Cut()).build());
        List<JsonNode> events = streamEvents("{\"model\":\"" + XAI + "\",\"input\":\"x\",\"stream\":true}");
        assertThat(types(events)).contains("response.output_text.delta").doesNotContain("response.completed");
        JsonNode last = events.getLast();
        assertThat(last.path("type").asText()).isEqualTo("response.failed");
        assertThat(last.at("/response/status").asText()).isEqualTo("failed");
        assertThat(last.at("/response/error/code").asText()).isEqualTo("server_error");
        assertThat(last.at("/response/error/message").asText()).contains("stream_interrupted");
        assertThat(parse(gw.get("/v1/responses/" + last.at("/response/id").asText()).body()).path("status").asText())
                .isEqualTo("failed");
    }

    @Test
    void aNativeStreamBrokenMidAnswerEndsWithResponseFailed() {
        openai.enqueue(new ResponsesWire.Events("gpt-4o-mini").created().messageStart().delta("so far ").step(new Script.Delay(150))
                .step(new Script.Cut()).build());
        List<JsonNode> events = streamEvents("{\"model\":\"" + OPENAI + "\",\"input\":\"x\",\"stream\":true}");
        assertThat(types(events)).endsWith("response.output_text.delta", "response.failed");
        assertThat(events.getLast().at("/response/id").asText()).isEqualTo(events.getFirst().at("/response/id").asText());
    }

    @Test
    void badInputIsAPreciseFourHundred() {
        assertThat(error("{\"model\":\"" + OPENAI + "\"}", 400).path("param").asText()).isEqualTo("input");
        assertThat(error("{\"model\":\"" + OPENAI + "\",\"input\":[{\"role\":\"robot\",\"content\":\"x\"}]}", 400)
                .path("param").asText()).isEqualTo("input[0].role");
        assertThat(error("{\"model\":\"" + OPENAI + "\",\"input\":\"x\",\"max_output_tokens\":5}", 400)
                .path("param").asText()).isEqualTo("max_output_tokens");
        assertThat(error("{\"model\":\"" + OPENAI + "\",\"input\":\"x\",\"frobnicate\":1}", 400)
                .path("code").asText()).isEqualTo("unknown_parameter");
        assertThat(error("{\"model\":\"" + ANTHROPIC + "\",\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"nope\","
                + "\"output\":\"1\"}]}", 400).path("param").asText()).isEqualTo("input[0].tool_call_id");
        assertThat(error("{\"model\":\"" + ANTHROPIC + "\",\"input\":\"x\",\"text\":{\"format\":{\"type\":\"json_schema\"}}}", 400)
                .path("param").asText()).isEqualTo("text.format.name");
        assertThat(error("{\"model\":\"" + OPENAI + "\",\"input\":\"x\",\"previous_response_id\":\"resp_nope\"}", 400)
                .path("code").asText()).isEqualTo("previous_response_not_found");
        HttpResponse<String> hostedRaw = forbidStandIns("{\"model\":\"" + ANTHROPIC + "\",\"input\":\"x\",\"tools\":[{\"type\":\"web_search\"}]}");
        assertThat(hostedRaw.statusCode()).as(hostedRaw.body()).isEqualTo(400);
        JsonNode hosted = parse(hostedRaw.body()).get("error");
        assertThat(hosted.path("param").asText()).isEqualTo("tools[0]");
        assertThat(hosted.path("message").asText()).contains("Responses API");
        // With stand-ins allowed, a compatible OpenAI model serves the hosted tool natively.
        JsonNode standIn = create("{\"model\":\"" + ANTHROPIC + "\",\"input\":\"x\",\"tools\":[{\"type\":\"web_search\"}]}");
        assertThat(standIn.path("status").asText()).isEqualTo("completed");
        assertThat(openai.lastRequest().json().at("/tools/0/type").asText()).isEqualTo("web_search");
        HttpResponse<String> noReasoning = forbidStandIns("{\"model\":\"" + XAI + "\",\"input\":\"x\",\"reasoning\":{\"effort\":\"high\"}}");
        assertThat(noReasoning.statusCode()).as(noReasoning.body()).isEqualTo(400);
        assertThat(parse(noReasoning.body()).at("/error/param").asText()).as("a stand-in is forbidden: the client's field is named")
                .isEqualTo("reasoning.effort");
        assertThat(error("{\"model\":\"" + OPENAI + "\",\"input\":\"x\",\"background\":true,\"stream\":true}", 400)
                .path("param").asText()).isEqualTo("background");

        // a hosted tool goes natively to OpenAI
        create("{\"model\":\"" + OPENAI + "\",\"input\":\"x\",\"tools\":[{\"type\":\"web_search\"}]}");
        assertThat(openai.lastRequest().json().at("/tools/0/type").asText()).isEqualTo("web_search");

        BadRequestException sdk = catchThrowableOfType(BadRequestException.class, () -> client.responses().create(
                ResponseCreateParams.builder().model(OPENAI).input("x").maxOutputTokens(1).build()));
        assertThat(sdk).isNotNull();
        assertThat(sdk.statusCode()).isEqualTo(400);
    }

    /** POSTs a request whose QoS forbids compatible stand-ins, so a target that cannot serve it is a 400. */
    private static HttpResponse<String> forbidStandIns(String body) {
        return TestGateway.send(java.net.http.HttpRequest.newBuilder(gw.uri("/v1/responses"))
                .header("authorization", "Bearer " + gw.adminKey()).header("content-type", "application/json")
                .header("Agent-Hints", java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                        "{\"qos\":{\"class\":\"standard\",\"degrade_policy\":\"forbid\"}}".getBytes()))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build());
    }

    @Test
    void theResponseIsMeteredLikeChat() {
        HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"" + ANTHROPIC + "\",\"input\":\"count me\"}");
        String rsp = r.headers().firstValue("agent-response-id").orElseThrow();
        assertThat(parse(r.body()).path("id").asText()).isEqualTo("resp_" + rsp.substring(4));
        assertThat(parse(r.body()).path("model").asText()).as("the model as the client named it, as on chat").isEqualTo(ANTHROPIC);
        assertThat(r.headers().firstValue("agent-execution-mode")).contains("live");
        JsonNode record = parse(gw.get("/v2/responses/" + rsp).body());
        assertThat(record.path("usage").path("input_tokens").asInt()).isEqualTo(11);
        assertThat(record.toString()).contains("/v1/responses");
    }
}
