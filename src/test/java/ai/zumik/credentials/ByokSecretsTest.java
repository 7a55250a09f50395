package ai.zumik.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.provider.anthropic.AnthropicFake;
import ai.zumik.secrets.MasterKey;
import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.ZumikProcess;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secret never leaves Zumik except toward its provider. Canary secrets go through create,
 * rotate, successful use, a provider that refuses the key and echoes it back, a provider error
 * that quotes it, and malformed requests that carry it; then the server's whole output, every
 * response body and header the client saw, and every byte of every file in the data directory
 * (the SQLite database, its WAL, the usage journal, the access log) are searched for it — raw,
 * base64 and hex. The fakes, which must see the secret, prove it really went upstream.
 */
@Timeout(180)
class ByokSecretsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String CANARY = "CANARYqz7Wv3Lk9Rt2Xp5Ne8Hb4Jm6";
    private static final String ROTATED = "CANARYrotated5Hd8Fs2Kq9Vz3Lw7P";
    private static final String ANTHROPIC_CANARY = "CANARYanthropic4Gt7Yr2Mx9Qa6Z";
    private static final String ADMIN = "zk_live_" + "c".repeat(32);

    private final List<String> seen = new ArrayList<>();
    private int port;

    @Test
    void canarySecretsAppearNowhereButUpstream(@TempDir Path dir) throws Exception {
        try (FakeProvider openai = FakeProvider.start(); FakeProvider anthropic = AnthropicFake.start()) {
            Path data = dir.resolve("data");
            Map<String, String> env = Map.of("ZUMIK_MASTER_KEY", MasterKey.generateEncoded(), "ZUMIK_ALLOW_PRIVATE_UPSTREAMS", "true",
                    "ZUMIK_BOOTSTRAP_KEY", ADMIN, "ZUMIK_ACCESS_LOG", data.resolve("access.log").toString(),
                    "ANTHROPIC_BASE_URL", anthropic.baseUrl(), "OPENAI_BASE_URL", openai.baseUrl());
            try (ZumikProcess server = ZumikProcess.start(data, "server.log", env, List.of()).awaitHealthy()) {
                port = server.port();
                String id = JSON.readTree(call("POST", "/v2/provider-credentials", "{\"provider\":\"openai\",\"secret\":\""
                        + CANARY + "\",\"base_url\":\"" + openai.baseUrl() + "\",\"name\":\"canary\"}").body()).get("id").asText();
                String anthropicId = JSON.readTree(call("POST", "/v2/provider-credentials", "{\"provider\":\"anthropic\","
                        + "\"secret\":\"" + ANTHROPIC_CANARY + "\"}").body()).get("id").asText();
                call("POST", "/v2/model-aliases/canary.byok/releases", "{\"targets\":[{\"execution_profile\":\"byok\","
                        + "\"provider\":\"openai\",\"model\":\"gpt-4o-mini\",\"weight\":1,\"credential_id\":\"" + id + "\"}]}");
                call("PUT", "/v2/execution-policy", "{\"byok_defaults\":{\"anthropic\":\"" + anthropicId + "\"}}");

                assertThat(chat("canary.byok", false).statusCode()).isEqualTo(200);
                assertThat(chat("canary.byok", true).statusCode()).isEqualTo(200);
                assertThat(chat("anthropic/claude-sonnet-4-5", false).statusCode()).isEqualTo(200);
                // The provider refuses the key and quotes it back, as some do.
                openai.enqueue(Script.json(401, "{\"error\":{\"message\":\"Incorrect API key provided: " + CANARY
                        + ".\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}"));
                assertThat(chat("canary.byok", false).statusCode()).isEqualTo(424);
                // A client error whose text quotes the key (copied to the caller: it must come back scrubbed).
                openai.enqueue(Script.json(400, "{\"error\":{\"message\":\"Bad request for key " + CANARY.toLowerCase()
                        + " and " + CANARY + "\",\"type\":\"invalid_request_error\",\"param\":\"" + CANARY + "\",\"code\":null}}"));
                assertThat(chat("canary.byok", false).statusCode()).isEqualTo(400);
                anthropic.enqueue(AnthropicFake.error(401, "authentication_error", "invalid x-api-key " + ANTHROPIC_CANARY));
                assertThat(chat("anthropic/claude-sonnet-4-5", false).statusCode()).isEqualTo(424);
                openai.enqueue(Script.json(500, "{\"error\":{\"message\":\"internal error for " + CANARY + "\"}}"),
                        Script.json(500, "{\"error\":{\"message\":\"internal error for " + CANARY + "\"}}"));
                assertThat(chat("canary.byok", false).statusCode()).isBetween(500, 599);
                // Malformed requests that carry it.
                call("POST", "/v2/provider-credentials", "{\"provider\":\"openai\",\"secret\":" + CANARY + "}");
                call("POST", "/v2/provider-credentials", "{\"provider\":\"openai\",\"secret\":\"" + CANARY + " \"}");
                call("POST", "/v2/provider-credentials", "{\"provider\":\"openai\",\"secret\":\"" + CANARY + "\",\"x\":1}");
                call("POST", "/v2/provider-credentials/" + id + "/rotate", "{\"secret\":\"" + CANARY + "\",\"extra\":true}");
                call("POST", "/v2/provider-credentials", "{\"provider\":\"openai\",\"secret\":\"" + CANARY
                        + "\",\"base_url\":\"http://169.254.169.254/\"}");
                // Rotation, and use of the rotated secret.
                assertThat(call("POST", "/v2/provider-credentials/" + id + "/rotate", "{\"secret\":\"" + ROTATED + "\"}")
                        .statusCode()).isEqualTo(200);
                assertThat(chat("canary.byok", false).statusCode()).isEqualTo(200);
                call("GET", "/v2/provider-credentials", null);
                call("GET", "/v2/provider-credentials/" + id, null);
                call("GET", "/v2/audit-events", null);
                call("GET", "/v2/usage", null);
                server.process().destroy(); // SIGTERM: a clean stop flushes journals and logs
                server.process().waitFor();
                String log = server.output();
                assertThat(log).as("the server ran and logged").contains("zumik listening");
                for (String secret : List.of(CANARY, ROTATED, ANTHROPIC_CANARY)) {
                    for (String form : forms(secret)) {
                        assertThat(log).as("server log").doesNotContainIgnoringCase(form);
                        for (String s : seen) assertThat(s).as("a response").doesNotContainIgnoringCase(form);
                        assertNotInFiles(data, form);
                    }
                }
            }
            assertThat(openai.requests().stream().map(r -> r.headers().get("authorization")))
                    .as("the canary did go upstream, so the search above was meaningful")
                    .contains("Bearer " + CANARY, "Bearer " + ROTATED);
            assertThat(anthropic.requests().stream().map(r -> r.headers().get("x-api-key"))).contains(ANTHROPIC_CANARY);
        }
    }

    private static List<String> forms(String secret) {
        byte[] b = secret.getBytes(StandardCharsets.US_ASCII);
        return List.of(secret, secret.substring(6), java.util.Base64.getEncoder().withoutPadding().encodeToString(b),
                java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b), java.util.HexFormat.of().formatHex(b));
    }

    private static void assertNotInFiles(Path dir, String form) throws IOException {
        byte[] needle = form.getBytes(StandardCharsets.US_ASCII);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] hay = Files.readAllBytes(f);
                assertThat(indexOfIgnoreCase(hay, needle)).as(f + " holds " + form).isEqualTo(-1);
            }
        }
    }

    private static int indexOfIgnoreCase(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (Character.toLowerCase(hay[i + j]) != Character.toLowerCase(needle[j])) continue outer;
            }
            return i;
        }
        return -1;
    }

    private HttpResponse<String> chat(String model, boolean stream) throws Exception {
        return call("POST", "/v1/chat/completions", "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
                .header("authorization", "Bearer " + ADMIN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("content-type", "application/json");
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        StringBuilder all = new StringBuilder(r.body());
        r.headers().map().forEach((k, v) -> all.append('\n').append(k).append(": ").append(String.join(",", v)));
        seen.add(all.toString());
        return r;
    }
}
