package ai.zumik.broker;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What the fault-matrix tests share: a gateway in front of OpenAI and xAI fakes, request bodies, the {@code Agent-Hints} header, reading the
 * stored response record ({@code GET /v2/responses/{id}}) and its attempts, SSE bodies, alias
 * releases, and {@link Router}, a fake's responder that fails chosen models and echoes the rest.
 */
final class Faults {
    static final ObjectMapper JSON = new ObjectMapper();

    private Faults() {}

    /**
     * A gateway in front of an OpenAI fake and an xAI fake, each with a test key, plus {@code env}
     * (the timeouts, circuit or region settings the test is about).
     */
    static TestGateway gateway(FakeProvider openai, FakeProvider xai, String... env) {
        return TestGateway.start(withPairs(env, "OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-openai-123456",
                "XAI_BASE_URL", xai.baseUrl(), "XAI_API_KEY", "xai-test-key-123456"));
    }

    /** {@link #gateway}, with the OpenRouter emergency bridge at {@code openrouter} enabled. */
    static TestGateway gatewayWithBridge(FakeProvider openai, FakeProvider xai, FakeProvider openrouter, String... env) {
        return gateway(openai, xai, withPairs(env, "OPENROUTER_BASE_URL", openrouter.baseUrl(),
                "OPENROUTER_API_KEY", "sk-or-v1-test-123456", "OPENROUTER_FALLBACK_ENABLED", "true"));
    }

    private static String[] withPairs(String[] env, String... pairs) {
        String[] all = java.util.Arrays.copyOf(pairs, pairs.length + env.length);
        System.arraycopy(env, 0, all, pairs.length, env.length);
        return all;
    }

    /** Closes the gateway before the fakes it talks to. */
    static void close(TestGateway gw, FakeProvider... fakes) {
        gw.close();
        for (FakeProvider f : fakes) f.close();
    }

    /** Forgets every fake's queued scripts, received requests and aborts. */
    static void reset(FakeProvider... fakes) {
        for (FakeProvider f : fakes) f.reset();
    }

    static String chat(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    static String stream(String model) {
        return "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    /** An {@code Agent-Hints} header value: base64url JSON without padding. */
    static String hints(String qosJson) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(("{\"qos\":" + qosJson + "}").getBytes(StandardCharsets.UTF_8));
    }

    static final String FORBID = hints("{\"class\":\"standard\",\"degrade_policy\":\"forbid\"}");

    static String deadline(int ms) {
        return hints("{\"class\":\"standard\",\"deadline_ms\":" + ms + "}");
    }

    /** POSTs to {@code /v1/chat/completions} with the admin key and extra header pairs. */
    static HttpResponse<String> post(TestGateway gw, String body, String... headerPairs) {
        var b = HttpRequest.newBuilder(gw.uri("/v1/chat/completions")).timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json").header("authorization", "Bearer " + gw.adminKey())
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headerPairs.length; i += 2) b.header(headerPairs[i], headerPairs[i + 1]);
        return TestGateway.send(b.build());
    }

    static JsonNode parse(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }

    static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    static String responseId(HttpResponse<?> r) {
        return r.headers().firstValue("agent-response-id").orElseThrow(() -> new AssertionError("no Agent-Response-Id"));
    }

    /** The stored record of a response, waiting briefly for one written after the client's last byte. */
    static JsonNode record(TestGateway gw, String responseId) {
        for (int i = 0; i < 100; i++) {
            HttpResponse<String> r = gw.get("/v2/responses/" + responseId);
            if (r.statusCode() == 200) return parse(r.body());
            assertThat(r.statusCode()).as("GET /v2/responses/%s: %s", responseId, r.body()).isEqualTo(404);
            sleep(20);
        }
        throw new AssertionError("no record for " + responseId);
    }

    static JsonNode record(TestGateway gw, HttpResponse<?> r) {
        return record(gw, responseId(r));
    }

    /** {@code provider/model} of each attempt, in order. */
    static List<String> attemptTargets(JsonNode record) {
        List<String> out = new ArrayList<>();
        for (JsonNode a : record.get("attempts")) out.add(a.at("/target/provider").asText() + "/" + a.at("/target/model").asText());
        return out;
    }

    /** Each attempt's failure class, "-" for an attempt that did not fail. */
    static List<String> failureClasses(JsonNode record) {
        List<String> out = new ArrayList<>();
        for (JsonNode a : record.get("attempts")) out.add(a.get("failure_class").isNull() ? "-" : a.get("failure_class").asText());
        return out;
    }

    static JsonNode attempt(JsonNode record, int i) {
        return record.get("attempts").get(i);
    }

    /** {@code provider/model → reason} for every candidate of the routing decision, in its order. */
    static Map<String, String> verdicts(JsonNode record) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (JsonNode c : record.at("/routing_decision/candidates")) {
            out.put(c.get("provider").asText() + "/" + c.get("model").asText(), c.get("reason").asText());
        }
        return out;
    }

    static List<String> candidateOrder(JsonNode record) {
        return List.copyOf(verdicts(record).keySet());
    }

    /** The {@code data:} payloads of an SSE body read whole. */
    static List<String> sseData(String body) {
        List<String> out = new ArrayList<>();
        for (String event : body.split("\n\n")) {
            for (String line : event.split("\n")) if (line.startsWith("data: ")) out.add(line.substring(6));
        }
        return out;
    }

    /** The {@code model} of every request a fake received, in order. */
    static List<String> models(FakeProvider fake) {
        return fake.requests().stream().map(r -> r.json().path("model").asText()).toList();
    }

    /** Installs a project release of {@code alias}; returns the release object. */
    static JsonNode installRelease(TestGateway gw, String alias, String targetsJson) {
        HttpResponse<String> r = gw.post("/v2/model-aliases/" + alias + "/releases", "{\"targets\":" + targetsJson + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return parse(r.body());
    }

    static Script.Reply error(int status, String code, String message, String... headerPairs) {
        Map<String, String> headers = new java.util.HashMap<>(FakeProvider.headers(headerPairs));
        headers.put("content-type", "application/json");
        return new Script.Reply(status, headers, "{\"error\":{\"message\":" + Script.quote(message)
                + ",\"type\":\"invalid_request_error\",\"param\":null,\"code\":" + (code == null ? "null" : "\"" + code + "\"") + "}}");
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A fake provider's default responder keyed by the upstream model: a rule answers requests for
     * its model, everything else gets the fake's echo. Queued scripts still come first.
     */
    static final class Router implements Function<FakeProvider.Received, Script> {
        private final Map<String, Function<FakeProvider.Received, Script>> rules = new ConcurrentHashMap<>();

        Router on(String model, Function<FakeProvider.Received, Script> rule) {
            rules.put(model, rule);
            return this;
        }

        Router always(String model, Script script) {
            return on(model, r -> script);
        }

        void clear() {
            rules.clear();
        }

        @Override
        public Script apply(FakeProvider.Received r) {
            var rule = rules.get(r.json().path("model").asText());
            return rule != null ? rule.apply(r) : FakeProvider.echo(r);
        }
    }
}
