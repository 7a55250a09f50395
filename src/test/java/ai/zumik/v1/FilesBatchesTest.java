package ai.zumik.v1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.errors.NotFoundException;
import com.openai.models.batches.Batch;
import com.openai.models.batches.BatchCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /v1/files} and {@code /v1/batches} end to end, with the official OpenAI Java SDK as the
 * client of a real gateway whose OpenAI upstream is a {@link FakeProvider}: upload, create, poll,
 * download; the exact JSONL of output and error files; bad lines failing alone; a file that is
 * not JSONL failing the batch; cancel; the batch price and QoS class on the usage records;
 * tenant isolation; file limits and malformed uploads; and every object against OpenAI's schema.
 * Each test works in a project of its own, so the per-project file limits do not interfere.
 *
 * <p>The fake answers a chat whose last message starts with {@code slow} after 400 ms, one saying
 * {@code price} with 1,000 prompt and 1,000 completion tokens, and anything else at once with
 * OpenAI's echo.
 */
class FilesBatchesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "openai/gpt-4o-mini";
    private static final int MAX_FILE = 256 * 1024;

    static FakeProvider openai;
    static TestGateway gw;

    @BeforeAll
    static void start() throws IOException {
        OpenApiConformanceTest.loadSchemas();
        openai = FakeProvider.start("/v1", FilesBatchesTest::answer);
        gw = TestGateway.start(Map.of("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-secret-123456",
                "ZUMIK_FILE_MAX_BYTES", Integer.toString(MAX_FILE), "ZUMIK_FILES_PER_PROJECT", "4",
                "ZUMIK_FILES_PROJECT_MAX_BYTES", Integer.toString(3 * MAX_FILE / 2)));
    }

    @AfterAll
    static void stop() {
        gw.close();
        openai.close();
    }

    static Script answer(FakeProvider.Received r) {
        String last = "";
        for (JsonNode m : r.json().path("messages")) last = m.path("content").asText();
        if (last.startsWith("price")) {
            return Script.json("{\"id\":\"chatcmpl-p\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":"
                    + "\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},"
                    + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":1000,"
                    + "\"total_tokens\":2000}}");
        }
        Script echo = FakeProvider.echo(r);
        if (!last.startsWith("slow")) return echo;
        return new Script.Stream(Map.of("content-type", "application/json"),
                List.of(new Script.Delay(400), Script.raw(((Script.Reply) echo).body())));
    }

    // ---- the whole flow ---------------------------------------------------------------------

    @Test
    void aBatchRunsThroughTheSdkAndItsFilesHoldEveryLineInOpenAisShape() throws Exception {
        String key = newProject();
        try (Sdk sdk = sdk(key)) {
            OpenAIClient client = sdk.client();
            List<String> lines = List.of(
                    line("a", chat("alpha")),
                    "{not json",
                    line("b", chat("beta")),
                    line("c", "{\"model\":\"" + MODEL + "\",\"messages\":[]}"),
                    line("a", chat("again")),
                    "{\"custom_id\":\"d\",\"method\":\"POST\",\"url\":\"/v1/embeddings\",\"body\":" + chat("delta") + "}",
                    "",
                    line("e", "{\"model\":\"no-such-model-xyz\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"),
                    line("f", chat("phi") .replace("}]", "}],\"stream\":true")),
                    line("g", chat("gamma")));
            FileObject input = upload(client, "requests.jsonl", String.join("\n", lines) + "\n");
            assertThat(input.id()).matches("file-[0-9a-f]{24}");
            assertThat(input.purpose()).isEqualTo(FileObject.Purpose.BATCH);
            assertThat(input.filename()).isEqualTo("requests.jsonl");
            assertThat(input.bytes()).isEqualTo((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8).length);
            assertThat(input.expiresAt()).as("batch files expire after 30 days by default")
                    .contains(input.createdAt() + 30L * 24 * 3600);
            conformsFile(get("/v1/files/" + input.id(), key));

            Batch created = client.batches().create(BatchCreateParams.builder().inputFileId(input.id())
                    .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS)
                    .completionWindow(BatchCreateParams.CompletionWindow._24H)
                    .metadata(BatchCreateParams.Metadata.builder().putAdditionalProperty("job", JsonValue.from("nightly")).build())
                    .build());
            assertThat(created.id()).startsWith("batch_");
            assertThat(created.status()).isIn(Batch.Status.VALIDATING, Batch.Status.IN_PROGRESS, Batch.Status.COMPLETED);
            assertThat(created.expiresAt()).contains(created.createdAt() + 24 * 3600);

            Batch done = await(client, created.id(), Batch.Status.COMPLETED);
            JsonNode raw = get("/v1/batches/" + done.id(), key);
            conformsBatch(raw);
            assertThat(raw.at("/request_counts").toString()).isEqualTo("{\"total\":9,\"completed\":3,\"failed\":6}");
            assertThat(raw.get("metadata").toString()).isEqualTo("{\"job\":\"nightly\"}");
            assertThat(raw.get("model").isNull()).as("the lines ask for different models").isTrue();
            assertThat(raw.get("errors").isNull()).isTrue();
            for (String t : List.of("created_at", "in_progress_at", "finalizing_at", "completed_at")) {
                assertThat(raw.get(t).isIntegralNumber()).as(t).isTrue();
            }
            for (String t : List.of("failed_at", "expired_at", "cancelling_at", "cancelled_at")) {
                assertThat(raw.get(t).isNull()).as(t).isTrue();
            }
            assertThat(raw.at("/usage/input_tokens").asLong()).as("three echoes of 11 prompt tokens").isEqualTo(33);
            assertThat(raw.at("/usage/output_tokens").asLong()).isEqualTo(21);
            assertThat(raw.at("/usage/total_tokens").asLong()).isEqualTo(54);

            FileObject out = client.files().retrieve(done.outputFileId().orElseThrow());
            assertThat(out.purpose()).isEqualTo(FileObject.Purpose.BATCH_OUTPUT);
            assertThat(out.expiresAt()).as("output files expire after one day").contains(out.createdAt() + 24 * 3600);
            conformsFile(get("/v1/files/" + out.id(), key));
            String outText = content(client, out.id());
            assertThat(outText).endsWith("\n");
            assertThat(out.bytes()).isEqualTo(outText.getBytes(StandardCharsets.UTF_8).length);
            List<JsonNode> outLines = jsonl(outText);
            assertThat(outLines).extracting(l -> l.get("custom_id").asText()).containsExactly("a", "b", "g");
            Map<String, String> echoed = Map.of("a", "alpha", "b", "beta", "g", "gamma");
            for (JsonNode l : outLines) {
                assertThat(fieldNames(l)).containsExactly("id", "custom_id", "response", "error");
                assertThat(l.get("id").asText()).startsWith("batch_req_");
                assertThat(l.get("error").isNull()).isTrue();
                assertThat(fieldNames(l.get("response"))).containsExactly("status_code", "request_id", "body");
                assertThat(l.at("/response/status_code").asInt()).isEqualTo(200);
                String requestId = l.at("/response/request_id").asText();
                assertThat(requestId).startsWith("rsp_");
                JsonNode body = l.at("/response/body");
                assertThat(body.get("id").asText()).isEqualTo("chatcmpl-" + requestId);
                // Exactly what the live endpoint answers to the same request, its own id aside.
                HttpResponse<String> live = gw.post("/v1/chat/completions", chat(echoed.get(l.get("custom_id").asText())), key);
                assertThat(live.statusCode()).isEqualTo(200);
                ObjectNode liveBody = (ObjectNode) JSON.readTree(live.body());
                liveBody.put("id", body.get("id").asText());
                assertThat(body).isEqualTo(liveBody);
                OpenApiConformanceTest.assertConforms("CreateChatCompletionResponse", body);
            }

            FileObject err = client.files().retrieve(done.errorFileId().orElseThrow());
            List<JsonNode> errLines = jsonl(content(client, err.id()));
            assertThat(errLines).hasSize(6);
            Map<Integer, JsonNode> byInputLine = new HashMap<>();
            for (JsonNode l : errLines) {
                assertThat(fieldNames(l)).containsExactly("id", "custom_id", "response", "error");
                assertThat(l.get("id").asText()).startsWith("batch_req_");
            }
            // In input order: line 2 (not JSON), 4 (c), 5 (a again), 6 (d), 8 (e), 9 (f).
            JsonNode notJson = errLines.get(0);
            assertThat(notJson.get("custom_id").isNull()).isTrue();
            assertThat(notJson.get("response").isNull()).isTrue();
            assertThat(fieldNames(notJson.get("error"))).containsExactly("code", "message");
            assertThat(notJson.at("/error/code").asText()).isEqualTo("invalid_json_line");
            assertThat(notJson.at("/error/message").asText()).startsWith("Line 2 is not valid JSON");

            JsonNode emptyMessages = errLines.get(1);
            assertThat(emptyMessages.get("custom_id").asText()).isEqualTo("c");
            assertThat(emptyMessages.get("error").isNull()).as("an HTTP answer, as OpenAI reports a 400").isTrue();
            assertThat(emptyMessages.at("/response/status_code").asInt()).isEqualTo(400);
            assertThat(emptyMessages.at("/response/request_id").isNull()).as("refused before it ran").isTrue();
            HttpResponse<String> liveEmpty = gw.post("/v1/chat/completions", "{\"model\":\"" + MODEL + "\",\"messages\":[]}", key);
            assertThat(emptyMessages.at("/response/body")).as("the live endpoint's own 400")
                    .isEqualTo(JSON.readTree(liveEmpty.body()));
            assertThat(emptyMessages.at("/response/body/error/param").asText()).isEqualTo("messages");

            assertThat(errLines.get(2).get("custom_id").asText()).isEqualTo("a");
            assertThat(errLines.get(2).at("/error/code").asText()).isEqualTo("duplicate_custom_id");
            assertThat(errLines.get(2).at("/error/message").asText())
                    .isEqualTo("Line 5: custom_id 'a' was already used on line 1; each line needs its own.");

            assertThat(errLines.get(3).get("custom_id").asText()).isEqualTo("d");
            assertThat(errLines.get(3).at("/error/code").asText()).isEqualTo("invalid_url");
            assertThat(errLines.get(3).at("/error/message").asText()).contains("'url' is \"/v1/embeddings\"")
                    .contains("\"/v1/chat/completions\"");

            JsonNode unknownModel = errLines.get(4);
            assertThat(unknownModel.get("custom_id").asText()).isEqualTo("e");
            assertThat(unknownModel.at("/response/status_code").asInt()).isEqualTo(404);
            assertThat(unknownModel.at("/response/body/error/code").asText()).isEqualTo("model_not_found");
            assertThat(unknownModel.at("/response/request_id").asText()).startsWith("rsp_");

            assertThat(errLines.get(5).get("custom_id").asText()).isEqualTo("f");
            assertThat(errLines.get(5).at("/error/code").asText()).isEqualTo("invalid_value");
            assertThat(errLines.get(5).at("/error/message").asText()).contains("'body.stream' is true");

            // Only the three good lines reached the provider.
            assertThat(openai.requests().stream().filter(r -> r.body().contains("\"alpha\"") || r.body().contains("\"beta\"")
                    || r.body().contains("\"gamma\"")).count()).isEqualTo(3 + 3);

            // Lists and deletes, in OpenAI's shapes.
            JsonNode files = get("/v1/files?purpose=batch_output", key);
            OpenApiConformanceTest.assertConforms("ListFilesResponse", withoutNulls(files));
            assertThat(files.get("data")).extracting(f -> f.get("id").asText()).containsExactly(err.id(), out.id());
            JsonNode batches = get("/v1/batches?limit=1", key);
            OpenApiConformanceTest.assertConforms("ListBatchesResponse", withoutNulls(batches));
            assertThat(batches.at("/data/0/id").asText()).isEqualTo(done.id());
            assertThat(client.batches().list().data()).extracting(Batch::id).containsExactly(done.id());
            var deleted = client.files().delete(input.id());
            assertThat(deleted.deleted()).isTrue();
            HttpResponse<String> again = gw.delete("/v1/files/" + out.id(), key);
            assertThat(again.statusCode()).isEqualTo(200);
            OpenApiConformanceTest.assertConforms("DeleteFileResponse", JSON.readTree(again.body()));
            assertThat(again.body()).isEqualTo("{\"id\":\"" + out.id() + "\",\"object\":\"file\",\"deleted\":true}");
            assertThat(catchThrowableOfType(NotFoundException.class, () -> client.files().retrieve(input.id()))).isNotNull();
        }
    }

    @Test
    void aFileThatIsNotJsonlFailsTheBatchAsAWholeWithItsErrors() throws Exception {
        String key = newProject();
        try (Sdk sdk = sdk(key)) {
            OpenAIClient client = sdk.client();
            FileObject input = upload(client, "notes.txt", "dear diary,\nthis is not json\n\u0000\u0001binary\n");
            Batch created = client.batches().create(BatchCreateParams.builder().inputFileId(input.id())
                    .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS)
                    .completionWindow(BatchCreateParams.CompletionWindow._24H).build());
            Batch failed = await(client, created.id(), Batch.Status.FAILED);
            assertThat(failed.outputFileId()).isEmpty();
            assertThat(failed.errorFileId()).isEmpty();
            JsonNode raw = get("/v1/batches/" + failed.id(), key);
            conformsBatch(raw);
            assertThat(raw.get("failed_at").isIntegralNumber()).isTrue();
            assertThat(raw.at("/errors/object").asText()).isEqualTo("list");
            ArrayNode errors = (ArrayNode) raw.at("/errors/data");
            assertThat(errors).hasSize(3);
            for (int i = 0; i < 3; i++) {
                assertThat(errors.get(i).get("code").asText()).isEqualTo("invalid_json_line");
                assertThat(errors.get(i).get("line").asInt()).isEqualTo(i + 1);
                assertThat(errors.get(i).get("message").asText()).startsWith("Line " + (i + 1) + " is not valid JSON");
            }
            assertThat(raw.at("/request_counts/total").asInt()).isZero();

            FileObject empty = upload(client, "empty.jsonl", "\n\n");
            Batch none = await(client, client.batches().create(BatchCreateParams.builder().inputFileId(empty.id())
                    .endpoint(BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS)
                    .completionWindow(BatchCreateParams.CompletionWindow._24H).build()).id(), Batch.Status.FAILED);
            assertThat(get("/v1/batches/" + none.id(), key).at("/errors/data/0/code").asText()).isEqualTo("empty_file");
        }
    }

    @Test
    void embeddingsAndResponsesBatchesAnswerAsTheLiveEndpoints() throws Exception {
        String key = newProject();
        try (Sdk sdk = sdk(key)) {
            OpenAIClient client = sdk.client();
            String embed = "{\"custom_id\":\"e1\",\"method\":\"POST\",\"url\":\"/v1/embeddings\",\"body\":{\"model\":"
                    + "\"openai/text-embedding-3-small\",\"input\":\"hello\"}}";
            FileObject input = upload(client, "embed.jsonl", embed + "\n");
            Batch b = await(client, createBatch(client, input.id(), BatchCreateParams.Endpoint.V1_EMBEDDINGS).id(),
                    Batch.Status.COMPLETED);
            JsonNode l = jsonl(content(client, b.outputFileId().orElseThrow())).getFirst();
            HttpResponse<String> live = gw.post("/v1/embeddings", "{\"model\":\"openai/text-embedding-3-small\",\"input\":\"hello\"}", key);
            assertThat(l.at("/response/body")).isEqualTo(JSON.readTree(live.body()));
            assertThat(get("/v1/batches/" + b.id(), key).get("model").asText()).isEqualTo("openai/text-embedding-3-small");

            String resp = "{\"custom_id\":\"r1\",\"method\":\"POST\",\"url\":\"/v1/responses\",\"body\":{\"model\":\"" + MODEL
                    + "\",\"input\":\"hi\"}}";
            String chained = "{\"custom_id\":\"r2\",\"method\":\"POST\",\"url\":\"/v1/responses\",\"body\":{\"model\":\"" + MODEL
                    + "\",\"input\":\"again\",\"previous_response_id\":\"resp_01aaaaaaaaaaaaaaaaaaaaaaaa\"}}";
            FileObject rin = upload(client, "responses.jsonl", resp + "\n" + chained + "\n");
            Batch r = await(client, createBatch(client, rin.id(), BatchCreateParams.Endpoint.V1_RESPONSES).id(),
                    Batch.Status.COMPLETED);
            assertThat(r.requestCounts().orElseThrow().completed()).isEqualTo(1);
            assertThat(r.requestCounts().orElseThrow().failed()).isEqualTo(1);
            JsonNode out = jsonl(content(client, r.outputFileId().orElseThrow())).getFirst();
            JsonNode body = out.at("/response/body");
            assertThat(body.get("object").asText()).isEqualTo("response");
            assertThat(body.get("id").asText()).isEqualTo("resp_" + out.at("/response/request_id").asText().substring(4));
            JsonNode liveResponse = JSON.readTree(gw.post("/v1/responses", "{\"model\":\"" + MODEL + "\",\"input\":\"hi\",\"store\":false}",
                    key).body());
            for (String f : new String[] {"status", "output", "usage", "model", "store"}) {
                JsonNode a = body.get(f).deepCopy();
                JsonNode b2 = liveResponse.get(f).deepCopy();
                if (f.equals("output")) {
                    ((com.fasterxml.jackson.databind.node.ObjectNode) a.get(0)).remove("id");
                    ((com.fasterxml.jackson.databind.node.ObjectNode) b2.get(0)).remove("id");
                }
                assertThat(a).as("the live endpoint's " + f).isEqualTo(b2);
            }
            JsonNode el = jsonl(content(client, r.errorFileId().orElseThrow())).getFirst();
            assertThat(el.get("custom_id").asText()).isEqualTo("r2");
            assertThat(el.at("/response/status_code").asInt()).isEqualTo(400);
            assertThat(el.at("/response/body/error/param").asText()).isEqualTo("previous_response_id");
        }
    }

    // ---- cancel -------------------------------------------------------------------------------

    @Test
    void cancelStopsSendingLetsLinesInFlightFinishAndTheFilesHoldWhatFinished() throws Exception {
        String key = newProject();
        try (Sdk sdk = sdk(key)) {
            OpenAIClient client = sdk.client();
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 24; i++) lines.add(line("s" + i, chat("slow " + i + " cancel-test")));
            FileObject input = upload(client, "slow.jsonl", String.join("\n", lines));
            Batch b = createBatch(client, input.id(), BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS);
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (client.batches().retrieve(b.id()).requestCounts().map(c -> c.completed()).orElse(0L) < 2) {
                assertThat(System.nanoTime()).as("two lines finished").isLessThan(until);
                Thread.sleep(50);
            }
            Batch cancelling = client.batches().cancel(b.id());
            assertThat(cancelling.status()).isIn(Batch.Status.CANCELLING, Batch.Status.CANCELLED);
            assertThat(cancelling.cancellingAt()).isPresent();
            conformsBatch(post("/v1/batches/" + b.id() + "/cancel", "", key, 200));
            Batch cancelled = await(client, b.id(), Batch.Status.CANCELLED);
            var counts = cancelled.requestCounts().orElseThrow();
            assertThat(counts.total()).isEqualTo(24);
            assertThat(counts.completed() + counts.failed()).isEqualTo(24);
            long sent = openai.requests().stream().filter(r -> r.body().contains("cancel-test")).count();
            assertThat(counts.completed()).as("every line sent finished").isEqualTo(sent);
            assertThat(sent).as("at most the lines in flight went out after the cancel").isLessThan(24);
            assertThat(cancelled.cancelledAt()).isPresent();

            List<JsonNode> out = jsonl(content(client, cancelled.outputFileId().orElseThrow()));
            List<JsonNode> err = jsonl(content(client, cancelled.errorFileId().orElseThrow()));
            assertThat(out).hasSize((int) counts.completed());
            assertThat(err).hasSize((int) counts.failed());
            assertThat(err).allSatisfy(l -> {
                assertThat(l.at("/error/code").asText()).isEqualTo("batch_cancelled");
                assertThat(l.at("/error/message").asText()).isEqualTo("This request was not executed because the batch was cancelled.");
            });
            Set<String> all = new java.util.HashSet<>();
            out.forEach(l -> all.add(l.get("custom_id").asText()));
            err.forEach(l -> all.add(l.get("custom_id").asText()));
            assertThat(all).hasSize(24);

            // Cancelling a cancelled batch answers it as it is; a finished batch cannot be cancelled.
            assertThat(client.batches().cancel(b.id()).status()).isEqualTo(Batch.Status.CANCELLED);
            Batch quick = await(client, createBatch(client, upload(client, "one.jsonl", line("x", chat("quick"))).id(),
                    BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS).id(), Batch.Status.COMPLETED);
            JsonNode conflict = post("/v1/batches/" + quick.id() + "/cancel", "", key, 409);
            assertThat(conflict.at("/error/code").asText()).isEqualTo("batch_not_cancellable");
        }
    }

    @Test
    void whenTheBatchsKeyIsRevokedTheLinesNotYetSentFailAndTheBatchEnds() throws Exception {
        String admin = newProject();
        HttpResponse<String> made = gw.post("/v2/api-keys", "{\"name\":\"batcher\",\"scopes\":[\"inference\"]}", admin);
        assertThat(made.statusCode()).as(made.body()).isEqualTo(200);
        String batcher = JSON.readTree(made.body()).get("key").asText();
        String batcherId = JSON.readTree(made.body()).get("id").asText();
        try (Sdk sdk = sdk(batcher)) {
            OpenAIClient client = sdk.client();
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 16; i++) lines.add(line("k" + i, chat("slow " + i + " revoke-test")));
            Batch b = createBatch(client, upload(client, "revoke.jsonl", String.join("\n", lines)).id(),
                    BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS);
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (openai.requests().stream().noneMatch(r -> r.body().contains("revoke-test"))) {
                assertThat(System.nanoTime()).isLessThan(until);
                Thread.sleep(20);
            }
            assertThat(gw.delete("/v2/api-keys/" + batcherId, admin).statusCode()).isEqualTo(200);
        }
        JsonNode done;
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        do {
            Thread.sleep(50);
            done = get("/v1/batches", admin).at("/data/0");
            assertThat(System.nanoTime()).as("the batch ends: %s", done).isLessThan(until);
        } while (!done.get("status").asText().equals("completed"));
        long sent = openai.requests().stream().filter(r -> r.body().contains("revoke-test")).count();
        assertThat(done.at("/request_counts/completed").asLong()).as("the lines sent before the revocation").isEqualTo(sent);
        assertThat(sent).isLessThan(16);
        try (Sdk sdk = sdk(admin)) {
            List<JsonNode> err = jsonl(content(sdk.client(), done.get("error_file_id").asText()));
            assertThat(err).hasSize((int) (16 - sent));
            assertThat(err).allSatisfy(l -> {
                assertThat(l.at("/error/code").asText()).isEqualTo("api_key_revoked");
                assertThat(l.at("/error/message").asText()).contains(batcherId).contains("revoked");
            });
        }
    }

    // ---- money and QoS ----------------------------------------------------------------------

    @Test
    void batchLinesArePricedAtTheBatchDiscountAndRunInTheBatchQosClass() throws Exception {
        String key = newProject();
        String body = "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"price please\"}]}";
        HttpResponse<String> live = gw.post("/v1/chat/completions", body, key);
        assertThat(live.statusCode()).isEqualTo(200);
        String liveId = live.headers().firstValue("Agent-Response-Id").orElseThrow();
        // A client cannot claim the discount by asking for the batch class.
        String hinted = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"qos\":{\"class\":\"batch\"}}".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> hintedLive = TestGateway.send(HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                .header("authorization", "Bearer " + key).header("Agent-Hints", hinted)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertThat(hintedLive.headers().firstValue("Agent-QoS-Class")).contains("batch");
        try (Sdk sdk = sdk(key)) {
            OpenAIClient client = sdk.client();
            FileObject input = upload(client, "price.jsonl", line("p", body));
            Batch b = await(client, createBatch(client, input.id(), BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS).id(),
                    Batch.Status.COMPLETED);
            String requestId = jsonl(content(client, b.outputFileId().orElseThrow())).getFirst().at("/response/request_id").asText();
            JsonNode batchRecord = get("/v2/responses/" + requestId, key);
            JsonNode liveRecord = get("/v2/responses/" + liveId, key);
            JsonNode hintedRecord = get("/v2/responses/" + hintedLive.headers().firstValue("Agent-Response-Id").orElseThrow(), key);
            // gpt-4o-mini: 1,000 x $0.15/M + 1,000 x $0.60/M = 750 micro-USD; the batch price is half.
            assertThat(liveRecord.get("cost_micros").asLong()).isEqualTo(750);
            assertThat(hintedRecord.get("cost_micros").asLong()).isEqualTo(750);
            assertThat(batchRecord.get("cost_micros").asLong()).isEqualTo(375);
            assertThat(live.headers().firstValue("Agent-Cost-Micros")).contains("750");
            assertThat(batchRecord.at("/qos_outcome/class").asText()).isEqualTo("batch");
            assertThat(batchRecord.get("endpoint").asText()).isEqualTo("/v1/chat/completions");
            assertThat(batchRecord.get("surface").asText()).isEqualTo("v1");
            assertThat(batchRecord.get("status").asText()).isEqualTo("completed");
            JsonNode usage = get("/v2/usage?limit=100", key);
            Map<String, JsonNode> events = new HashMap<>();
            for (JsonNode e : usage.get("data")) events.put(e.get("response_id").asText(), e);
            assertThat(events.get(requestId).get("cost_micros").asLong()).isEqualTo(375);
            assertThat(events.get(requestId).get("endpoint").asText()).isEqualTo("/v1/chat/completions");
            assertThat(events.get(requestId).get("key_id")).as("the line runs as the key that created the batch")
                    .isEqualTo(events.get(liveId).get("key_id"));
            assertThat(events.get(liveId).get("cost_micros").asLong()).isEqualTo(750);
        }
    }

    // ---- tenants ------------------------------------------------------------------------------

    @Test
    void anotherProjectsFilesAndBatchesAreNotFoundExactlyLikeMissingOnes() throws Exception {
        String mine = newProject();
        String theirs = newProject();
        try (Sdk sdk = sdk(mine)) {
            OpenAIClient client = sdk.client();
            FileObject f = upload(client, "mine.jsonl", line("m", chat("mine")));
            Batch b = await(client, createBatch(client, f.id(), BatchCreateParams.Endpoint.V1_CHAT_COMPLETIONS).id(),
                    Batch.Status.COMPLETED);
            String missingFile = "file-" + "0".repeat(24);
            String missingBatch = "batch_" + "0".repeat(26);
            for (String[] pair : new String[][] {{"/v1/files/" + f.id(), "/v1/files/" + missingFile},
                    {"/v1/files/" + f.id() + "/content", "/v1/files/" + missingFile + "/content"},
                    {"/v1/batches/" + b.id(), "/v1/batches/" + missingBatch}}) {
                HttpResponse<String> other = gw.get(pair[0], theirs);
                HttpResponse<String> none = gw.get(pair[1], theirs);
                assertThat(other.statusCode()).as(pair[0]).isEqualTo(404);
                assertThat(none.statusCode()).isEqualTo(404);
                assertThat(other.body().replace(f.id(), "X").replace(b.id(), "X"))
                        .isEqualTo(none.body().replace(missingFile, "X").replace(missingBatch, "X"));
            }
            assertThat(gw.get("/v1/files/" + f.id(), theirs).body())
                    .isEqualTo("{\"error\":{\"message\":\"No such File object: " + f.id()
                            + "\",\"type\":\"invalid_request_error\",\"param\":\"id\",\"code\":null}}");
            assertThat(gw.delete("/v1/files/" + f.id(), theirs).statusCode()).isEqualTo(404);
            post("/v1/batches/" + b.id() + "/cancel", "", theirs, 404);
            JsonNode refused = post("/v1/batches", "{\"input_file_id\":\"" + f.id() + "\",\"endpoint\":"
                    + "\"/v1/chat/completions\",\"completion_window\":\"24h\"}", theirs, 400);
            assertThat(refused.at("/error/param").asText()).isEqualTo("input_file_id");
            assertThat(get("/v1/files", theirs).get("data")).isEmpty();
            assertThat(get("/v1/batches", theirs).get("data")).isEmpty();
            assertThat(gw.get("/v1/files/" + f.id(), mine).statusCode()).as("still there for its owner").isEqualTo(200);
        }
    }

    // ---- bad input ----------------------------------------------------------------------------

    @Test
    void fileLimitsAndMalformedUploadsArePrecise400s() throws Exception {
        String key = newProject();
        JsonNode tooBig = multipart(key, 413, part("purpose", null, "batch"), part("file", "big.jsonl", "x".repeat(MAX_FILE + 1)));
        assertThat(tooBig.at("/error/code").asText()).isEqualTo("request_too_large");
        assertThat(tooBig.at("/error/param").asText()).isEqualTo("file");
        assertThat(tooBig.at("/error/message").asText()).contains(Integer.toString(MAX_FILE));
        // Over the cap by its Content-Length: refused before the body is read; sent chunked: refused as it passes the
        // cap. Either way the connection closes (the rest is never read), so the client may still be writing.
        for (boolean chunked : new boolean[] {false, true}) {
            String[] answer = earlyAnswer(key, "x".repeat(MAX_FILE + 128 * 1024), chunked);
            assertThat(answer[0]).as("chunked: %s", chunked).isEqualTo("413");
            assertThat(answer[1]).as("the connection closes").isEqualToIgnoringCase("close");
            JsonNode wayTooBig = JSON.readTree(answer[2]);
            assertThat(wayTooBig.at("/error/code").asText()).isEqualTo("request_too_large");
            assertThat(wayTooBig.at("/error/param").asText()).isEqualTo("file");
        }

        JsonNode purpose = multipart(key, 400, part("purpose", null, "assistants"), part("file", "a.jsonl", "{}"));
        assertThat(purpose.at("/error/param").asText()).isEqualTo("purpose");
        assertThat(purpose.at("/error/message").asText()).contains("'assistants'").contains("'batch'");
        JsonNode noFile = multipart(key, 400, part("purpose", null, "batch"));
        assertThat(noFile.at("/error/code").asText()).isEqualTo("missing_required_parameter");
        assertThat(noFile.at("/error/param").asText()).isEqualTo("file");
        JsonNode plainField = multipart(key, 400, part("file", null, "not a file"));
        assertThat(plainField.at("/error/param").asText()).isEqualTo("file");
        JsonNode unknown = multipart(key, 400, part("file", "a.jsonl", "{}"), part("colour", null, "blue"));
        assertThat(unknown.at("/error/code").asText()).isEqualTo("unknown_parameter");
        assertThat(unknown.at("/error/param").asText()).isEqualTo("colour");
        JsonNode badExpiry = multipart(key, 400, part("file", "a.jsonl", "{}"), part("expires_after[anchor]", null, "created_at"),
                part("expires_after[seconds]", null, "60"));
        assertThat(badExpiry.at("/error/param").asText()).isEqualTo("expires_after.seconds");

        // Not multipart at all, a boundary that never comes, a body cut before its closing boundary.
        JsonNode json = raw(key, "application/json", "{\"purpose\":\"batch\"}".getBytes(StandardCharsets.UTF_8), 400);
        assertThat(json.at("/error/code").asText()).isEqualTo("invalid_multipart");
        assertThat(json.at("/error/param").asText()).isEqualTo("file");
        assertThat(json.at("/error/message").asText()).contains("multipart/form-data");
        JsonNode noBoundary = raw(key, "multipart/form-data", "x".getBytes(StandardCharsets.UTF_8), 400);
        assertThat(noBoundary.at("/error/message").asText()).contains("no boundary");
        JsonNode cut = raw(key, "multipart/form-data; boundary=XYZ", ("--XYZ\r\nContent-Disposition: form-data; "
                + "name=\"file\"; filename=\"a.jsonl\"\r\n\r\n{}").getBytes(StandardCharsets.UTF_8), 400);
        assertThat(cut.at("/error/message").asText()).contains("ends before the closing boundary");
        JsonNode wrongBoundary = raw(key, "multipart/form-data; boundary=XYZ", "--ABC\r\n\r\n--ABC--".getBytes(StandardCharsets.UTF_8), 400);
        assertThat(wrongBoundary.at("/error/message").asText()).contains("does not contain the boundary");

        // The project's limits: 4 uploaded files and 1.5 x MAX_FILE bytes; output files do not count.
        String half = "y".repeat(MAX_FILE / 2);
        multipart(key, 200, part("file", "f0.jsonl", half));
        multipart(key, 200, part("file", "f1.jsonl", half));
        multipart(key, 200, part("file", "f2.jsonl", half.substring(1024)));
        JsonNode bytes = multipart(key, 400, part("file", "f3.jsonl", half));
        assertThat(bytes.at("/error/code").asText()).isEqualTo("storage_limit_exceeded");
        assertThat(bytes.at("/error/param").asText()).isEqualTo("file");
        JsonNode ok = multipart(key, 200, part("file", "small.jsonl", "{}"));
        conformsFile(ok);
        JsonNode count = multipart(key, 400, part("file", "tiny.jsonl", "{}"));
        assertThat(count.at("/error/code").asText()).isEqualTo("files_limit_exceeded");
        assertThat(count.at("/error/message").asText()).contains("4");
        assertThat(gw.delete("/v1/files/" + ok.get("id").asText(), key).statusCode()).isEqualTo(200);
        multipart(key, 200, part("file", "tiny.jsonl", "{}"));

        // Every spooled body is gone once its request was answered, refused or not.
        long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        Path uploads = gw.dataDir().resolve("uploads");
        while (true) {
            try (var left = Files.list(uploads)) {
                if (left.findAny().isEmpty()) break;
            }
            assertThat(System.nanoTime()).as("spooled uploads are deleted").isLessThan(until);
            Thread.sleep(20);
        }

        // Batch creation names every bad parameter.
        String fileId = get("/v1/files?limit=1", key).at("/data/0/id").asText();
        assertThat(post("/v1/batches", "{\"input_file_id\":\"" + fileId + "\",\"endpoint\":\"/v1/completions\"}", key, 400)
                .at("/error/param").asText()).isEqualTo("endpoint");
        assertThat(post("/v1/batches", "{\"input_file_id\":\"" + fileId + "\",\"endpoint\":\"/v1/embeddings\","
                + "\"completion_window\":\"48h\"}", key, 400).at("/error/param").asText()).isEqualTo("completion_window");
        assertThat(post("/v1/batches", "{\"endpoint\":\"/v1/embeddings\"}", key, 400).at("/error/param").asText())
                .isEqualTo("input_file_id");
        assertThat(post("/v1/batches", "{\"input_file_id\":\"file-nope\",\"endpoint\":\"/v1/embeddings\"}", key, 400)
                .at("/error/param").asText()).isEqualTo("input_file_id");
        assertThat(post("/v1/batches", "{\"input_file_id\":\"" + fileId + "\",\"endpoint\":\"/v1/embeddings\",\"metadata\":"
                + "{\"k\":1}}", key, 400).at("/error/param").asText()).isEqualTo("metadata.k");
        assertThat(post("/v1/batches", "{\"input_file_id\":\"" + fileId + "\",\"endpoint\":\"/v1/embeddings\",\"colour\":1}",
                key, 400).at("/error/code").asText()).isEqualTo("unknown_parameter");
        assertThat(get("/v1/batches?limit=0", key, 400).at("/error/param").asText()).isEqualTo("limit");
    }

    @Test
    void aRetriedCreateWithTheSameIdempotencyKeyMakesOneBatch() throws Exception {
        String key = newProject();
        try (Sdk sdk = sdk(key)) {
            OpenAIClient client = sdk.client();
            FileObject f = upload(client, "idem.jsonl", line("i", chat("idem")));
            String body = "{\"input_file_id\":\"" + f.id() + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}";
            HttpRequest.Builder r = HttpRequest.newBuilder(gw.uri("/v1/batches")).header("authorization", "Bearer " + key)
                    .header("Agent-Idempotency-Key", "nightly-" + UUID.randomUUID())
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            HttpResponse<String> first = TestGateway.send(r.build());
            HttpResponse<String> second = TestGateway.send(r.build());
            // The first answer is stored just after it is sent; until then a retry is told to wait (409, Retry-After).
            for (int i = 0; i < 40 && second.statusCode() == 409; i++) {
                Thread.sleep(50);
                second = TestGateway.send(r.build());
            }
            assertThat(second.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(second.body()).get("id")).isEqualTo(JSON.readTree(first.body()).get("id"));
            assertThat(second.headers().firstValue("Agent-Idempotent-Replay")).contains("true");
            assertThat(get("/v1/batches", key).get("data")).hasSize(1);
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** A new project (made with the gateway's platform key) and its admin key. */
    static String newProject() throws IOException {
        HttpResponse<String> r = gw.post("/v2/projects", "{\"name\":\"p-" + UUID.randomUUID() + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).at("/admin_key/key").asText();
    }

    /** The official client, closed after use. */
    record Sdk(OpenAIClient client) implements AutoCloseable {
        @Override
        public void close() {
            client.close();
        }
    }

    static Sdk sdk(String key) {
        return new Sdk(OpenAIOkHttpClient.builder().baseUrl(gw.url() + "/v1").apiKey(key).maxRetries(0)
                .responseValidation(true).timeout(Duration.ofSeconds(20)).build());
    }

    static String chat(String text) {
        return "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    static String line(String customId, String body) {
        return "{\"custom_id\":\"" + customId + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":" + body + "}";
    }

    static FileObject upload(OpenAIClient client, String name, String content) throws IOException {
        Path dir = Files.createTempDirectory("zumik-upload-");
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return client.files().create(FileCreateParams.builder().file(file).purpose(FilePurpose.BATCH).build());
    }

    static Batch createBatch(OpenAIClient client, String fileId, BatchCreateParams.Endpoint endpoint) {
        return client.batches().create(BatchCreateParams.builder().inputFileId(fileId).endpoint(endpoint)
                .completionWindow(BatchCreateParams.CompletionWindow._24H).build());
    }

    static Batch await(OpenAIClient client, String id, Batch.Status status) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Batch b = client.batches().retrieve(id);
        while (!b.status().equals(status)) {
            assertThat(System.nanoTime()).as("batch %s reaches %s; it is %s", id, status, b.status()).isLessThan(until);
            Thread.sleep(50);
            b = client.batches().retrieve(id);
        }
        return b;
    }

    static String content(OpenAIClient client, String fileId) throws IOException {
        try (var r = client.files().content(fileId); InputStream in = r.body()) {
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().values("content-type")).containsExactly("text/plain");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static List<JsonNode> jsonl(String text) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String l : text.split("\n")) {
            if (l.isEmpty()) continue;
            out.add(JSON.readTree(l));
        }
        return out;
    }

    static List<String> fieldNames(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    static JsonNode get(String path, String key) throws IOException {
        return get(path, key, 200);
    }

    static JsonNode get(String path, String key, int status) throws IOException {
        HttpResponse<String> r = gw.get(path, key);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(status);
        return JSON.readTree(r.body());
    }

    static JsonNode post(String path, String body, String key, int status) throws IOException {
        HttpResponse<String> r = gw.post(path, body, key);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(status);
        return JSON.readTree(r.body());
    }

    /**
     * OpenAI sends unset fields as null ({@code "failed_at": null}, {@code "status_details": null},
     * its own examples say so) where its schemas declare a plain type; nulls are dropped before the
     * schema check, after checking that the schema's required fields are not among them.
     */
    static JsonNode withoutNulls(JsonNode n) {
        if (n instanceof ObjectNode o) {
            ObjectNode copy = o.deepCopy();
            for (Iterator<Map.Entry<String, JsonNode>> it = copy.fields(); it.hasNext(); ) {
                var e = it.next();
                if (e.getValue().isNull()) it.remove();
                else e.setValue(withoutNulls(e.getValue()));
            }
            return copy;
        }
        if (n instanceof ArrayNode a) {
            ArrayNode copy = a.deepCopy();
            for (int i = 0; i < copy.size(); i++) copy.set(i, withoutNulls(copy.get(i)));
            return copy;
        }
        return n;
    }

    static void conformsBatch(JsonNode b) {
        for (String f : List.of("id", "object", "endpoint", "input_file_id", "completion_window", "status", "created_at")) {
            assertThat(b.get(f).isNull()).as(f).isFalse();
        }
        assertThat(fieldNames(b)).containsExactly("id", "object", "endpoint", "model", "errors", "input_file_id",
                "completion_window", "status", "output_file_id", "error_file_id", "created_at", "in_progress_at", "expires_at",
                "finalizing_at", "completed_at", "failed_at", "expired_at", "cancelling_at", "cancelled_at", "request_counts",
                "usage", "metadata");
        OpenApiConformanceTest.assertConforms("Batch", withoutNulls(b));
    }

    static void conformsFile(JsonNode f) {
        assertThat(fieldNames(f)).containsExactly("object", "id", "purpose", "filename", "bytes", "created_at", "expires_at",
                "status", "status_details");
        assertThat(f.get("status").asText()).isEqualTo("processed");
        OpenApiConformanceTest.assertConforms("OpenAIFile", withoutNulls(f));
    }

    record Part(String name, String filename, String content) {}

    static Part part(String name, String filename, String content) {
        return new Part(name, filename, content);
    }

    /** POSTs a multipart/form-data body built here, byte for byte. */
    static JsonNode multipart(String key, int status, Part... parts) throws IOException {
        String boundary = "----zumik" + UUID.randomUUID();
        StringBuilder sb = new StringBuilder();
        for (Part p : parts) {
            sb.append("--").append(boundary).append("\r\n").append("Content-Disposition: form-data; name=\"").append(p.name())
                    .append('"');
            if (p.filename() != null) sb.append("; filename=\"").append(p.filename()).append('"');
            sb.append("\r\n");
            if (p.filename() != null) sb.append("Content-Type: application/octet-stream\r\n");
            sb.append("\r\n").append(p.content()).append("\r\n");
        }
        sb.append("--").append(boundary).append("--\r\n");
        return raw(key, "multipart/form-data; boundary=" + boundary, sb.toString().getBytes(StandardCharsets.UTF_8), status);
    }

    /**
     * Uploads {@code content} as a multipart file over a raw socket, writing from another thread
     * while this one reads, so an answer that comes before the whole body (and the server hanging
     * up mid-upload) is seen as a client sees it. Returns status, Connection header and body.
     */
    static String[] earlyAnswer(String key, String content, boolean chunked) throws Exception {
        String boundary = "zumik" + UUID.randomUUID();
        byte[] body = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.jsonl\"\r\n\r\n"
                + content + "\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        String head = "POST /v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key + "\r\n"
                + "Content-Type: multipart/form-data; boundary=" + boundary + "\r\n"
                + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.length + "\r\n") + "\r\n";
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", gw.zumik().port())) {
            socket.setSoTimeout(20_000);
            var out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.ofVirtual().start(() -> {
                try {
                    for (int at = 0; at < body.length; at += 16 * 1024) {
                        int n = Math.min(16 * 1024, body.length - at);
                        if (chunked) out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(body, at, n);
                        if (chunked) out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    if (chunked) out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException expected) {
                    // The server answered and hung up before the whole body was sent.
                }
            });
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String status = in.readLine().split(" ")[1];
            Map<String, String> headers = new HashMap<>();
            for (String line = in.readLine(); !line.isEmpty(); line = in.readLine()) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT), line.substring(colon + 1).trim());
            }
            char[] text = new char[Integer.parseInt(headers.get("content-length"))];
            int read = 0;
            while (read < text.length) read += in.read(text, read, text.length - read);
            return new String[] {status, headers.get("connection"), new String(text)};
        }
    }

    static JsonNode raw(String key, String contentType, byte[] body, int status) throws IOException {
        HttpResponse<String> r = TestGateway.send(HttpRequest.newBuilder(gw.uri("/v1/files"))
                .timeout(Duration.ofSeconds(30)).header("authorization", "Bearer " + key).header("content-type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return JSON.readTree(r.body());
    }
}
