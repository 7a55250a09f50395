package ai.zumik.v2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.keys.Scope;
import ai.zumik.testing.SseClient;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code GET /v2/usage} after a known set of placeholder requests (chat and embeddings, streamed
 * and not, three providers): the summary and per-model totals match the events, events come newest
 * first, every filter narrows both, bad parameters are 400s naming them, and another project's
 * events are invisible. All requests of the default project are made once, before the tests.
 */
@Timeout(60)
class UsageApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT = "/v1/chat/completions";
    private static final String EMB = "/v1/embeddings";

    /** What the client saw of one request; {@code prompt}/{@code completion} null when not shown. */
    record Sent(String responseId, String traceId, String endpoint, String requestedModel, String provider, String model,
                boolean stream, Long prompt, Long completion) {}

    static TestGateway gw;
    static String adminKeyId;
    /** In the order sent, oldest first. */
    static final List<Sent> sent = new ArrayList<>();
    /** A moment between the second and third request. */
    static long betweenMs;

    @BeforeAll
    static void start() throws Exception {
        gw = TestGateway.start();
        for (JsonNode k : JSON.readTree(gw.get("/v2/api-keys").body()).get("data")) {
            if (k.get("name").asText().equals("bootstrap")) adminKeyId = k.get("id").asText();
        }
        assertThat(adminKeyId).isNotNull();

        sent.add(chat("gpt-4o-mini", "openai", "gpt-4o-mini", "hello there"));
        pause();
        sent.add(stream("gemini-2.5-flash", "gemini", "gemini-2.5-flash", "stream me something", true));
        pause();
        betweenMs = System.currentTimeMillis();
        pause();
        sent.add(embeddings());
        pause();
        // Same messages and model as the first request: the placeholder answers identically, so its
        // usage (not shown to the client without include_usage) must equal the first one's.
        Sent unshown = stream("gpt-4o-mini", "openai", "gpt-4o-mini", "hello there", false);
        sent.add(new Sent(unshown.responseId(), unshown.traceId(), unshown.endpoint(), unshown.requestedModel(),
                unshown.provider(), unshown.model(), true, sent.getFirst().prompt(), sent.getFirst().completion()));
        pause();
        sent.add(chat("anthropic/claude-haiku-4-5", "anthropic", "claude-haiku-4-5", "a question for claude"));
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    /** Keeps every request's arrival millisecond distinct, so "newest first" has one right answer. */
    private static void pause() throws InterruptedException {
        Thread.sleep(15);
    }

    private static String body(String model, String text, String extra) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]" + extra + "}";
    }

    private static Sent chat(String requested, String provider, String model, String text) throws Exception {
        HttpResponse<String> r = gw.post(CHAT, body(requested, text, ""));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode j = JSON.readTree(r.body());
        return new Sent(r.headers().firstValue("agent-response-id").orElseThrow(),
                r.headers().firstValue("agent-trace-id").orElseThrow(), CHAT, requested, provider, model, false,
                j.at("/usage/prompt_tokens").asLong(), j.at("/usage/completion_tokens").asLong());
    }

    private static Sent stream(String requested, String provider, String model, String text, boolean includeUsage)
            throws Exception {
        String extra = ",\"stream\":true" + (includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : "");
        try (SseClient c = SseClient.post(gw, CHAT, body(requested, text, extra))) {
            assertThat(c.status).isEqualTo(200);
            Long prompt = null;
            Long completion = null;
            List<SseClient.Event> events = c.all();
            assertThat(events.getLast().done()).isTrue();
            for (SseClient.Event e : events) {
                if (!e.done() && e.json().hasNonNull("usage")) {
                    prompt = e.json().at("/usage/prompt_tokens").asLong();
                    completion = e.json().at("/usage/completion_tokens").asLong();
                }
            }
            assertThat(prompt != null).as("usage chunk iff asked").isEqualTo(includeUsage);
            return new Sent(c.header("agent-response-id"), c.header("agent-trace-id"), CHAT, requested, provider, model,
                    true, prompt, completion);
        }
    }

    private static Sent embeddings() throws Exception {
        HttpResponse<String> r = gw.post(EMB, "{\"model\":\"text-embedding-3-small\",\"input\":[\"hello world\",\"and more\"]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode j = JSON.readTree(r.body());
        assertThat(j.at("/usage/prompt_tokens").asLong()).isPositive();
        return new Sent(r.headers().firstValue("agent-response-id").orElseThrow(),
                r.headers().firstValue("agent-trace-id").orElseThrow(), EMB, "text-embedding-3-small", "openai",
                "text-embedding-3-small", false, j.at("/usage/prompt_tokens").asLong(), 0L);
    }

    private static JsonNode usage(String query) throws Exception {
        return usage(query, gw.adminKey());
    }

    private static JsonNode usage(String query, String key) throws Exception {
        HttpResponse<String> r = gw.get("/v2/usage" + query, key);
        assertThat(r.statusCode()).as(query + " -> " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static List<String> responseIds(JsonNode usage) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : usage.get("data")) out.add(e.get("response_id").asText());
        return out;
    }

    /** Response ids of {@code sent} at the given indexes, newest (highest index) first. */
    private static List<String> newestFirst(int... indexes) {
        List<String> out = new ArrayList<>();
        for (int i = indexes.length - 1; i >= 0; i--) out.add(sent.get(indexes[i]).responseId());
        return out;
    }

    private static String at(long epochMs) {
        return URLEncoder.encode(Instant.ofEpochMilli(epochMs).toString(), StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------------------------------

    @Test
    void eventsMatchWhatEachClientWasServedNewestFirst() throws Exception {
        JsonNode u = usage("");
        assertThat(u.get("object").asText()).isEqualTo("usage");
        assertThat(u.get("project_id").asText()).isEqualTo(gw.zumik().keys().defaultProjectId());
        assertThat(responseIds(u)).containsExactlyElementsOf(newestFirst(0, 1, 2, 3, 4));
        assertThat(u.get("has_more").asBoolean()).isFalse();

        long previous = Long.MAX_VALUE;
        for (int i = 0; i < sent.size(); i++) {
            Sent s = sent.get(sent.size() - 1 - i);
            JsonNode e = u.get("data").get(i);
            assertThat(e.get("object").asText()).isEqualTo("usage_event");
            assertThat(e.get("response_id").asText()).matches("rsp_[0-9a-z]{26}");
            assertThat(e.get("trace_id").asText()).isEqualTo(s.traceId());
            assertThat(e.get("key_id").asText()).isEqualTo(adminKeyId);
            assertThat(e.get("endpoint").asText()).isEqualTo(s.endpoint());
            assertThat(e.get("requested_model").asText()).isEqualTo(s.requestedModel());
            assertThat(e.get("provider").asText()).isEqualTo(s.provider());
            assertThat(e.get("model").asText()).isEqualTo(s.model());
            assertThat(e.get("execution_mode").asText()).isEqualTo("placeholder");
            assertThat(e.get("stream").asBoolean()).isEqualTo(s.stream());
            assertThat(e.get("status").asInt()).isEqualTo(200);
            assertThat(e.get("outcome").asText()).isEqualTo("completed");
            assertThat(e.get("error_code").isNull()).isTrue();
            assertThat(e.at("/usage/prompt_tokens").asLong()).as(s.responseId()).isEqualTo(s.prompt());
            assertThat(e.at("/usage/completion_tokens").asLong()).as(s.responseId()).isEqualTo(s.completion());
            assertThat(e.get("latency_ms").asLong()).isNotNegative();
            long created = Instant.parse(e.get("created_at").asText()).toEpochMilli();
            assertThat(created).isLessThan(previous);
            previous = created;
        }
    }

    @Test
    void summaryAndPerModelTotalsAreTheSumsOfTheEvents() throws Exception {
        JsonNode u = usage("");
        long prompt = sent.stream().mapToLong(Sent::prompt).sum();
        long completion = sent.stream().mapToLong(Sent::completion).sum();
        assertThat(prompt).isPositive();
        assertThat(completion).isPositive();
        JsonNode s = u.get("summary");
        assertThat(s.get("requests").asLong()).isEqualTo(5);
        assertThat(s.get("completed").asLong()).isEqualTo(5);
        assertThat(s.get("failed").asLong()).isZero();
        assertThat(s.get("cancelled").asLong()).isZero();
        assertThat(s.get("prompt_tokens").asLong()).isEqualTo(prompt);
        assertThat(s.get("completion_tokens").asLong()).isEqualTo(completion);
        assertThat(s.get("total_tokens").asLong()).isEqualTo(prompt + completion);

        // And the sums over the events as /v2/usage itself lists them.
        long listedPrompt = 0;
        long listedCompletion = 0;
        for (JsonNode e : u.get("data")) {
            listedPrompt += e.at("/usage/prompt_tokens").asLong();
            listedCompletion += e.at("/usage/completion_tokens").asLong();
        }
        assertThat(listedPrompt).isEqualTo(prompt);
        assertThat(listedCompletion).isEqualTo(completion);

        JsonNode by = u.get("by_model");
        assertThat(by).hasSize(4);
        assertThat(by.get(0).get("provider").asText()).isEqualTo("openai");
        assertThat(by.get(0).get("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(by.get(0).get("requests").asLong()).isEqualTo(2);
        assertThat(by.get(0).get("prompt_tokens").asLong()).isEqualTo(sent.get(0).prompt() + sent.get(3).prompt());
        long groupRequests = 0;
        long groupPrompt = 0;
        long groupCompletion = 0;
        for (JsonNode g : by) {
            groupRequests += g.get("requests").asLong();
            groupPrompt += g.get("prompt_tokens").asLong();
            groupCompletion += g.get("completion_tokens").asLong();
        }
        assertThat(groupRequests).isEqualTo(5);
        assertThat(groupPrompt).isEqualTo(prompt);
        assertThat(groupCompletion).isEqualTo(completion);
    }

    @Test
    void providerAndModelFiltersNarrowEventsAndSummary() throws Exception {
        JsonNode gemini = usage("?provider=gemini");
        assertThat(responseIds(gemini)).containsExactlyElementsOf(newestFirst(1));
        assertThat(gemini.at("/summary/requests").asLong()).isEqualTo(1);
        assertThat(gemini.at("/summary/prompt_tokens").asLong()).isEqualTo(sent.get(1).prompt());
        assertThat(gemini.at("/summary/completion_tokens").asLong()).isEqualTo(sent.get(1).completion());
        assertThat(gemini.get("by_model")).hasSize(1);

        assertThat(responseIds(usage("?provider=openai"))).containsExactlyElementsOf(newestFirst(0, 2, 3));
        assertThat(responseIds(usage("?model=gpt-4o-mini"))).containsExactlyElementsOf(newestFirst(0, 3));
        assertThat(responseIds(usage("?model=claude-haiku-4-5"))).containsExactlyElementsOf(newestFirst(4));
        assertThat(responseIds(usage("?provider=openai&model=text-embedding-3-small"))).containsExactlyElementsOf(newestFirst(2));
        assertThat(responseIds(usage("?provider=gemini&model=gpt-4o-mini"))).isEmpty();
        JsonNode none = usage("?provider=xai");
        assertThat(none.get("data")).isEmpty();
        assertThat(none.at("/summary/requests").asLong()).isZero();
        assertThat(none.at("/summary/prompt_tokens").asLong()).isZero();
        assertThat(none.get("has_more").asBoolean()).isFalse();

        assertThat(responseIds(usage("?key_id=" + adminKeyId))).hasSize(5);
        assertThat(responseIds(usage("?key_id=key_00000000000000000000000000"))).isEmpty();
    }

    @Test
    void sinceIsInclusiveAndUntilExclusive() throws Exception {
        assertThat(responseIds(usage("?since=" + at(betweenMs)))).containsExactlyElementsOf(newestFirst(2, 3, 4));
        assertThat(responseIds(usage("?until=" + at(betweenMs)))).containsExactlyElementsOf(newestFirst(0, 1));
        assertThat(usage("?since=" + at(betweenMs)).at("/summary/requests").asLong()).isEqualTo(3);

        JsonNode events = usage("");
        long thirdCreated = Instant.parse(events.get("data").get(2).get("created_at").asText()).toEpochMilli();
        assertThat(responseIds(usage("?since=" + at(thirdCreated)))).containsExactlyElementsOf(newestFirst(2, 3, 4));
        assertThat(responseIds(usage("?until=" + at(thirdCreated)))).containsExactlyElementsOf(newestFirst(0, 1));
        assertThat(responseIds(usage("?since=" + at(thirdCreated) + "&until=" + at(thirdCreated + 1))))
                .containsExactlyElementsOf(newestFirst(2));

        // Unix seconds are accepted too.
        assertThat(responseIds(usage("?since=0&until=4102444800"))).hasSize(5);
        assertThat(responseIds(usage("?since=4102444800"))).isEmpty();
        assertThat(responseIds(usage("?provider=openai&since=" + at(betweenMs)))).containsExactlyElementsOf(newestFirst(2, 3));
    }

    @Test
    void limitAndHasMore() throws Exception {
        JsonNode two = usage("?limit=2");
        assertThat(responseIds(two)).containsExactlyElementsOf(newestFirst(3, 4));
        assertThat(two.get("has_more").asBoolean()).isTrue();
        assertThat(two.at("/summary/requests").asLong()).as("the summary is not limited").isEqualTo(5);

        JsonNode four = usage("?limit=4");
        assertThat(responseIds(four)).containsExactlyElementsOf(newestFirst(1, 2, 3, 4));
        assertThat(four.get("has_more").asBoolean()).isTrue();
        JsonNode five = usage("?limit=5");
        assertThat(responseIds(five)).hasSize(5);
        assertThat(five.get("has_more").asBoolean()).isFalse();
        assertThat(usage("?limit=100").get("has_more").asBoolean()).isFalse();

        JsonNode oneOpenai = usage("?provider=openai&limit=1");
        assertThat(responseIds(oneOpenai)).containsExactlyElementsOf(newestFirst(3));
        assertThat(oneOpenai.get("has_more").asBoolean()).isTrue();
        JsonNode older = usage("?provider=openai&limit=2&until=" + at(betweenMs));
        assertThat(responseIds(older)).containsExactlyElementsOf(newestFirst(0));
        assertThat(older.get("has_more").asBoolean()).isFalse();
    }

    @Test
    void theFarFutureInRangeHoldsNothing() throws Exception {
        JsonNode latest = usage("?since=253402300799");
        assertThat(responseIds(latest)).isEmpty();
        assertThat(latest.at("/summary/requests").asLong()).isZero();
        assertThat(responseIds(usage("?since=9999-12-31T23:59:59Z"))).isEmpty();
        assertThat(responseIds(usage("?until=253402300799"))).hasSize(5);
    }

    @Test
    void afterPagesThroughEveryEventOnceNewestFirst() throws Exception {
        List<String> seen = new ArrayList<>();
        String after = null;
        int pages = 0;
        while (true) {
            JsonNode page = usage("?limit=2" + (after == null ? "" : "&after=" + after));
            List<String> ids = responseIds(page);
            seen.addAll(ids);
            pages++;
            assertThat(page.get("first_id").asText()).isEqualTo(ids.getFirst());
            assertThat(page.get("last_id").asText()).isEqualTo(ids.getLast());
            assertThat(page.at("/summary/requests").asLong()).as("totals cover the filter, not the page").isEqualTo(5);
            if (!page.get("has_more").asBoolean()) break;
            after = page.get("last_id").asText();
        }
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactlyElementsOf(newestFirst(0, 1, 2, 3, 4));
        JsonNode openai = usage("?provider=openai&limit=1&after=" + sent.get(3).responseId());
        assertThat(responseIds(openai)).as("the cursor and the filters combine").containsExactlyElementsOf(newestFirst(2));
        JsonNode none = usage("?after=" + sent.getFirst().responseId());
        assertThat(responseIds(none)).isEmpty();
        assertThat(none.get("first_id").isNull()).isTrue();
        assertThat(none.get("has_more").asBoolean()).isFalse();
    }

    @Test
    void badParametersAre400NamingThem() throws Exception {
        String[][] cases = {
                {"limit=0", "limit"}, {"limit=101", "limit"}, {"limit=-1", "limit"}, {"limit=abc", "limit"},
                {"limit=1.5", "limit"}, {"limit=", "limit"}, {"limit=99999999999", "limit"},
                {"since=yesterday", "since"}, {"since=2026-13-01T00:00:00Z", "since"}, {"since=2026-01-01", "since"},
                {"since=1e9", "since"}, {"until=tomorrow", "until"}, {"since=0&until=soon", "until"},
                // Out of range: the multiplication to milliseconds, or the id's 50-bit time, would wrap.
                {"since=9223372036854775807", "since"}, {"since=1125899906843", "since"}, {"since=253402300800", "since"},
                {"until=9223372036854775807", "until"}, {"since=-1", "since"}, {"since=%2B50000-01-01T00:00:00Z", "since"},
                {"since=99999999999999999999999", "since"}, {"until=1969-12-31T23:59:59Z", "until"},
                {"after=rsp_nope", "after"}, {"after=trc_01m96fr8hxrygz6xf6230hn94b", "after"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = gw.get("/v2/usage?" + c[0]);
            assertThat(r.statusCode()).as(c[0] + " -> " + r.body()).isEqualTo(400);
            JsonNode e = JSON.readTree(r.body()).get("error");
            assertThat(e.get("type").asText()).isEqualTo("invalid_request_error");
            assertThat(e.get("code").asText()).isEqualTo("invalid_value");
            assertThat(e.get("param").asText()).as(c[0]).isEqualTo(c[1]);
        }
    }

    @Test
    void anotherProjectsEventsAreInvisible() throws Exception {
        String other = "prj_" + "usage".repeat(5) + "x";
        gw.zumik().database().call(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO projects (id, name, created_at) VALUES (?, ?, ?)")) {
                ps.setString(1, other);
                ps.setString(2, "other");
                ps.setLong(3, System.currentTimeMillis());
                return ps.executeUpdate();
            }
        });
        var theirs = gw.zumik().keys().create(other, "theirs", EnumSet.allOf(Scope.class));
        HttpResponse<String> r = gw.post(CHAT, body("gemini-2.5-flash", "private business", ""), theirs.rawKey());
        assertThat(r.statusCode()).isEqualTo(200);
        String theirResponse = r.headers().firstValue("agent-response-id").orElseThrow();
        // A request the broker refused is recorded (failed, not charged) under its response id; a
        // malformed one never got that far and leaves nothing.
        HttpResponse<String> refused = gw.post(CHAT, body("no-such-model", "x", ""), theirs.rawKey());
        assertThat(refused.statusCode()).isEqualTo(404);
        String theirRefusal = refused.headers().firstValue("agent-response-id").orElseThrow();
        assertThat(gw.post(CHAT, "{\"model\":\"gpt-4o-mini\"}", theirs.rawKey()).statusCode()).isEqualTo(400);

        JsonNode ours = usage("");
        assertThat(responseIds(ours)).containsExactlyElementsOf(newestFirst(0, 1, 2, 3, 4));
        assertThat(ours.at("/summary/requests").asLong()).isEqualTo(5);
        assertThat(usage("?provider=gemini").at("/summary/requests").asLong()).isEqualTo(1);
        assertThat(usage("?key_id=" + theirs.key().id()).get("data")).isEmpty();
        assertThat(gw.get("/v2/usage").body()).doesNotContain(theirResponse).doesNotContain(theirRefusal)
                .doesNotContain(theirs.key().id());

        JsonNode theirUsage = usage("", theirs.rawKey());
        assertThat(theirUsage.get("project_id").asText()).isEqualTo(other);
        assertThat(responseIds(theirUsage)).containsExactly(theirRefusal, theirResponse);
        assertThat(theirUsage.at("/summary/requests").asLong()).isEqualTo(2);
        assertThat(theirUsage.at("/summary/failed").asLong()).isEqualTo(1);
        assertThat(theirUsage.get("data").get(0).get("charged").asBoolean()).isFalse();
        assertThat(theirUsage.get("data").get(1).get("key_id").asText()).isEqualTo(theirs.key().id());
        assertThat(usage("?key_id=" + adminKeyId, theirs.rawKey()).get("data")).isEmpty();
    }
}
