package ai.zumik.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.cli.Cli;
import ai.zumik.json.Json;
import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.traces.TraceEnvelope;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code zumik proxy} end to end against a fake OpenAI: requests and answers pass through untouched
 * (streams chunk by chunk), each chat or Responses request leaves one trace that
 * {@link TraceEnvelope#fromJson} reads, with the upstream's usage and the prompt's fingerprints —
 * and no byte of the prompt or the completion.
 */
@Timeout(60)
class TraceProxyTest {
    static final String SECRET = "ZEBRA-PINEAPPLE-7731";
    /** A system prompt of ~1,500 estimated tokens that carries the secret. */
    static final String POLICY = ("Policy " + SECRET + ": never reveal the launch codes. ").repeat(130);
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;
    FakeProvider upstream;
    TraceProxy proxy;
    Path traces;
    Path keyFile;

    @BeforeEach
    void start() throws Exception {
        upstream = FakeProvider.start();
        traces = dir.resolve("traces.jsonl");
        keyFile = dir.resolve("keys/fingerprint.key");
        proxy = TraceProxy.start("127.0.0.1", 0, URI.create(upstream.rootUrl()), "openai", LocalFingerprintKey.loadOrCreate(keyFile),
                new TraceWriter(traces));
    }

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + path)).timeout(Duration.ofSeconds(20))
                .header("authorization", "Bearer sk-client-own-key").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String chat(String user, boolean stream, boolean usage) {
        return "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"" + POLICY + "\"},"
                + "{\"role\":\"user\",\"content\":\"" + user + "\"}]" + (stream ? ",\"stream\":true" : "")
                + (usage ? ",\"stream_options\":{\"include_usage\":true}" : "") + "}";
    }

    List<TraceEnvelope> traces(int expected) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < end && (!Files.exists(traces) || Files.readAllLines(traces).size() < expected)) Thread.sleep(10);
        List<TraceEnvelope> out = new ArrayList<>();
        for (String line : Files.readAllLines(traces)) out.add(TraceEnvelope.fromJson(Json.parse(line.getBytes(StandardCharsets.UTF_8))));
        assertThat(out).hasSize(expected);
        return out;
    }

    void assertNoTextInFile(String... texts) throws Exception {
        byte[] file = Files.readAllBytes(traces);
        String s = new String(file, StandardCharsets.UTF_8);
        for (String t : texts) assertThat(s).as("trace file must not contain %s", t).doesNotContain(t);
    }

    @Test
    void aNonStreamedChatPassesThroughAndLeavesAMetadataOnlyTrace() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", chat("launch " + SECRET + " now", false, false));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode answer = Json.parse(r.body().getBytes(StandardCharsets.UTF_8));
        String completion = answer.at("/choices/0/message/content").asText();
        assertThat(completion).isEqualTo("echo: launch " + SECRET + " now");
        var received = upstream.lastRequest();
        assertThat(received.path()).isEqualTo("/v1/chat/completions");
        assertThat(received.headers().get("authorization")).isEqualTo("Bearer sk-client-own-key");
        assertThat(received.body()).as("the body goes up byte for byte").isEqualTo(chat("launch " + SECRET + " now", false, false));

        TraceEnvelope t = traces(1).getFirst();
        assertThat(t.privacyMode()).isEqualTo("metadata");
        assertThat(t.traceId()).startsWith("trc_");
        assertThat(t.request().apiSurface()).isEqualTo("v1_chat_completions");
        assertThat(t.observed().resolvedTarget()).isEqualTo("openai/gpt-4o-mini");
        assertThat(t.observed().inputTokens()).as("the upstream's usage").isEqualTo(11);
        assertThat(t.observed().outputTokens()).isEqualTo(7);
        assertThat(t.observed().realizedReusedTokens()).as("prompt_tokens_details.cached_tokens").isZero();
        assertThat(t.observed().status()).isEqualTo(200);
        assertThat(t.observed().ttftMs()).as("no TTFT without a stream").isNull();
        assertThat(t.observed().latencyMs()).isNotNull();
        assertThat(t.schedule().arrivalOffsetMs()).isGreaterThan(1_700_000_000_000L);
        assertThat(t.prefixFamilyId()).matches("pf_[0-9a-f]{16}");
        assertThat(t.prefix()).hasSize(2);
        assertThat(t.prefix().getFirst().fingerprint()).isEqualTo(t.prefixFamilyId().substring(3));
        assertNoTextInFile(SECRET, "launch", "echo:", "never reveal", "Policy");
        assertThat(Files.getPosixFilePermissions(keyFile)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE);
        assertThat(Files.size(keyFile)).isEqualTo(32);
    }

    @Test
    void streamsAreRelayedChunkByChunkAndTheirUsageIsReadOnTheWay() throws Exception {
        // First chunk, then 1.5 s of nothing, then the rest: the client must see the first chunk long before the end.
        upstream.enqueue(Script.sse(Script.data("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\","
                        + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"SECRET-ANSWER-42\"},\"finish_reason\":null}]}"),
                new Script.Delay(1500),
                Script.data("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
                        + "\"delta\":{},\"finish_reason\":\"stop\"}]}"),
                Script.data("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[],"
                        + "\"usage\":{\"prompt_tokens\":1600,\"completion_tokens\":5,\"total_tokens\":1605,\"prompt_tokens_details\":"
                        + "{\"cached_tokens\":1536}}}"),
                Script.done()));
        long start = System.nanoTime();
        HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/v1/chat/completions"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(chat("stream " + SECRET, true, true)))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        StringBuilder body = new StringBuilder();
        long firstChunkMs = -1;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (firstChunkMs < 0 && line.contains("SECRET-ANSWER-42")) firstChunkMs = (System.nanoTime() - start) / 1_000_000;
                body.append(line).append('\n');
            }
        }
        long totalMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(firstChunkMs).as("first chunk relayed before the upstream finished").isLessThan(totalMs - 1000);
        assertThat(body).contains("[DONE]").contains("\"cached_tokens\":1536");

        TraceEnvelope t = traces(1).getFirst();
        assertThat(t.observed().inputTokens()).isEqualTo(1600);
        assertThat(t.observed().realizedReusedTokens()).isEqualTo(1536);
        assertThat(t.observed().outputTokens()).isEqualTo(5);
        assertThat(t.observed().ttftMs()).isNotNull().isLessThan(1500);
        assertThat(t.observed().latencyMs()).isGreaterThanOrEqualTo(1500);
        assertNoTextInFile(SECRET, "SECRET-ANSWER-42", "stream ", "Policy");
    }

    @Test
    void withoutUsageTokensAreEstimatedAndARepeatedStablePrefixIsACandidate() throws Exception {
        post("/v1/chat/completions", chat("first question", true, false));
        post("/v1/chat/completions", chat("second question", true, false));
        List<TraceEnvelope> ts = traces(2);
        TraceEnvelope first = ts.getFirst();
        TraceEnvelope second = ts.get(1);
        assertThat(first.observed().inputTokens()).as("estimated: no usage in the stream").isGreaterThan(1024);
        assertThat(first.observed().realizedReusedTokens()).isNull();
        assertThat(first.observed().candidateReuseTokens()).isZero();
        assertThat(second.prefixFamilyId()).isEqualTo(first.prefixFamilyId());
        assertThat(second.observed().candidateReuseTokens()).as("the stable system prompt").isEqualTo(second.prefix().getFirst().tokens())
                .isGreaterThanOrEqualTo(1024);

        // zumik diagnose reads the proxy's file and recomputes the same candidate from the marks.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)) {
            exit = Cli.run(new String[] {"diagnose", traces.toString(), "--json"}, Map.of(), o, e);
        }
        assertThat(exit).isZero();
        JsonNode report = Json.parse(out.toByteArray());
        assertThat(report.path("lines_scored").asLong()).isEqualTo(2);
        assertThat(report.at("/waterfall/candidate_reuse_tokens/tokens").asLong()).isEqualTo(second.observed().candidateReuseTokens());
        assertThat(report.at("/waterfall/realized_reused_tokens/evidence").asText()).isEqualTo("unknown");
    }

    @Test
    void responsesRequestsAreTracedAndEverythingElsePassesThroughUntraced() throws Exception {
        HttpResponse<String> r = post("/v1/responses", "{\"model\":\"gpt-4o-mini\",\"instructions\":\"" + POLICY + "\",\"input\":\"hello "
                + SECRET + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        HttpResponse<String> models = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/v1/models?x=1"))
                .header("authorization", "Bearer sk-client-own-key").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(upstream.lastRequest().path()).isEqualTo("/v1/models?x=1");
        assertThat(upstream.lastRequest().headers().get("authorization")).isEqualTo("Bearer sk-client-own-key");
        HttpResponse<String> direct = HTTP.send(HttpRequest.newBuilder(URI.create(upstream.rootUrl() + "/v1/models?x=1")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(models.statusCode()).as("the upstream's own answer, whatever it is").isEqualTo(direct.statusCode());
        assertThat(models.body()).isEqualTo(direct.body());
        TraceEnvelope t = traces(1).getFirst();
        assertThat(t.request().apiSurface()).isEqualTo("v1_responses");
        assertThat(t.prefixFamilyId()).startsWith("pf_");
        assertThat(t.observed().outputTokens()).isNotNull();
        assertNoTextInFile(SECRET, "hello", "Policy");
    }

    @Test
    void theKeyIsKeptAcrossRunsSoFingerprintsStayComparable() throws Exception {
        byte[] before = Files.readAllBytes(keyFile);
        assertThat(LocalFingerprintKey.loadOrCreate(keyFile).id()).isEqualTo(LocalFingerprintKey.loadOrCreate(keyFile).id());
        assertThat(Files.readAllBytes(keyFile)).isEqualTo(before);
        Files.write(dir.resolve("short.key"), new byte[5]);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LocalFingerprintKey.loadOrCreate(dir.resolve("short.key")))
                .hasMessageContaining("32 bytes");
        assertThat(LocalFingerprintKey.defaultPath(Map.of("XDG_CONFIG_HOME", "/cfg"))).isEqualTo(Path.of("/cfg/zumik/fingerprint.key"));
        assertThat(Set.of(proxy.port())).isNotEmpty();
    }

    @Test
    void theCommandHasHelpAndRefusesBadArguments() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            assertThat(Cli.run(new String[] {"proxy", "--help"}, Map.of(), o, e)).isZero();
            assertThat(Cli.run(new String[] {"proxy"}, Map.of(), o, e)).as("--upstream is required").isEqualTo(2);
            assertThat(Cli.run(new String[] {"proxy", "--upstream", "ftp://x", "--fingerprint-key", keyFile.toString()}, Map.of(), o, e))
                    .isEqualTo(2);
            assertThat(Cli.run(new String[] {"proxy", "--upstream", "http://127.0.0.1:1", "--listen", "nope",
                    "--fingerprint-key", keyFile.toString()}, Map.of(), o, e)).isEqualTo(2);
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: zumik proxy").contains("--upstream").contains("--fingerprint-key");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Missing required option: '--upstream=URL'").contains("ftp://x");
    }
}
