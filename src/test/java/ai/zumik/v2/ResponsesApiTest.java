package ai.zumik.v2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.SseClient;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The native /v2/responses surface: create (plain and streamed), retrieve, cancel, and its validation. */
class ResponsesApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static FakeProvider openai;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        openai = FakeProvider.start();
        gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-123456");
    }

    @AfterAll
    static void stop() {
        gw.close();
        openai.close();
    }

    @Test
    void createReturnsTheNativeObjectThatGetReturnsLater() throws Exception {
        HttpResponse<String> r = gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"instructions\":\"Be brief.\","
                + "\"input\":\"hello there\",\"qos\":{\"class\":\"interactive\",\"target_ttft_ms\":60000}}");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode o = JSON.readTree(r.body());
        assertThat(o.get("id").asText()).matches("rsp_[0-9a-z]{26}");
        assertThat(o.get("object").asText()).isEqualTo("response");
        assertThat(o.get("status").asText()).isEqualTo("completed");
        assertThat(o.get("output_text").asText()).isEqualTo("echo: hello there");
        assertThat(o.get("execution_profile").asText()).isEqualTo("managed_provider");
        assertThat(o.get("execution_mode").asText()).isEqualTo("live");
        assertThat(o.at("/qos_outcome/class").asText()).isEqualTo("interactive");
        assertThat(o.at("/qos_outcome/admission").asText()).isEqualTo("admitted");
        assertThat(o.at("/qos_outcome/completion").asText()).isEqualTo("completed");
        assertThat(o.at("/qos_outcome/target_met").asBoolean()).isTrue();
        assertThat(o.at("/qos_outcome/deadline_met").isNull()).as("no deadline was set").isTrue();
        assertThat(o.at("/qos_outcome/reason_code").asText()).isEqualTo("ok");
        assertThat(o.at("/qos_outcome/attempt_count").asInt()).isEqualTo(1);
        assertThat(o.get("attempts")).hasSize(1);
        assertThat(o.at("/attempts/0/target/provider").asText()).isEqualTo("openai");
        assertThat(o.at("/usage/input_tokens").asLong()).isEqualTo(11);
        assertThat(o.at("/usage/output_tokens").asLong()).isEqualTo(7);
        JsonNode sent = openai.lastRequest().json();
        assertThat(sent.at("/messages/0/role").asText()).isEqualTo("system");
        assertThat(sent.at("/messages/1/content").asText()).isEqualTo("hello there");
        JsonNode again = JSON.readTree(gw.get("/v2/responses/" + o.get("id").asText()).body());
        assertThat(again).isEqualTo(o);
    }

    @Test
    void streamingSendsDeltasThenTheStoredObject() throws Exception {
        try (SseClient c = SseClient.post(gw, "/v2/responses",
                "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"input\":[{\"role\":\"user\",\"content\":\"stream me\"}]}")) {
            assertThat(c.status).isEqualTo(200);
            List<SseClient.Event> events = c.all();
            assertThat(events.getFirst().json().get("type").asText()).isEqualTo("response.created");
            StringBuilder text = new StringBuilder();
            for (SseClient.Event e : events.subList(1, events.size() - 1)) {
                assertThat(e.json().get("type").asText()).isEqualTo("response.output_text.delta");
                text.append(e.json().get("delta").asText());
            }
            assertThat(text.toString()).isEqualTo("echo: stream me");
            JsonNode done = events.getLast().json();
            assertThat(done.get("type").asText()).isEqualTo("response.completed");
            assertThat(done.at("/response/output_text").asText()).isEqualTo("echo: stream me");
            assertThat(done.at("/response/status").asText()).isEqualTo("completed");
        }
    }

    @Test
    void v1ResponsesAreRetrievableWithoutTheirContent() throws Exception {
        HttpResponse<String> r = gw.post("/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"private\"}]}");
        JsonNode o = JSON.readTree(gw.get("/v2/responses/" + r.headers().firstValue("agent-response-id").orElseThrow()).body());
        assertThat(o.get("surface").asText()).isEqualTo("v1");
        assertThat(o.get("output_text").isNull()).as("/v1 content is not retained").isTrue();
        assertThat(o.at("/qos_outcome/reason_code").asText()).isEqualTo("ok");
        assertThat(gw.get("/v2/responses/rsp_00000000000000000000000000").statusCode()).isEqualTo(404);
    }

    @Test
    void aRefusedRequestCarriesItsReasonAndItsResponseIdLeadsToItsRecord() throws Exception {
        for (String path : new String[] {"/v1/chat/completions", "/v2/responses", "/v1/embeddings"}) {
            String body = path.equals("/v2/responses") ? "{\"model\":\"no-such-model\",\"input\":\"hi\"}"
                    : path.equals("/v1/embeddings") ? "{\"model\":\"no-such-model\",\"input\":\"hi\"}"
                    : "{\"model\":\"no-such-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            HttpResponse<String> r = gw.post(path, body);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("model_not_found");
            assertThat(r.headers().firstValue("agent-reason-code")).as(path).hasValue("model_not_found");
            assertThat(r.headers().firstValue("agent-qos-admission")).hasValue("rejected");
            assertThat(r.headers().firstValue("agent-attempts")).hasValue("0");
            HttpResponse<String> got = gw.get("/v2/responses/" + r.headers().firstValue("agent-response-id").orElseThrow());
            assertThat(got.statusCode()).as(path).isEqualTo(200);
            JsonNode rec = JSON.readTree(got.body());
            assertThat(rec.get("endpoint").asText()).isEqualTo(path);
            assertThat(rec.get("status").asText()).isEqualTo("failed");
            assertThat(rec.at("/qos_outcome/admission").asText()).isEqualTo("rejected");
            assertThat(rec.at("/qos_outcome/reason_code").asText()).isEqualTo("model_not_found");
            assertThat(rec.at("/qos_outcome/attempt_count").asInt()).isZero();
            assertThat(rec.get("attempts")).isEmpty();
            assertThat(rec.get("routing_decision").isNull()).isTrue();
            assertThat(rec.at("/error/code").asText()).isEqualTo("model_not_found");
            assertThat(rec.get("charged").asBoolean()).isFalse();
        }
    }

    @Test
    void aResponseInFlightCanBeCancelledAndAFinishedOneCannot() throws Exception {
        openai.enqueue(new Script.Chunks("gpt-4o-mini").role().text("partial").step(new Script.Stall()).build());
        try (SseClient c = SseClient.post(gw, "/v2/responses", "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"input\":\"wait\"}")) {
            String id = c.next().json().get("response_id").asText();
            assertThat(c.next().json().get("delta").asText()).isEqualTo("partial");
            HttpResponse<String> cancel = gw.post("/v2/responses/" + id + "/cancel", "");
            assertThat(cancel.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(cancel.body()).get("status").asText()).isEqualTo("cancelled");
            JsonNode last = c.next().json();
            assertThat(last.get("type").asText()).isEqualTo("response.cancelled");
            assertThat(last.at("/response/status").asText()).isEqualTo("cancelled");
            assertThat(last.at("/response/output_text").asText()).as("what was generated is kept").isEqualTo("partial");
            assertThat(last.at("/response/qos_outcome/reason_code").asText()).isEqualTo("client_cancelled");
            assertThat(openai.awaitAborts(1, 2000)).as("the upstream call is aborted").isTrue();
            assertThat(JSON.readTree(gw.get("/v2/responses/" + id).body()).get("status").asText()).isEqualTo("cancelled");
        }
        String done = JSON.readTree(gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"x\"}").body()).get("id").asText();
        HttpResponse<String> late = gw.post("/v2/responses/" + done + "/cancel", "");
        assertThat(late.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(late.body()).at("/error/code").asText()).isEqualTo("response_not_cancellable");
        assertThat(gw.post("/v2/responses/rsp_00000000000000000000000000/cancel", "").statusCode()).isEqualTo(404);
    }

    @Test
    void badInputNamesTheParameter() throws Exception {
        assertThat(param(gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\"}"))).isEqualTo("input");
        assertThat(param(gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"\"}"))).isEqualTo("input");
        assertThat(param(gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"x\",\"qos\":{\"class\":\"urgent\"}}")))
                .isEqualTo("qos.class");
        assertThat(param(gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"x\",\"qos\":{}}"))).isEqualTo("qos.class");
        assertThat(param(gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"x\",\"qos\":{\"class\":\"batch\","
                + "\"priority\":300}}"))).isEqualTo("qos.priority");
        assertThat(param(gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"x\",\"colour\":1}"))).isEqualTo("colour");
        assertThat(param(gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"input\":[{\"role\":\"robot\",\"content\":\"x\"}]}")))
                .isEqualTo("input[0].role");
        assertThat(gw.post("/v2/responses", "{\"model\":\"nope-9\",\"input\":\"x\"}").statusCode()).isEqualTo(404);
    }

    private static String param(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        return JSON.readTree(r.body()).at("/error/param").asText();
    }
}
