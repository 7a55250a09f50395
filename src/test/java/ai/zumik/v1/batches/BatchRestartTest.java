package ai.zumik.v1.batches;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.TestGateway;
import ai.zumik.testing.ZumikProcess;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A batch survives its gateway stopping mid-way, and no line is ever sent twice: after SIGKILL
 * (a separate Zumik process, killed while lines are in flight) and after a graceful stop (in
 * process), a new gateway on the same data directory resumes the batch and completes it; every
 * line appears exactly once across the output and error files, and the slow fake upstream
 * received each line at most once. After a kill the lines that were in flight are reported
 * {@code batch_line_interrupted}; after a graceful stop none are, since lines in flight finish
 * within the shutdown grace.
 */
@Timeout(120)
class BatchRestartTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern LINE = Pattern.compile("restart-(\\w+)-(\\d+)");
    private static final int LINES = 16;

    static FakeProvider openai;

    @BeforeAll
    static void start() {
        // Every answer takes 300 ms, so a stop always finds lines in flight.
        openai = FakeProvider.start("/v1", r -> new Script.Stream(Map.of("content-type", "application/json"),
                List.of(new Script.Delay(300), Script.raw(((Script.Reply) FakeProvider.echo(r)).body()))));
    }

    @AfterAll
    static void stop() {
        openai.close();
    }

    @Test
    void afterSigkillTheBatchResumesAndLinesInFlightAreReportedInterruptedNeverSentAgain() throws Exception {
        Path dir = Files.createTempDirectory("zumik-batch-kill-");
        String key = "zk_live_" + UUID.randomUUID().toString().replace("-", "");
        Map<String, String> env = Map.of("ZUMIK_BOOTSTRAP_KEY", key, "OPENAI_BASE_URL", openai.baseUrl(),
                "OPENAI_API_KEY", "sk-test-restart", "ZUMIK_USAGE_JOURNAL", "on");
        String run = "kill";
        String batchId;
        try (ZumikProcess first = ZumikProcess.start(dir, "first.log", env, List.of()).awaitHealthy()) {
            String base = "http://127.0.0.1:" + first.port();
            batchId = createBatch(base, key, run);
            awaitReceived(run, 6);
            first.process().destroyForcibly(); // SIGKILL: no shutdown hook, no grace
            first.process().waitFor();
        }
        int sentBeforeKill = received(run).size();
        try (ZumikProcess second = ZumikProcess.start(dir, "second.log", env, List.of()).awaitHealthy()) {
            String base = "http://127.0.0.1:" + second.port();
            JsonNode batch = awaitCompleted(base, key, batchId);
            Outcome o = outcome(base, key, batch, run);
            assertThat(o.interrupted()).as("the lines in flight at the kill").isNotEmpty().hasSizeLessThanOrEqualTo(4);
            // An interrupted line was sent before the kill (or was about to be), and never again.
            assertThat(received(run).keySet()).containsAll(o.succeeded());
            for (String id : o.interrupted()) assertThat(received(run).getOrDefault(id, 0)).isLessThanOrEqualTo(1);
            assertThat(sentBeforeKill).isGreaterThanOrEqualTo(6);
            assertThat(second.output()).contains("reported as batch_line_interrupted");
        }
    }

    /** A gateway whose batch had its first lines sent when it was stopped gracefully. */
    record Stopped(Path dir, String key, Map<String, String> env, String batchId) {}

    static Stopped stoppedMidBatch(String dirPrefix, String run) throws Exception {
        Path dir = Files.createTempDirectory(dirPrefix);
        String key = "zk_live_" + UUID.randomUUID().toString().replace("-", "");
        Map<String, String> env = Map.of("ZUMIK_BOOTSTRAP_KEY", key, "OPENAI_BASE_URL", openai.baseUrl(),
                "OPENAI_API_KEY", "sk-test-restart");
        TestGateway first = TestGateway.start(dir, env);
        try {
            String batchId = createBatch(first.url(), key, run);
            awaitReceived(run, 5);
            return new Stopped(dir, key, env, batchId);
        } finally {
            first.close();
        }
    }

    @Test
    void afterAGracefulStopLinesInFlightFinishAndTheBatchResumesWhereItStopped() throws Exception {
        String run = "stop";
        Stopped stopped = stoppedMidBatch("zumik-batch-stop-", run);
        Path dir = stopped.dir();
        String key = stopped.key();
        Map<String, String> env = stopped.env();
        String batchId = stopped.batchId();
        int sentBeforeStop = received(run).size();
        assertThat(sentBeforeStop).as("the stop came mid-batch").isLessThan(LINES);
        try (TestGateway second = TestGateway.start(dir, env)) {
            JsonNode batch = awaitCompleted(second.url(), key, batchId);
            Outcome o = outcome(second.url(), key, batch, run);
            assertThat(o.interrupted()).as("nothing was cut: the lines in flight finished within the grace").isEmpty();
            assertThat(o.succeeded()).hasSize(LINES);
        }
    }

    @Test
    void aBatchWhoseWindowPassedWhileZumikWasDownExpiresWithWhatFinished() throws Exception {
        String run = "expire";
        Stopped stopped = stoppedMidBatch("zumik-batch-expire-", run);
        Path dir = stopped.dir();
        String key = stopped.key();
        Map<String, String> env = stopped.env();
        String batchId = stopped.batchId();
        // The 24 h window passes while no Zumik runs.
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("zumik.db"))) {
            c.createStatement().executeUpdate("UPDATE batches SET expires_at = 1000 WHERE id = '" + batchId + "'");
        }
        int sent = received(run).size();
        try (TestGateway second = TestGateway.start(dir, env)) {
            long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            JsonNode b;
            while (!(b = JSON.readTree(get(second.url(), key, "/v1/batches/" + batchId))).get("status").asText().equals("expired")) {
                assertThat(System.nanoTime()).as("the batch expires: %s", b).isLessThan(until);
                Thread.sleep(50);
            }
            assertThat(b.get("expired_at").isIntegralNumber()).isTrue();
            assertThat(b.at("/request_counts/completed").asInt()).isEqualTo(sent);
            assertThat(b.at("/request_counts/failed").asInt()).isEqualTo(LINES - sent);
            assertThat(lines(second.url(), key, b.get("output_file_id"))).hasSize(sent);
            List<JsonNode> err = lines(second.url(), key, b.get("error_file_id"));
            assertThat(err).hasSize(LINES - sent).allSatisfy(l -> {
                assertThat(l.at("/error/code").asText()).isEqualTo("batch_expired");
                assertThat(l.at("/error/message").asText())
                        .isEqualTo("This request could not be executed before the completion window expired.");
            });
            assertThat(received(run)).as("nothing was sent after the window").hasSize(sent);
        }
    }

    /** What the files say, checked against what the fake received. */
    record Outcome(List<String> succeeded, List<String> interrupted) {}

    private static Outcome outcome(String base, String key, JsonNode batch, String run) throws Exception {
        assertThat(batch.at("/request_counts/total").asInt()).isEqualTo(LINES);
        Map<String, Integer> seen = new HashMap<>();
        List<String> succeeded = new ArrayList<>();
        List<String> interrupted = new ArrayList<>();
        for (JsonNode l : lines(base, key, batch.get("output_file_id"))) {
            String id = l.get("custom_id").asText();
            seen.merge(id, 1, Integer::sum);
            assertThat(l.at("/response/status_code").asInt()).isEqualTo(200);
            assertThat(l.at("/response/body/choices/0/message/content").asText()).isEqualTo("echo: restart-" + run + "-" + id);
            succeeded.add(id);
        }
        for (JsonNode l : lines(base, key, batch.get("error_file_id"))) {
            String id = l.get("custom_id").asText();
            seen.merge(id, 1, Integer::sum);
            assertThat(l.at("/error/code").asText()).isEqualTo(BatchJob.INTERRUPTED);
            assertThat(l.get("response").isNull()).isTrue();
            interrupted.add(id);
        }
        Map<String, Integer> once = new HashMap<>();
        for (int i = 0; i < LINES; i++) once.put(Integer.toString(i), 1);
        assertThat(seen).as("every line exactly once across the output and error files").isEqualTo(once);
        assertThat(batch.at("/request_counts/completed").asInt()).isEqualTo(succeeded.size());
        assertThat(batch.at("/request_counts/failed").asInt()).isEqualTo(interrupted.size());
        Map<String, Integer> got = received(run);
        assertThat(got.values()).as("no line reached the provider twice: %s", got).allMatch(n -> n == 1);
        for (String id : succeeded) assertThat(got).containsKey(id);
        return new Outcome(succeeded, interrupted);
    }

    /** How many times the fake received each line of {@code run}, by custom id. */
    private static Map<String, Integer> received(String run) {
        Map<String, Integer> out = new HashMap<>();
        for (FakeProvider.Received r : openai.requests()) {
            Matcher m = LINE.matcher(r.body());
            if (m.find() && m.group(1).equals(run)) out.merge(m.group(2), 1, Integer::sum);
        }
        return out;
    }

    private static void awaitReceived(String run, int n) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (received(run).size() < n) {
            assertThat(System.nanoTime()).as("the batch started sending").isLessThan(until);
            Thread.sleep(10);
        }
    }

    private static String createBatch(String base, String key, String run) throws Exception {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < LINES; i++) {
            jsonl.append("{\"custom_id\":\"").append(i).append("\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",")
                    .append("\"body\":{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":")
                    .append("\"restart-").append(run).append('-').append(i).append("\"}]}}\n");
        }
        String boundary = "b" + UUID.randomUUID();
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"restart.jsonl\"\r\n\r\n" + jsonl + "\r\n--"
                + boundary + "--\r\n";
        HttpResponse<String> file = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/files"))
                .header("authorization", "Bearer " + key).header("content-type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(file.statusCode()).as(file.body()).isEqualTo(200);
        String fileId = JSON.readTree(file.body()).get("id").asText();
        HttpResponse<String> batch = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/batches"))
                .header("authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.ofString("{\"input_file_id\":\""
                        + fileId + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(batch.statusCode()).as(batch.body()).isEqualTo(200);
        return JSON.readTree(batch.body()).get("id").asText();
    }

    private static JsonNode awaitCompleted(String base, String key, String id) throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            JsonNode b = JSON.readTree(get(base, key, "/v1/batches/" + id));
            if (b.get("status").asText().equals("completed")) return b;
            assertThat(System.nanoTime()).as("the batch completes after the restart; it is %s", b).isLessThan(until);
            Thread.sleep(100);
        }
    }

    private static List<JsonNode> lines(String base, String key, JsonNode fileId) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        if (fileId.isNull()) return out;
        for (String l : get(base, key, "/v1/files/" + fileId.asText() + "/content").split("\n")) {
            if (!l.isEmpty()) out.add(JSON.readTree(l));
        }
        return out;
    }

    private static String get(String base, String key, String path) throws Exception {
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
                .header("authorization", "Bearer " + key).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return new String(r.body(), StandardCharsets.UTF_8);
    }
}
