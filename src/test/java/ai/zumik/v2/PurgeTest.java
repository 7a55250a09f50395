package ai.zumik.v2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Purge jobs and receipts (issue 13, item 4): the ordered workflow for an artifact, a session and
 * a whole project — handles revoked, rows and bytes gone from the database, the namespace
 * generation bumped, usage kept with its numbers but without its text and links, replayable
 * answers dropped — and a receipt stating the weakest guarantee any processor reached, with each
 * provider that saw the data and its remaining expiry window.
 */
@Timeout(120)
class PurgeTest extends GatewayFixture {

    static JsonNode post(String path, String body, String key) {
        return ok(gw.post(path, body, key));
    }

    /** An artifact inside a bundle, a session built on it with a turn answered by OpenAI. */
    record World(String key, String art, String bundle, String session, String branch, String response) {}

    static World world(String name) {
        String key = project(name);
        String art = post("/v2/artifacts", "{\"artifact_type\":\"policy\",\"content\":\"the secret policy of " + name + "\"}", key)
                .get("id").asText();
        String bundle = post("/v2/bundles", "{\"items\":[{\"artifact_id\":\"" + art + "\",\"role\":\"system\"}]}", key).get("id").asText();
        JsonNode ses = post("/v2/sessions", "{\"base_bundle_ids\":[\"" + bundle + "\"]}", key);
        String response = post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"session_id\":\"" + ses.get("id").asText()
                + "\",\"input\":\"what is the policy?\"}", key).get("id").asText();
        return new World(key, art, bundle, ses.get("id").asText(), ses.get("default_branch_id").asText(), response);
    }

    @Test
    void purgingAnArtifactRemovesItEverywhereAndTheReceiptSaysWhoMayStillHoldIt() throws Exception {
        World w = world("art-purge");
        long generation = count("SELECT namespace_generation FROM projects WHERE id = (SELECT project_id FROM artifacts WHERE id = ?)", w.art());
        assertThat(count("SELECT count(*) FROM snapshot_chunks WHERE artifact_versions LIKE ?", "%" + w.art() + "%"))
                .as("the turn's snapshot stored a chunk naming it").isPositive();
        assertThat(count("SELECT count(*) FROM snapshots WHERE session_id = ?", w.session())).isPositive();
        JsonNode job = post("/v2/purge-jobs", "{\"artifact_ids\":[\"" + w.art() + "\"]}", w.key());
        assertThat(job.get("id").asText()).matches("pjb_[0-9a-z]{26}");
        assertThat(job.get("status").asText()).isEqualTo("completed");
        assertThat(job.get("guarantee").asText()).isEqualTo("best_effort_expiry");

        assertThat(gw.get("/v2/artifacts/" + w.art(), w.key()).statusCode()).isEqualTo(404);
        assertThat(gw.get("/v2/bundles/" + w.bundle(), w.key()).statusCode()).as("the bundle built on it").isEqualTo(404);
        assertThat(gw.get("/v2/sessions/" + w.session(), w.key()).statusCode()).as("the session built on the bundle").isEqualTo(404);
        assertThat(count("SELECT count(*) FROM artifacts WHERE id = ?", w.art())).as("the row and its bytes").isZero();
        assertThat(count("SELECT count(*) FROM snapshots WHERE artifact_versions LIKE ?", "%" + w.art() + "%")).isZero();
        assertThat(count("SELECT count(*) FROM snapshot_chunks WHERE artifact_versions LIKE ?", "%" + w.art() + "%"))
                .as("the stored chunks that named it").isZero();
        assertThat(count("SELECT count(*) FROM snapshots WHERE session_id = ?", w.session()))
                .as("the turn's snapshot pinned it through a chunk").isZero();

        JsonNode record = ok(gw.get("/v2/responses/" + w.response(), w.key()));
        assertThat(record.get("output_text").isNull()).as("usage loses its text").isTrue();
        assertThat(record.at("/usage/input_tokens").asLong()).as("and keeps its numbers").isEqualTo(11);
        assertThat(record.get("state").isNull()).as("and its links to state").isTrue();

        JsonNode receipt = ok(gw.get("/v2/purge-jobs/" + job.get("id").asText() + "/receipt", w.key()));
        assertThat(receipt.get("id").asText()).startsWith("pur_");
        assertThat(receipt.get("object").asText()).isEqualTo("purge_receipt");
        assertThat(receipt.get("guarantee").asText()).isEqualTo("best_effort_expiry");
        assertThat(receipt.get("namespace_generation").asLong()).isEqualTo(generation + 1);
        assertThat(receipt.at("/ids/artifacts/0").asText()).isEqualTo(w.art());
        assertThat(receipt.at("/deleted/artifacts").asLong()).isEqualTo(1);
        assertThat(receipt.at("/ids/responses_unlinked/0").asText()).isEqualTo(w.response());
        JsonNode openaiProcessor = null;
        for (JsonNode p : receipt.get("processors")) if (p.get("processor").asText().equals("openai")) openaiProcessor = p;
        assertThat(openaiProcessor).as("the provider that served a response with it").isNotNull();
        assertThat(openaiProcessor.get("guarantee").asText()).isEqualTo("best_effort_expiry");
        assertThat(openaiProcessor.get("expires_within_seconds").asLong()).isBetween(86_000L, 86_400L);
        assertThat(receipt.get("remaining_expiry_window_seconds").asLong()).isEqualTo(openaiProcessor.get("expires_within_seconds").asLong());
        assertThat(receipt.toString()).as("never content").doesNotContain("secret policy");
        assertThat(receipt.get("steps")).extracting(s -> s.get("step").asText()).containsExactly("revoke_handles",
                "bump_namespace_generation", "delete_rows_and_blobs", "unlink_traces", "ask_processors");

        // Signed, and verifiable offline from the public keys alone; any one changed byte fails.
        assertThat(receipt.get("alg").asText()).isEqualTo("Ed25519");
        assertThat(receipt.get("key_id").asText()).startsWith("sig_");
        HttpResponse<String> raw = gw.get("/v2/purge-jobs/" + job.get("id").asText() + "/receipt", w.key());
        byte[] bytes = raw.body().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        var keys = ai.zumik.evidence.Jwks.parse(parse(gw.get("/v2/signing-keys", null).body()));
        assertThat(ai.zumik.evidence.Verifier.verify(bytes, keys).valid()).isTrue();
        for (int i = 0; i < bytes.length; i += 7) {
            byte[] changed = bytes.clone();
            changed[i] ^= 0x01;
            assertThat(ai.zumik.evidence.Verifier.verify(changed, keys).valid()).as("byte %d changed", i).isFalse();
        }
        java.nio.file.Path file = java.nio.file.Files.createTempFile("receipt", ".json");
        java.nio.file.Path keyFile = java.nio.file.Files.createTempFile("keys", ".json");
        java.nio.file.Files.write(file, bytes);
        java.nio.file.Files.writeString(keyFile, gw.get("/v2/signing-keys", null).body());
        var out = new java.io.ByteArrayOutputStream();
        int exit = ai.zumik.cli.Cli.run(new String[] {"verify-receipt", file.toString(), "--keys", keyFile.toString()},
                java.util.Map.of(), new java.io.PrintStream(out, true), new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true));
        assertThat(exit).as(out.toString()).isZero();
    }

    @Test
    void purgingASessionDeletesItsLineAndKeepsOtherSessionsWhole() throws Exception {
        World w = world("ses-purge");
        String other = post("/v2/sessions", "{}", w.key()).get("id").asText();
        long events = count("SELECT count(*) FROM events WHERE session_id = ?", w.session());
        assertThat(events).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM snapshot_chunks WHERE session_id = ?", w.session())).isPositive();
        JsonNode job = post("/v2/purge-jobs", "{\"session_id\":\"" + w.session() + "\"}", w.key());
        JsonNode receipt = ok(gw.get("/v2/purge-jobs/" + job.get("id").asText() + "/receipt", w.key()));
        assertThat(receipt.at("/deleted/events").asLong()).isEqualTo(2);
        assertThat(receipt.at("/deleted/branches").asLong()).isEqualTo(1);
        assertThat(receipt.at("/deleted/artifacts").asLong()).as("the turn's payloads").isEqualTo(2);
        assertThat(count("SELECT count(*) FROM events WHERE session_id = ?", w.session())).isZero();
        assertThat(count("SELECT count(*) FROM sessions WHERE id = ?", w.session())).isZero();
        assertThat(count("SELECT count(*) FROM snapshot_chunks WHERE session_id = ?", w.session())).as("its snapshots' chunks").isZero();
        assertThat(gw.get("/v2/artifacts/" + w.art(), w.key()).statusCode()).as("the bundle's artifact is not the session's").isEqualTo(200);
        assertThat(gw.get("/v2/sessions/" + other, w.key()).statusCode()).isEqualTo(200);
        assertThat(ok(gw.get("/v2/responses/" + w.response(), w.key())).get("output_text").isNull()).isTrue();
    }

    @Test
    void purgingAProjectLeavesNoStateNoStoredAnswersAndNoReplayableAnswer() throws Exception {
        World w = world("project-purge");
        String v1 = post("/v1/responses", "{\"model\":\"openai/gpt-4o-mini\",\"input\":\"keep me?\"}", w.key()).get("id").asText();
        HttpResponse<String> first = idempotent(w.key(), "k-1");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(idempotent(w.key(), "k-1").headers().firstValue("agent-idempotent-replay")).contains("true");

        String boundary = "purge";
        HttpResponse<String> upload = TestGateway.send(HttpRequest.newBuilder(URI.create(gw.url() + "/v1/files"))
                .header("authorization", "Bearer " + w.key()).header("content-type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n"
                        + "batch\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.jsonl\"\r\n\r\n"
                        + "{\"custom_id\":\"1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":"
                        + "\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"private words\"}]}}\r\n--" + boundary + "--\r\n"))
                .build());
        String file = ok(upload).get("id").asText();
        String diagnostic = post("/v2/diagnostics", "{\"traces\":[{\"trace_id\":\"t\",\"privacy_mode\":\"metadata\","
                + "\"prefix_family_id\":\"pf_x\",\"observed\":{\"input_tokens\":10}}]}", w.key()).get("id").asText();

        JsonNode job = post("/v2/purge-jobs", "{\"scope\":\"project\"}", w.key());
        assertThat(gw.get("/v2/diagnostics/" + diagnostic, w.key()).statusCode()).as("diagnostic runs").isEqualTo(404);
        assertThat(ok(gw.get("/v2/purge-jobs/" + job.get("id").asText() + "/receipt", w.key())).at("/deleted/diagnostics").asLong())
                .isEqualTo(1);
        assertThat(job.at("/scope/kind").asText()).isEqualTo("project");
        assertThat(gw.get("/v1/files/" + file, w.key()).statusCode()).as("uploaded files and their bytes").isEqualTo(404);
        assertThat(count("SELECT count(*) FROM files WHERE project_id = ?", projectOf(w))).isZero();
        assertThat(ok(gw.get("/v2/purge-jobs/" + job.get("id").asText() + "/receipt", w.key())).at("/deleted/files").asLong())
                .isEqualTo(1);
        for (String table : new String[] {"artifacts", "bundles", "sessions", "branches", "events", "snapshots", "snapshot_chunks", "v1_responses",
                "idempotency_keys", "response_state"}) {
            assertThat(count("SELECT count(*) FROM " + table + " WHERE project_id = ?", projectOf(w)))
                    .as(table).isZero();
        }
        assertThat(gw.get("/v1/responses/" + v1, w.key()).statusCode()).isEqualTo(404);
        assertThat(count("SELECT count(*) FROM usage_events WHERE project_id = ? AND output IS NOT NULL", projectOf(w))).isZero();
        assertThat(count("SELECT count(*) FROM usage_events WHERE project_id = ? AND prompt_tokens IS NOT NULL", projectOf(w)))
                .as("usage keeps its numbers").isPositive();
        HttpResponse<String> again = idempotent(w.key(), "k-1");
        assertThat(again.headers().firstValue("agent-idempotent-replay").orElse("false")).as("a purged answer is not replayed")
                .isEqualTo("false");
    }

    private static String projectOf(World w) {
        return ok(gw.get("/v2/billing/account", w.key())).get("project_id").asText();
    }

    private static HttpResponse<String> idempotent(String key, String idem) {
        return TestGateway.send(HttpRequest.newBuilder(URI.create(gw.url() + "/v2/responses")).timeout(Duration.ofSeconds(20))
                .header("authorization", "Bearer " + key).header("content-type", "application/json")
                .header("Agent-Idempotency-Key", idem)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"input\":\"remember me\"}")).build());
    }

    @Test
    void aPurgeOfNothingReachableIsRefusedAndTouchesNothing() {
        World w = world("bad-purge");
        String other = project("stranger");
        for (String body : new String[] {"{}", "{\"scope\":\"project\",\"session_id\":\"" + w.session() + "\"}",
                "{\"artifact_ids\":[]}", "{\"scope\":\"everything\"}"}) {
            HttpResponse<String> r = gw.post("/v2/purge-jobs", body, w.key());
            assertThat(r.statusCode()).as(body + " -> " + r.body()).isEqualTo(400);
        }
        HttpResponse<String> unknown = gw.post("/v2/purge-jobs", "{\"artifact_ids\":[\"" + w.art() + "\",\"art_01aaaaaaaaaaaaaaaaaaaaaaaa\"]}", w.key());
        assertThat(parse(unknown.body()).at("/error/param").asText()).isEqualTo("artifact_ids[1]");
        HttpResponse<String> foreign = gw.post("/v2/purge-jobs", "{\"artifact_ids\":[\"" + w.art() + "\"]}", other);
        assertThat(foreign.statusCode()).as("another project's artifact").isEqualTo(400);
        assertThat(gw.post("/v2/purge-jobs", "{\"session_id\":\"" + w.session() + "\"}", other).statusCode()).isEqualTo(400);
        assertThat(gw.get("/v2/artifacts/" + w.art(), w.key()).statusCode()).as("nothing was purged").isEqualTo(200);
        assertThat(gw.get("/v2/sessions/" + w.session(), w.key()).statusCode()).isEqualTo(200);
    }
}
