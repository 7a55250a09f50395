package ai.zumik.v2;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Replies;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** A gateway in front of a fake OpenAI, started once per test class, and the JSON helpers /v2 tests share. */
abstract class GatewayFixture {
    static final ObjectMapper JSON = Replies.JSON;
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
        return Replies.project(gw, name);
    }

    /** The first column of the first row {@code sql} (one parameter) returns from the gateway's database. */
    static String text(String sql, String arg) throws java.sql.SQLException {
        try (var c = gw.zumik().database().connection(); var ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (var rs = ps.executeQuery()) {
                if (!rs.next()) throw new AssertionError("no row: " + sql);
                return rs.getString(1);
            }
        }
    }

    /** A {@code count(*)} (or any number) {@code sql} returns, as {@link #text}. */
    static long count(String sql, String arg) throws java.sql.SQLException {
        return Long.parseLong(text(sql, arg));
    }

    static JsonNode parse(String s) {
        return Replies.parse(s);
    }

    static JsonNode ok(HttpResponse<String> r) {
        return Replies.ok(r);
    }

    static JsonNode error(HttpResponse<String> r, int status) {
        return Replies.error(r, status);
    }
}
