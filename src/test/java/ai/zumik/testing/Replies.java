package ai.zumik.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;

/** Reading a gateway's JSON replies in tests: parse, expect 200, expect an error status. */
public final class Replies {
    public static final ObjectMapper JSON = new ObjectMapper();

    private Replies() {}

    public static JsonNode parse(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(s, e);
        }
    }

    /** The body of a 200 reply. */
    public static JsonNode ok(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return parse(r.body());
    }

    /** The {@code error} object of a reply with this status. */
    public static JsonNode error(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return parse(r.body()).get("error");
    }

    /** A new project on this gateway; returns its admin key. */
    public static String project(TestGateway gw, String name) {
        return ok(gw.post("/v2/projects", "{\"name\":\"" + name + "\"}")).at("/admin_key/key").asText();
    }
}
