package ai.zumik.qos;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** QoS reaches /v1 through Agent-Hints (inline) and Agent-Hints-Ref (stored); bad hints are ignored, not errors. */
class AgentHintsApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private static HttpResponse<String> chat(TestGateway gw, String header, String value) {
        var b = HttpRequest.newBuilder(gw.uri("/v1/chat/completions")).header("authorization", "Bearer " + gw.adminKey())
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(CHAT));
        if (header != null) b.header(header, value);
        return TestGateway.send(b.build());
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void inlineAndStoredHintsSetTheClassAndTheOutcomeHeaders() throws Exception {
        try (TestGateway gw = TestGateway.start()) {
            HttpResponse<String> plain = chat(gw, null, null);
            assertThat(plain.headers().firstValue("agent-qos-class")).hasValue("standard");
            assertThat(plain.headers().firstValue("agent-qos-admission")).hasValue("admitted");
            assertThat(plain.headers().firstValue("agent-reason-code")).hasValue("ok");
            assertThat(plain.headers().firstValue("agent-attempts")).hasValue("1");
            assertThat(plain.headers().firstValue("agent-fallback-used")).hasValue("false");
            assertThat(plain.headers().firstValue("agent-qos-target-met")).as("no target set").isEmpty();

            HttpResponse<String> inline = chat(gw, "Agent-Hints", b64("{\"qos\":{\"class\":\"interactive\",\"target_ttft_ms\":30000}}"));
            assertThat(inline.headers().firstValue("agent-qos-class")).hasValue("interactive");
            assertThat(inline.headers().firstValue("agent-qos-target-met")).hasValue("true");
            assertThat(JSON.readTree(inline.body()).has("qos")).as("nothing leaks into the OpenAI body").isFalse();

            assertThat(chat(gw, "Agent-Hints", "%%%not base64").headers().firstValue("agent-qos-class")).hasValue("standard");
            assertThat(chat(gw, "Agent-Hints", b64("{\"qos\":{\"class\":\"urgent\"}}")).statusCode()).as("ignored, not an error")
                    .isEqualTo(200);

            JsonNode stored = JSON.readTree(gw.post("/v2/agent-hints", "{\"version\":\"2026-06-01\",\"qos\":{\"class\":\"batch\"}}").body());
            String ref = stored.get("id").asText();
            assertThat(ref).matches("ah_[0-9a-z]{26}");
            assertThat(stored.at("/qos/class").asText()).isEqualTo("batch");
            HttpResponse<String> byRef = chat(gw, "Agent-Hints-Ref", ref);
            assertThat(byRef.headers().firstValue("agent-qos-class")).hasValue("batch");

            // Another project's reference is ignored, exactly like a missing one.
            String otherProject = "prj_" + "0".repeat(26);
            gw.zumik().database().call(c -> c.createStatement().executeUpdate(
                    "INSERT INTO projects (id, name, created_at) VALUES ('" + otherProject + "', 'other', 0)"));
            String otherKey = gw.zumik().keys().create(otherProject, "other", java.util.EnumSet.of(ai.zumik.keys.Scope.INFERENCE)).rawKey();
            var foreign = HttpRequest.newBuilder(gw.uri("/v1/chat/completions")).header("authorization", "Bearer " + otherKey)
                    .header("Agent-Hints-Ref", ref).POST(HttpRequest.BodyPublishers.ofString(CHAT)).build();
            assertThat(TestGateway.send(foreign).headers().firstValue("agent-qos-class")).hasValue("standard");
        }
    }
}
