package ai.zumik.v2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** A gateway in front of a fake OpenAI, started once per test class, and the JSON helpers /v2 tests share. */
abstract class GatewayFixture {
    static final ObjectMapper JSON = new ObjectMapper();
    static FakeProvider openai;
    static TestGateway gw;

    @BeforeAll
    static void startGateway() {
        openai = FakeProvider.start();
        gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-123456");
    }

    @AfterAll
    static void stopGateway() {
        gw.close();
        openai.close();
    }

    @BeforeEach
    void forgetRequests() {
        openai.reset();
    }

    /** A new project; returns its admin key. */
    static String project(String name) {
        return ok(gw.post("/v2/projects", "{\"name\":\"" + name + "\"}")).at("/admin_key/key").asText();
    }

    static JsonNode parse(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(s, e);
        }
    }

    static JsonNode ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return parse(r.body());
    }

    static JsonNode error(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return parse(r.body()).get("error");
    }
}
