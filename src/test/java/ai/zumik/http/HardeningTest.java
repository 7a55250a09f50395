package ai.zumik.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.SseClient;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a hostile or broken client cannot do to Zumik (issue 10): hold connections forever, take
 * memory by announcing bodies, get a 500 or an empty reply from malformed input, read a secret
 * back from an upstream's error text, or see a shutdown disguised as a provider failure. The
 * attacks at full scale, against a separate Zumik process, are in {@link AbuseProcessTest}.
 */
@Timeout(120)
class HardeningTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A raw HTTP/1.1 exchange: what the client saw, including whether the server hung up. */
    record Raw(int status, Map<String, String> headers, String body, boolean closedAfter) {
        JsonNode error() throws IOException {
            return JSON.readTree(body).get("error");
        }
    }

    /** Sends {@code bytes} on a new connection and reads one response, then checks for a close. */
    static Raw exchange(int port, byte[] bytes) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            return read(s);
        }
    }

    /** One response, then up to 2 s to see whether the server hangs up after it. */
    static Raw read(Socket s) throws IOException {
        Raw r = readNoCloseCheck(s);
        InputStream in = s.getInputStream();
        boolean closed;
        s.setSoTimeout(2_000);
        try {
            closed = in.read() < 0;
        } catch (SocketTimeoutException open) {
            closed = false;
        } catch (SocketException reset) {
            closed = true;
        }
        return new Raw(r.status(), r.headers(), r.body(), closed);
    }

    static Raw readNoCloseCheck(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        String status = line(in);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l; !(l = line(in)).isEmpty(); ) {
            int colon = l.indexOf(':');
            headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
        }
        String body = new String(in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0"))),
                StandardCharsets.UTF_8);
        return new Raw(Integer.parseInt(status.split(" ")[1]), headers, body, false);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) throw new IOException("closed before a whole response: '" + b + "'");
            if (c != '\r') b.write(c);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Reads until the server closes (or {@code maxMs}); returns how long that took, or -1 if it stayed open. */
    static long closesWithin(Socket s, long maxMs) throws IOException {
        long start = System.nanoTime();
        s.setSoTimeout((int) maxMs);
        try {
            while (s.getInputStream().read() >= 0) {
                // a reply before the close is fine
            }
        } catch (SocketTimeoutException stillOpen) {
            return -1;
        } catch (SocketException reset) {
            // closed
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    // ------------------------------------------------------------------------------------------

    /** Requests the HTTP layer itself rejects, on the default gateway. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Envelopes {
        TestGateway gw;

        @BeforeAll
        void start() {
            gw = TestGateway.start();
        }

        @AfterAll
        void stop() {
            gw.close();
        }

        Stream<Arguments> malformed() {
            String key = "Authorization: Bearer " + "zk_live_" + "x".repeat(32) + "\r\n";
            return Stream.of(
                    Arguments.of("URL over 4 KiB", "GET /" + "a".repeat(9_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
                    Arguments.of("headers over 8 KiB", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(10_000)
                            + "\r\n\r\n", 431, "request_header_fields_too_large"),
                    Arguments.of("Content-Length with Transfer-Encoding", "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                            + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "invalid_content_length"),
                    Arguments.of("non-numeric Content-Length", "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                            + "Content-Length: abc\r\n\r\n", 400, "invalid_content_length"),
                    Arguments.of("two different Content-Lengths", "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                            + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400, "invalid_content_length"),
                    Arguments.of("bad method", "G(T /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_method"),
                    Arguments.of("NUL in a header value", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n", 400,
                            "invalid_header"),
                    Arguments.of("CR in a header name", "GET /healthz HTTP/1.1\r\nHost: x\r\nX\rA: b\r\n\r\n", 400, "invalid_header"),
                    Arguments.of("unknown HTTP version", "GET /healthz HTTP/2.5\r\nHost: x\r\n\r\n", 505,
                            "http_version_not_supported"),
                    Arguments.of("not HTTP at all", "GET /healthz FOO/1.1\r\nHost: x\r\n\r\n", 505, "http_version_not_supported"),
                    Arguments.of("malformed chunk size", "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n" + key
                            + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400, "invalid_chunked_encoding"));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("malformed")
        void everyRequestTheCodecRejectsGetsAnEnvelopeThenTheConnectionCloses(String name, String request, int status,
                                                                                 String code) throws Exception {
            Raw r = exchange(gw.zumik().port(), ascii(request));
            assertThat(r.status()).isEqualTo(status);
            assertThat(r.headers().get("content-type")).isEqualTo("application/json");
            assertThat(r.headers().get("agent-trace-id")).startsWith("trc_");
            JsonNode e = r.error();
            assertThat(e.get("code").asText()).isEqualTo(code);
            assertThat(e.get("type").asText()).isEqualTo("invalid_request_error");
            assertThat(e.get("message").asText()).isNotBlank();
            assertThat(r.closedAfter()).as("the rest of a malformed stream is not trusted").isTrue();
        }

        Stream<Arguments> badEscapes() {
            return Stream.of(
                    Arguments.of("/v2/usage?provider=%zz", "provider"),
                    Arguments.of("/v2/usage?model=abc%", "model"),
                    Arguments.of("/v2/usage?key_id=%C3", "key_id"),
                    Arguments.of("/v2/audit-events?type=%zz", "type"),
                    Arguments.of("/v1/models/gpt%E0%A4", "model"),
                    Arguments.of("/v1/models/%zz", "model"));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("badEscapes")
        void aMalformedPercentEscapeIsA400NamingTheParameter(String path, String param) throws Exception {
            // Sent raw: java.net.URI refuses to build such a URL at all.
            Raw r = exchange(gw.zumik().port(), ascii("GET " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + gw.adminKey() + "\r\n\r\n"));
            assertThat(r.status()).isEqualTo(400);
            JsonNode e = r.error();
            assertThat(e.get("param").asText()).isEqualTo(param);
            assertThat(e.get("code").asText()).isEqualTo("invalid_value");
        }

        @Test
        void wellFormedEscapesDecode() throws Exception {
            HttpResponse<String> r = gw.get("/v1/models/openai%2Fgpt-4o-mini");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).get("id").asText()).isEqualTo("openai/gpt-4o-mini");
            assertThat(gw.get("/v2/usage?provider=caf%C3%A9+au+lait").statusCode()).isEqualTo(200);
        }

        @Test
        void nestingTooDeepIsSaidInTheRequestsTerms() throws Exception {
            String deep = "{\"model\":\"gpt-4o-mini\",\"messages\":" + "[".repeat(2_000) + "]".repeat(2_000) + "}";
            HttpResponse<String> r = gw.post("/v1/chat/completions", deep);
            assertThat(r.statusCode()).isEqualTo(400);
            JsonNode e = JSON.readTree(r.body()).get("error");
            assertThat(e.get("code").asText()).isEqualTo("invalid_json");
            assertThat(e.get("message").asText()).endsWith("JSON nested too deeply (limit 1000).")
                    .doesNotContain("StreamReadConstraints").doesNotContain("Jackson");
        }

        Stream<Arguments> utf16() {
            String json = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            byte[] le = json.getBytes(StandardCharsets.UTF_16LE);
            byte[] be = json.getBytes(StandardCharsets.UTF_16BE);
            byte[] leBom = new byte[le.length + 2];
            leBom[0] = (byte) 0xff;
            leBom[1] = (byte) 0xfe;
            System.arraycopy(le, 0, leBom, 2, le.length);
            return Stream.of(Arguments.of("UTF-16LE", le), Arguments.of("UTF-16BE", be),
                    Arguments.of("UTF-16LE with BOM", leBom), Arguments.of("UTF-16 with BOM (BE)",
                            json.getBytes(StandardCharsets.UTF_16)), Arguments.of("UTF-32", json.getBytes(java.nio.charset.Charset.forName("UTF-32"))));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("utf16")
        void aBodyThatIsNotUtf8IsA400(String name, byte[] body) throws Exception {
            HttpResponse<String> r = gw.post("/v1/chat/completions", body, gw.adminKey());
            assertThat(r.statusCode()).isEqualTo(400);
            JsonNode e = JSON.readTree(r.body()).get("error");
            assertThat(e.get("code").asText()).isEqualTo("invalid_json");
            assertThat(e.get("message").asText()).contains("not valid UTF-8");
        }

        @Test
        void aUtf8ByteOrderMarkIsIgnored() {
            byte[] json = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}".getBytes(StandardCharsets.UTF_8);
            byte[] bom = new byte[json.length + 3];
            bom[0] = (byte) 0xef;
            bom[1] = (byte) 0xbb;
            bom[2] = (byte) 0xbf;
            System.arraycopy(json, 0, bom, 3, json.length);
            assertThat(gw.post("/v1/chat/completions", bom, gw.adminKey()).statusCode()).isEqualTo(200);
        }
    }

    // ------------------------------------------------------------------------------------------

    /** Deadlines and caps, with short timeouts so each is seen in well under a second or two. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Deadlines {
        TestGateway gw;
        FakeProvider openai;

        @BeforeAll
        void start() {
            openai = FakeProvider.start();
            gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-123456",
                    "ZUMIK_HTTP_IDLE_TIMEOUT_MS", "600", "ZUMIK_HTTP_HEADER_TIMEOUT_MS", "500",
                    "ZUMIK_HTTP_BODY_TIMEOUT_MS", "500");
        }

        @AfterAll
        void stop() {
            gw.close();
            openai.close();
        }

        @Test
        void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws Exception {
            try (Socket s = new Socket("127.0.0.1", gw.zumik().port())) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write(ascii("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
                Raw first = readNoCloseCheck(s);
                assertThat(first.status()).isEqualTo(200);
                long ms = closesWithin(s, 3_000);
                assertThat(ms).as("closed after ~600 ms idle").isBetween(400L, 2_000L);
            }
        }

        @Test
        void aSilentNewConnectionIsClosedAfterTheHeaderTimeout() throws Exception {
            try (Socket s = new Socket("127.0.0.1", gw.zumik().port())) {
                assertThat(closesWithin(s, 3_000)).isBetween(300L, 2_000L);
            }
        }

        @Test
        void aHeadSentByteByByteGets408AndTheConnectionCloses() throws Exception {
            try (Socket s = new Socket("127.0.0.1", gw.zumik().port())) {
                OutputStream out = s.getOutputStream();
                long start = System.nanoTime();
                Raw r = null;
                for (byte b : ascii("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: abcdefghijklmnopqrstuvwxyz\r\n\r\n")) {
                    out.write(b);
                    out.flush();
                    Thread.sleep(100);
                    if (s.getInputStream().available() > 0) {
                        r = read(s);
                        break;
                    }
                }
                assertThat(r).as("answered before the head was complete").isNotNull();
                assertThat(r.status()).isEqualTo(408);
                assertThat(r.error().get("code").asText()).isEqualTo("request_timeout");
                assertThat(r.closedAfter()).isTrue();
                assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_500);
            }
        }

        @Test
        void aStalledUploadGets408AndTheConnectionCloses() throws Exception {
            try (Socket s = new Socket("127.0.0.1", gw.zumik().port())) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write(ascii("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                        + gw.adminKey() + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"model\""));
                long start = System.nanoTime();
                Raw r = read(s);
                assertThat(r.status()).isEqualTo(408);
                assertThat(r.error().get("message").asText()).contains("stalled");
                assertThat(r.closedAfter()).isTrue();
                assertThat((System.nanoTime() - start) / 1_000_000).isBetween(300L, 2_500L);
            }
        }

        @Test
        void aSlowUploadThatKeepsProgressingIsNotCut() throws Exception {
            byte[] body = ascii("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"slow but steady\"}]}");
            try (Socket s = new Socket("127.0.0.1", gw.zumik().port())) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write(ascii("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + gw.adminKey()
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n"));
                // ~2 s in total, far past every timeout, but never 500 ms without a byte.
                for (int i = 0; i < body.length; i += 4) {
                    out.write(body, i, Math.min(4, body.length - i));
                    out.flush();
                    Thread.sleep(2_000L * 4 / body.length);
                }
                openai.enqueue(Script.json("{\"id\":\"x\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini\","
                        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}"));
                assertThat(readNoCloseCheck(s).status()).isEqualTo(200);
            }
        }

        @Test
        void aStreamLongerThanEveryConnectionTimeoutIsNotCut() throws Exception {
            openai.enqueue(new Script.Chunks("gpt-4o-mini").role().delay(800).text("one").delay(800).text(" two")
                    .delay(800).finish("stop").usage(3, 2, 0).done().build());
            try (SseClient c = SseClient.post(gw, "/v1/chat/completions",
                    "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"slow\"}]}")) {
                List<SseClient.Event> events = c.all();
                assertThat(events.getLast().done()).as("the stream ran to [DONE] past idle, header and body timeouts").isTrue();
            }
        }
    }

    @Test
    void pastTheConnectionCapANewConnectionIsAnswered503AndClosed() throws Exception {
        try (TestGateway gw = TestGateway.start("ZUMIK_MAX_CONNECTIONS", "5")) {
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) held.add(new Socket("127.0.0.1", gw.zumik().port()));
                Thread.sleep(200);
                Raw r = exchange(gw.zumik().port(), ascii("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
                assertThat(r.status()).isEqualTo(503);
                assertThat(r.error().get("code").asText()).isEqualTo("too_many_connections");
                assertThat(r.headers().get("retry-after")).isEqualTo("1");
                assertThat(r.closedAfter()).isTrue();
            } finally {
                for (Socket s : held) s.close();
            }
            Thread.sleep(200);
            assertThat(gw.get("/healthz").statusCode()).as("a freed slot is usable again").isEqualTo(200);
        }
    }

    @Test
    void pastThePerAddressCapOfUnauthenticatedConnectionsANewOneGets429() throws Exception {
        try (TestGateway gw = TestGateway.start("ZUMIK_MAX_UNAUTHENTICATED_PER_IP", "3")) {
            int port = gw.zumik().port();
            List<Socket> silent = new ArrayList<>();
            try (Socket authed = new Socket("127.0.0.1", port)) {
                authed.setSoTimeout(5_000);
                authed.getOutputStream().write(ascii("GET /v2/usage HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                        + gw.adminKey() + "\r\n\r\n"));
                assertThat(read(authed).status()).isEqualTo(200);
                // The authenticated connection no longer counts: three silent ones still fit.
                for (int i = 0; i < 3; i++) silent.add(new Socket("127.0.0.1", port));
                Thread.sleep(200);
                Raw r = exchange(port, ascii("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
                assertThat(r.status()).isEqualTo(429);
                assertThat(r.error().get("code").asText()).isEqualTo("too_many_connections");
                assertThat(r.error().get("type").asText()).isEqualTo("rate_limit_error");
            } finally {
                for (Socket s : silent) s.close();
            }
            Thread.sleep(200);
            assertThat(gw.get("/healthz").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void bodiesBeyondTheMemoryBudgetAre503WhileSmallRequestsStillPass() throws Exception {
        try (TestGateway gw = TestGateway.start("ZUMIK_HTTP_BODY_BUDGET_MB", "4")) {
            int port = gw.zumik().port();
            List<Socket> uploads = new ArrayList<>();
            try {
                byte[] mib = new byte[1024 * 1024];
                java.util.Arrays.fill(mib, (byte) ' ');
                Raw refused = null;
                // Large bodies may fill 3 of the 4 MiB: the fourth upload cannot be held.
                for (int i = 0; i < 4 && refused == null; i++) {
                    Socket s = new Socket("127.0.0.1", port);
                    uploads.add(s);
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write(ascii("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                            + gw.adminKey() + "\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n"));
                    try {
                        s.getOutputStream().write(mib);
                        s.getOutputStream().flush();
                    } catch (SocketException closed) {
                        // answered and closed mid-upload
                    }
                    Thread.sleep(300);
                    if (s.getInputStream().available() > 0) refused = read(s);
                }
                assertThat(refused).as("one upload is refused once the budget is spent").isNotNull();
                assertThat(refused.status()).isEqualTo(503);
                assertThat(refused.error().get("code").asText()).isEqualTo("server_busy");
                assertThat(refused.headers().get("retry-after")).isEqualTo("1");
                assertThat(gw.post("/v1/chat/completions",
                        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"small\"}]}").statusCode())
                        .as("the quarter kept for small bodies").isEqualTo(200);
                assertThat(heldBytes(gw)).as("large bodies hold at most three quarters of the budget")
                        .isGreaterThanOrEqualTo(2L * 1024 * 1024).isLessThanOrEqualTo(3L * 1024 * 1024);
            } finally {
                for (Socket s : uploads) s.close();
            }
            Thread.sleep(300);
            assertThat(heldBytes(gw)).as("released when the uploads end").isZero();
        }
    }

    @Test
    void headersAnnouncing2MiBReserveNothingUntilTheBytesArrive() throws Exception {
        try (TestGateway gw = TestGateway.start()) {
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 50; i++) {
                    Socket s = new Socket("127.0.0.1", gw.zumik().port());
                    held.add(s);
                    s.getOutputStream().write(ascii("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                            + gw.adminKey() + "\r\nContent-Type: application/json\r\nContent-Length: 2097152\r\n\r\n{"));
                }
                Thread.sleep(500);
                assertThat(heldBytes(gw)).as("50 bodies of one byte each").isLessThan(50L * 1024);
            } finally {
                for (Socket s : held) s.close();
            }
        }
    }

    private static long heldBytes(TestGateway gw) {
        String metrics = gw.get("/metrics", null).body();
        var m = java.util.regex.Pattern.compile("(?m)^zumik_http_body_bytes_held (\\d+)").matcher(metrics);
        assertThat(m.find()).isTrue();
        return Long.parseLong(m.group(1));
    }

    // ------------------------------------------------------------------------------------------

    @Test
    void aStalledUploadDoesNotHoldAGracefulStop() throws Exception {
        TestGateway gw = TestGateway.start("ZUMIK_SHUTDOWN_GRACE_MS", "10000");
        try (Socket s = new Socket("127.0.0.1", gw.zumik().port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(ascii("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + gw.adminKey() + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"mo"));
            Thread.sleep(200);
            long start = System.nanoTime();
            CompletableFuture<Void> closing = CompletableFuture.runAsync(gw::close);
            Raw r = read(s);
            closing.get();
            assertThat((System.nanoTime() - start) / 1_000_000).as("not the 10 s grace").isLessThan(3_000);
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.error().get("code").asText()).isEqualTo("shutting_down");
        }
    }

    @Test
    void aStreamCutByTheShutdownGraceSaysSoInBand() throws Exception {
        try (FakeProvider openai = FakeProvider.start()) {
            TestGateway gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-123456",
                    "ZUMIK_SHUTDOWN_GRACE_MS", "500");
            openai.enqueue(Script.sse(Script.data("{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                    + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"par\"}}]}"),
                    new Script.Stall()));
            try (SseClient c = SseClient.post(gw, "/v1/chat/completions",
                    "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"forever\"}]}")) {
                assertThat(c.next()).isNotNull();
                gw.close();
                List<SseClient.Event> rest = c.all();
                assertThat(rest).isNotEmpty();
                SseClient.Event last = rest.getLast();
                assertThat(last.done()).as("a cut stream never looks complete").isFalse();
                JsonNode error = last.json().get("error");
                assertThat(error.get("code").asText()).isEqualTo("shutting_down");
                assertThat(error.get("message").asText()).contains("shutting down").doesNotContain("upstream connection broke");
            }
        }
    }

    // ------------------------------------------------------------------------------------------

    /** A provider that echoes Zumik's key without its prefix in every error it sends. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class SecretsByValue {
        static final String CANARY = "canary-SECRET-1234567";
        FakeProvider openai;
        TestGateway gw;

        @BeforeAll
        void start() {
            openai = FakeProvider.start();
            gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-proj-" + CANARY);
        }

        @AfterAll
        void stop() {
            gw.close();
            openai.close();
        }

        private Script.Reply echoingError() {
            return Script.json(400, "{\"error\":{\"message\":\"The key '" + CANARY + "' may not use this model (ask "
                    + CANARY.toUpperCase(Locale.ROOT) + ")\",\"type\":\"invalid_request_error\",\"code\":\"model_access\"}}");
        }

        @Test
        void chatNonStream() {
            openai.enqueue(echoingError());
            HttpResponse<String> r = gw.post("/v1/chat/completions",
                    "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).doesNotContain(CANARY).doesNotContainIgnoringCase(CANARY).contains("[redacted]");
        }

        @Test
        void chatStreamBeforeTheFirstByte() throws Exception {
            openai.enqueue(echoingError());
            try (SseClient c = SseClient.post(gw, "/v1/chat/completions",
                    "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")) {
                assertThat(c.status).isEqualTo(400);
                assertThat(c.rest()).doesNotContain(CANARY).contains("[redacted]");
            }
        }

        @Test
        void chatStreamMidStream() throws Exception {
            openai.enqueue(Script.sse(Script.data("{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                    + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"a\"}}]}"),
                    new Script.Delay(150),
                    Script.data("{\"error\":{\"message\":\"key " + CANARY + " revoked\",\"type\":\"server_error\"}}")));
            try (SseClient c = SseClient.post(gw, "/v1/chat/completions",
                    "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")) {
                List<SseClient.Event> events = c.all();
                assertThat(events.getLast().data()).contains("error").doesNotContain(CANARY);
            }
        }

        @Test
        void v2ResponsesAndItsStream() throws Exception {
            openai.enqueue(echoingError());
            HttpResponse<String> r = gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\"}");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).doesNotContain(CANARY);
            openai.enqueue(echoingError());
            try (SseClient c = SseClient.post(gw, "/v2/responses", "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"input\":\"hi\"}")) {
                assertThat(c.rest()).contains("error").doesNotContain(CANARY);
            }
        }

        @Test
        void nothingZumikWroteToDiskHoldsIt() throws Exception {
            openai.enqueue(echoingError());
            gw.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            gw.get("/v2/usage");
            byte[] needle = CANARY.getBytes(StandardCharsets.UTF_8);
            try (Stream<Path> files = Files.walk(gw.dataDir())) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    byte[] all = Files.readAllBytes(f);
                    assertThat(indexOf(all, needle)).as(f.toString()).isNegative();
                }
            }
        }

        private static int indexOf(byte[] hay, byte[] needle) {
            outer:
            for (int i = 0; i + needle.length <= hay.length; i++) {
                for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
                return i;
            }
            return -1;
        }
    }

    // ------------------------------------------------------------------------------------------

    @Test
    void aWedgedEventLoopTurnsHealthRedThenEndsTheProcess() throws Exception {
        int before = TestGateway.FATAL_EXITS.get();
        try (TestGateway gw = TestGateway.start("ZUMIK_EVENT_LOOPS", "2", "ZUMIK_LOOP_STALL_EXIT_MS", "8000")) {
            java.util.Set<Thread> threads = new java.util.HashSet<>();
            for (var loop : gw.zumik().eventLoops()) {
                CompletableFuture<Thread> t = new CompletableFuture<>();
                loop.runOnContext(v -> t.complete(Thread.currentThread()));
                threads.add(t.get());
            }
            assertThat(threads).as("each HTTP front has an event loop of its own").hasSize(2);
            CompletableFuture<Void> released = new CompletableFuture<>();
            gw.zumik().eventLoops().getFirst().runOnContext(v -> released.join());
            try {
                Raw unhealthy = null;
                java.util.Map<String, Integer> seen = new java.util.TreeMap<>();
                // Red after 4 s (half the stall limit), the exit at 8 s: a window wide enough for a
                // busy machine, where the watchdog and this client both wake late.
                long end = System.nanoTime() + 7_800_000_000L;
                while (unhealthy == null && System.nanoTime() < end) {
                    // New connections alternate between the loops; the stuck one never answers.
                    try (Socket s = new Socket("127.0.0.1", gw.zumik().port())) {
                        s.setSoTimeout(200);
                        s.getOutputStream().write(ascii("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
                        Raw r = readNoCloseCheck(s);
                        seen.merge(Integer.toString(r.status()), 1, Integer::sum);
                        if (r.status() == 503) unhealthy = r;
                    } catch (IOException stuckLoop) {
                        // this connection landed on the wedged loop
                        seen.merge(stuckLoop.getClass().getSimpleName(), 1, Integer::sum);
                    }
                }
                assertThat(unhealthy).as("/healthz went red while the loop was stuck; answers seen: " + seen).isNotNull();
                assertThat(JSON.readTree(unhealthy.body()).get("reason").asText()).contains("event loop 0");
                long deadline = System.nanoTime() + 8_000_000_000L;
                while (TestGateway.FATAL_EXITS.get() == before && System.nanoTime() < deadline) Thread.sleep(50);
                assertThat(TestGateway.FATAL_EXITS.get()).as("the process is ended, not left half-alive").isGreaterThan(before);
            } finally {
                released.complete(null);
            }
        }
    }
}
