package ai.zumik.v1.batches;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.Replicas;
import ai.zumik.testing.ZumikProcess;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two Zumik processes on one PostgreSQL schema. A file uploaded and a batch created on one are
 * visible from the other (file content included, stored in the database); exactly one replica
 * claims the batch; when that replica is killed mid-batch the other takes the batch over once
 * the lease (3 s here) lapses and completes it. Across both, no line reached the provider twice,
 * and every line is in the output or error file exactly once.
 */
@Tag("postgres")
@Timeout(120)
class BatchReplicasTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "zk_live_BATCHreplicaBATCHreplica12345678";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern LINE = Pattern.compile("replica-line-(\\d+)");
    private static final int LINES = 24;

    static FakeProvider openai;
    static Replicas replicas;
    static ZumikProcess a;
    static ZumikProcess b;

    @BeforeAll
    static void start() throws Exception {
        openai = FakeProvider.start("/v1", r -> new Script.Stream(Map.of("content-type", "application/json"),
                List.of(new Script.Delay(300), Script.raw(((Script.Reply) FakeProvider.echo(r)).body()))));
        replicas = Replicas.start("b", Map.of("ZUMIK_BOOTSTRAP_KEY", KEY, "OPENAI_BASE_URL", openai.baseUrl(),
                "OPENAI_API_KEY", "sk-test-replicas", "ZUMIK_BATCH_LEASE_MS", "3000"));
        a = replicas.a;
        b = replicas.b;
    }

    @AfterAll
    static void stop() throws Exception {
        if (replicas != null) replicas.close();
        if (openai != null) openai.close();
    }

    @Test
    void oneReplicaRunsABatchAndTheOtherTakesItOverWhenItDiesWithoutSendingAnyLineTwice() throws Exception {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < LINES; i++) {
            jsonl.append("{\"custom_id\":\"").append(i).append("\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",")
                    .append("\"body\":{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":")
                    .append("\"replica-line-").append(i).append("\"}]}}\n");
        }
        String fileId = upload(a, jsonl.toString());
        assertThat(get(b, "/v1/files/" + fileId + "/content")).as("content stored in PostgreSQL, read by the other replica")
                .isEqualTo(jsonl.toString());
        HttpResponse<String> created = send(a, HttpRequest.newBuilder(uri(a, "/v1/batches")).POST(HttpRequest.BodyPublishers
                .ofString("{\"input_file_id\":\"" + fileId + "\",\"endpoint\":\"/v1/chat/completions\"}")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String batchId = JSON.readTree(created.body()).get("id").asText();
        assertThat(JSON.readTree(get(b, "/v1/batches/" + batchId)).get("input_file_id").asText()).isEqualTo(fileId);

        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (received().size() < 6) {
            assertThat(System.nanoTime()).as("the batch started").isLessThan(until);
            Thread.sleep(10);
        }
        String claim = "batch " + batchId + " claimed by runner";
        boolean onA = a.output().contains(claim);
        boolean onB = b.output().contains(claim);
        assertThat(onA ^ onB).as("exactly one replica claimed the batch").isTrue();
        ZumikProcess runner = onA ? a : b;
        ZumikProcess survivor = onA ? b : a;
        runner.process().destroyForcibly();
        runner.process().waitFor();

        JsonNode batch;
        until = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (true) {
            batch = JSON.readTree(get(survivor, "/v1/batches/" + batchId));
            if (batch.get("status").asText().equals("completed")) break;
            assertThat(System.nanoTime()).as("the survivor completes the batch; it is %s", batch).isLessThan(until);
            Thread.sleep(100);
        }
        assertThat(survivor.output()).as("taken over after the lease lapsed").contains(claim);

        Map<String, Integer> inFiles = new HashMap<>();
        List<String> interrupted = new ArrayList<>();
        for (String l : lines(survivor, batch.get("output_file_id"))) {
            JsonNode n = JSON.readTree(l);
            inFiles.merge(n.get("custom_id").asText(), 1, Integer::sum);
            assertThat(n.at("/response/body/choices/0/message/content").asText())
                    .isEqualTo("echo: replica-line-" + n.get("custom_id").asText());
        }
        for (String l : lines(survivor, batch.get("error_file_id"))) {
            JsonNode n = JSON.readTree(l);
            inFiles.merge(n.get("custom_id").asText(), 1, Integer::sum);
            assertThat(n.at("/error/code").asText()).isEqualTo(BatchJob.INTERRUPTED);
            interrupted.add(n.get("custom_id").asText());
        }
        assertThat(inFiles).hasSize(LINES).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
        assertThat(interrupted).as("only what was in flight on the dead replica").hasSizeLessThanOrEqualTo(4);
        Map<String, Integer> got = received();
        assertThat(got.values()).as("no line reached the provider twice: %s", got).allMatch(n -> n == 1);
        assertThat(got.size()).isGreaterThanOrEqualTo(LINES - interrupted.size());
        assertThat(batch.at("/request_counts/completed").asInt()).isEqualTo(LINES - interrupted.size());
    }

    private static Map<String, Integer> received() {
        Map<String, Integer> out = new HashMap<>();
        for (FakeProvider.Received r : openai.requests()) {
            Matcher m = LINE.matcher(r.body());
            if (m.find()) out.merge(m.group(1), 1, Integer::sum);
        }
        return out;
    }

    private static String upload(ZumikProcess z, String content) throws Exception {
        String boundary = "b" + UUID.randomUUID();
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.jsonl\"\r\n\r\n"
                + content + "\r\n--" + boundary + "--\r\n";
        HttpResponse<String> r = send(z, HttpRequest.newBuilder(uri(z, "/v1/files"))
                .header("content-type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).get("id").asText();
    }

    private static List<String> lines(ZumikProcess z, JsonNode fileId) throws Exception {
        List<String> out = new ArrayList<>();
        if (fileId.isNull()) return out;
        for (String l : get(z, "/v1/files/" + fileId.asText() + "/content").split("\n")) if (!l.isEmpty()) out.add(l);
        return out;
    }

    private static URI uri(ZumikProcess z, String path) {
        return URI.create("http://127.0.0.1:" + z.port() + path);
    }

    private static String get(ZumikProcess z, String path) throws Exception {
        HttpResponse<String> r = send(z, HttpRequest.newBuilder(uri(z, path)).GET());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return r.body();
    }

    private static HttpResponse<String> send(ZumikProcess z, HttpRequest.Builder r) throws Exception {
        return HTTP.send(r.timeout(Duration.ofSeconds(30)).header("authorization", "Bearer " + KEY).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
}
