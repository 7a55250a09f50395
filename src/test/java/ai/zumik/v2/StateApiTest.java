package ai.zumik.v2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Native state on /v2 (issue 13): artifacts, bundles, sessions, branches with compare-and-swap
 * appends and forks that copy nothing, snapshots, and /v2/responses run against a session: the
 * bundle blocks first, the branch's history, the turn appended, and a pinned snapshot reproducing
 * the upstream request byte for byte.
 */
@Timeout(120)
class StateApiTest extends GatewayFixture {

    static String artifact(String type, String content) {
        return ok(gw.post("/v2/artifacts", "{\"artifact_type\":\"" + type + "\",\"content\":" + JSON.valueToTree(content) + "}"))
                .get("id").asText();
    }

    /** A bundle of one system block, {@code artifactId}'s current version. */
    static String systemBundle(String artifactId) {
        return ok(gw.post("/v2/bundles", "{\"items\":[{\"artifact_id\":\"" + artifactId + "\",\"role\":\"system\"}]}"))
                .get("id").asText();
    }

    static JsonNode sessionOn(String bundle) {
        return ok(gw.post("/v2/sessions", "{\"base_bundle_ids\":[\"" + bundle + "\"]}"));
    }

    static JsonNode append(String session, String branch, long version, String head, String type, String content) {
        return parse(appendRaw(session, branch, version, head, type, content).body());
    }

    static HttpResponse<String> appendRaw(String session, String branch, long version, String head, String type, String content) {
        return gw.post("/v2/sessions/" + session + "/branches/" + branch + "/events", "{\"expected_version\":" + version
                + ",\"expected_head_event_id\":" + (head == null ? "null" : "\"" + head + "\"") + ",\"event\":{\"event_type\":\""
                + type + "\",\"content\":" + JSON.valueToTree(content) + "}}");
    }

    // ---- artifacts and bundles ---------------------------------------------------------------------

    @Test
    void artifactsAreImmutableContentWithRevocableHandles() {
        JsonNode a = ok(gw.post("/v2/artifacts", "{\"artifact_type\":\"policy\",\"content\":\"Be kind.\","
                + "\"retention_class\":\"extended\",\"metadata\":{\"label\":\"p1\"}}"));
        String id = a.get("id").asText();
        assertThat(id).matches("art_[0-9a-z]{26}");
        assertThat(a.get("object").asText()).isEqualTo("artifact");
        assertThat(a.get("content_media_type").asText()).isEqualTo("text/plain");
        assertThat(a.get("size_bytes").asLong()).isEqualTo(8);
        assertThat(a.at("/metadata/label").asText()).isEqualTo("p1");
        String same = artifact("policy", "Be kind.");
        assertThat(same).as("identical bytes, unrelated ids").isNotEqualTo(id);
        assertThat(ok(gw.get("/v2/artifacts/" + id)).get("retention_class").asText()).isEqualTo("extended");
        HttpResponse<String> content = gw.get("/v2/artifacts/" + id + "/content");
        assertThat(content.body()).isEqualTo("Be kind.");
        assertThat(content.headers().firstValue("content-type")).contains("text/plain");

        assertThat(ok(gw.delete("/v2/artifacts/" + id, gw.adminKey())).get("deleted").asBoolean()).isTrue();
        assertThat(gw.get("/v2/artifacts/" + id).statusCode()).isEqualTo(404);
        assertThat(gw.get("/v2/artifacts/" + id + "/content").statusCode()).isEqualTo(404);
        assertThat(gw.delete("/v2/artifacts/" + id, gw.adminKey()).statusCode()).isEqualTo(404);
    }

    @Test
    void artifactListsPageWithACursor() {
        for (int i = 0; i < 3; i++) artifact("document", "page " + i);
        JsonNode first = ok(gw.get("/v2/artifacts?limit=2"));
        assertThat(first.get("data")).hasSize(2);
        assertThat(first.get("has_more").asBoolean()).isTrue();
        JsonNode next = ok(gw.get("/v2/artifacts?limit=2&after=" + first.get("last_id").asText()));
        assertThat(next.at("/data/0/id").asText()).isGreaterThan(first.get("last_id").asText());
    }

    @Test
    void badArtifactsAndBundlesArePreciseFourHundreds() {
        assertThat(error(gw.post("/v2/artifacts", "{\"artifact_type\":\"poem\",\"content\":\"x\"}"), 400).get("param").asText())
                .isEqualTo("artifact_type");
        assertThat(error(gw.post("/v2/artifacts", "{\"artifact_type\":\"document\",\"content\":\"\"}"), 400).get("param").asText())
                .isEqualTo("content");
        JsonNode big = error(gw.post("/v2/artifacts", "{\"artifact_type\":\"document\",\"content\":\"" + "x".repeat(1024 * 1024 + 1)
                + "\"}"), 400);
        assertThat(big.get("code").asText()).isEqualTo("content_too_large");
        assertThat(error(gw.post("/v2/artifacts", "{\"artifact_type\":\"document\",\"content\":\"{no\","
                + "\"content_media_type\":\"application/json\"}"), 400).get("param").asText()).isEqualTo("content");
        assertThat(error(gw.post("/v2/bundles", "{\"items\":[{\"artifact_id\":\"art_01aaaaaaaaaaaaaaaaaaaaaaaa\","
                + "\"role\":\"system\"}]}"), 400).get("param").asText()).isEqualTo("items[0].artifact_id");
        String a = artifact("policy", "p");
        assertThat(error(gw.post("/v2/bundles", "{\"items\":[{\"artifact_id\":\"" + a + "\",\"role\":\"boss\"}]}"), 400)
                .get("param").asText()).isEqualTo("items[0].role");
        assertThat(error(gw.post("/v2/bundles", "{\"items\":[]}"), 400).get("param").asText()).isEqualTo("items");
        long bundles = count("/v2/bundles");
        assertThat(count("/v2/bundles")).as("nothing half-written").isEqualTo(bundles);
    }

    private static long count(String list) {
        long n = 0;
        String after = null;
        while (true) {
            JsonNode page = ok(gw.get(list + "?limit=100" + (after == null ? "" : "&after=" + after)));
            n += page.get("data").size();
            if (!page.get("has_more").asBoolean()) return n;
            after = page.get("last_id").asText();
        }
    }

    @Test
    void aBundleKeepsItsItemsInTheOrderGiven() {
        String z = artifact("policy", "z");
        String a = artifact("policy", "a");
        JsonNode b = ok(gw.post("/v2/bundles", "{\"items\":[{\"artifact_id\":\"" + z + "\",\"role\":\"system\"},"
                + "{\"artifact_id\":\"" + a + "\",\"role\":\"context\"}]}"));
        assertThat(b.get("id").asText()).matches("bnd_[0-9a-z]{26}");
        assertThat(b.get("bundle_type").asText()).isEqualTo("agent_prefix");
        assertThat(b.at("/items/0/artifact_id").asText()).isEqualTo(z);
        assertThat(b.at("/items/1/artifact_id").asText()).isEqualTo(a);
        assertThat(ok(gw.get("/v2/bundles/" + b.get("id").asText())).get("items")).isEqualTo(b.get("items"));
    }

    // ---- sessions, branches, events -------------------------------------------------------------

    @Test
    void appendsAreCompareAndSwapAndAStalePairIsAConflictCarryingTheHead() {
        JsonNode s = ok(gw.post("/v2/sessions", "{}"));
        String sid = s.get("id").asText();
        String br = s.get("default_branch_id").asText();
        JsonNode branch = ok(gw.get("/v2/sessions/" + sid + "/branches/" + br));
        assertThat(branch.get("version").asLong()).isZero();
        assertThat(branch.get("head_event_id").isNull()).isTrue();

        JsonNode e1 = append(sid, br, 0, null, "user_message", "hi");
        assertThat(e1.get("sequence").asLong()).isEqualTo(1);
        assertThat(e1.get("payload_ref").asText()).startsWith("art_");
        JsonNode e2 = append(sid, br, 1, e1.get("id").asText(), "assistant_message", "hello");
        assertThat(e2.get("parent_event_id").asText()).isEqualTo(e1.get("id").asText());

        JsonNode stale = error(appendRaw(sid, br, 1, e1.get("id").asText(), "note", "late"), 409);
        assertThat(stale.get("code").asText()).isEqualTo("branch_version_conflict");
        assertThat(stale.get("current_version").asLong()).isEqualTo(2);
        assertThat(stale.get("current_head_event_id").asText()).isEqualTo(e2.get("id").asText());
        JsonNode wrongHead = error(appendRaw(sid, br, 2, e1.get("id").asText(), "note", "late"), 409);
        assertThat(wrongHead.get("current_version").asLong()).isEqualTo(2);
        assertThat(ok(gw.get("/v2/sessions/" + sid + "/branches/" + br + "/events")).get("data")).hasSize(2);
    }

    @Test
    void manyConcurrentWritersOnOneBranchEachVersionIsWonOnce() throws Exception {
        JsonNode s = ok(gw.post("/v2/sessions", "{}"));
        String sid = s.get("id").asText();
        String br = s.get("default_branch_id").asText();
        int writers = 8;
        int each = 10;
        AtomicInteger conflicts = new AtomicInteger();
        try (var pool = Executors.newFixedThreadPool(writers)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int me = w;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        while (true) {
                            JsonNode b = ok(gw.get("/v2/sessions/" + sid + "/branches/" + br));
                            HttpResponse<String> r = appendRaw(sid, br, b.get("version").asLong(),
                                    b.get("head_event_id").isNull() ? null : b.get("head_event_id").asText(), "note", "w" + me + "-" + i);
                            if (r.statusCode() == 200) break;
                            assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
                            conflicts.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (var f : fs) f.get();
        }
        JsonNode events = ok(gw.get("/v2/sessions/" + sid + "/branches/" + br + "/events?limit=100"));
        assertThat(events.get("data")).hasSize(writers * each);
        Set<Long> seqs = new HashSet<>();
        String parent = null;
        for (JsonNode e : events.get("data")) {
            seqs.add(e.get("sequence").asLong());
            assertThat(e.get("parent_event_id").isNull() ? null : e.get("parent_event_id").asText()).isEqualTo(parent);
            parent = e.get("id").asText();
        }
        assertThat(seqs).hasSize(writers * each);
        assertThat(ok(gw.get("/v2/sessions/" + sid + "/branches/" + br)).get("version").asLong()).isEqualTo(writers * each);
        assertThat(conflicts.get()).as("the writers really raced").isPositive();
    }

    @Test
    void aForkCopiesNothingAndSeesTheLineUpToItsForkPoint() {
        JsonNode s = ok(gw.post("/v2/sessions", "{}"));
        String sid = s.get("id").asText();
        String main = s.get("default_branch_id").asText();
        JsonNode e1 = append(sid, main, 0, null, "user_message", "one");
        JsonNode e2 = append(sid, main, 1, e1.get("id").asText(), "assistant_message", "two");
        append(sid, main, 2, e2.get("id").asText(), "user_message", "three");
        JsonNode fork = ok(gw.post("/v2/sessions/" + sid + "/branches", "{\"fork_from_branch_id\":\"" + main
                + "\",\"fork_from_event_id\":\"" + e1.get("id").asText() + "\",\"label\":\"alt\"}"));
        assertThat(fork.get("version").asLong()).isEqualTo(1);
        assertThat(fork.get("head_event_id").asText()).isEqualTo(e1.get("id").asText());
        assertThat(fork.get("parent_branch_id").asText()).isEqualTo(main);
        String fb = fork.get("id").asText();
        JsonNode f2 = append(sid, fb, 1, e1.get("id").asText(), "assistant_message", "two-alt");
        assertThat(f2.get("sequence").asLong()).isEqualTo(2);
        JsonNode forkEvents = ok(gw.get("/v2/sessions/" + sid + "/branches/" + fb + "/events")).get("data");
        assertThat(forkEvents).hasSize(2);
        assertThat(forkEvents.get(0).get("id").asText()).isEqualTo(e1.get("id").asText());
        assertThat(forkEvents.get(1).get("id").asText()).isEqualTo(f2.get("id").asText());
        assertThat(ok(gw.get("/v2/sessions/" + sid + "/branches/" + main + "/events")).get("data")).hasSize(3);
        // A fork of the fork at its inherited event, and at its head.
        JsonNode deeper = ok(gw.post("/v2/sessions/" + sid + "/branches", "{\"fork_from_branch_id\":\"" + fb + "\"}"));
        assertThat(deeper.get("version").asLong()).isEqualTo(2);
        assertThat(ok(gw.get("/v2/sessions/" + sid + "/branches/" + deeper.get("id").asText() + "/events")).get("data")).hasSize(2);

        assertThat(error(gw.post("/v2/sessions/" + sid + "/branches", "{\"fork_from_branch_id\":\"" + fb + "\","
                + "\"fork_from_event_id\":\"evt_01aaaaaaaaaaaaaaaaaaaaaaaa\"}"), 400).get("param").asText()).isEqualTo("fork_from_event_id");
        JsonNode e3 = ok(gw.get("/v2/sessions/" + sid + "/branches/" + main + "/events")).at("/data/2");
        assertThat(error(gw.post("/v2/sessions/" + sid + "/branches", "{\"fork_from_branch_id\":\"" + fb + "\","
                + "\"fork_from_event_id\":\"" + e3.get("id").asText() + "\"}"), 400).get("param").asText())
                .as("an event of the parent after the fork point is not on the fork's line").isEqualTo("fork_from_event_id");

        assertThat(ok(gw.delete("/v2/sessions/" + sid + "/branches/" + fb, gw.adminKey())).get("deleted").asBoolean()).isTrue();
        assertThat(appendRaw(sid, fb, 2, f2.get("id").asText(), "note", "x").statusCode()).as("events on a deleted branch").isEqualTo(404);
        assertThat(ok(gw.get("/v2/sessions/" + sid + "/branches/" + deeper.get("id").asText() + "/events")).get("data"))
                .as("a fork of a deleted branch keeps its line").hasSize(2);
        assertThat(error(gw.delete("/v2/sessions/" + sid + "/branches/" + main, gw.adminKey()), 400).get("code").asText())
                .isEqualTo("default_branch");
        assertThat(ok(gw.delete("/v2/sessions/" + sid, gw.adminKey())).get("object").asText()).isEqualTo("session.deleted");
        assertThat(gw.get("/v2/sessions/" + sid + "/branches/" + main).statusCode()).isEqualTo(404);
    }

    @Test
    void malformedCompareAndSwapValuesAreFourHundreds() {
        JsonNode s = ok(gw.post("/v2/sessions", "{}"));
        String path = "/v2/sessions/" + s.get("id").asText() + "/branches/" + s.get("default_branch_id").asText() + "/events";
        assertThat(error(gw.post(path, "{\"expected_head_event_id\":null,\"event\":{\"event_type\":\"note\"}}"), 400)
                .get("param").asText()).isEqualTo("expected_version");
        assertThat(error(gw.post(path, "{\"expected_version\":-1,\"expected_head_event_id\":null,\"event\":{\"event_type\":\"note\"}}"), 400)
                .get("param").asText()).isEqualTo("expected_version");
        assertThat(error(gw.post(path, "{\"expected_version\":\"0\",\"expected_head_event_id\":null,\"event\":{\"event_type\":\"note\"}}"), 400)
                .get("param").asText()).isEqualTo("expected_version");
        assertThat(error(gw.post(path, "{\"expected_version\":0,\"event\":{\"event_type\":\"note\"}}"), 400)
                .get("param").asText()).isEqualTo("expected_head_event_id");
        assertThat(error(gw.post(path, "{\"expected_version\":0,\"expected_head_event_id\":null,\"event\":{\"event_type\":\"shout\"}}"), 400)
                .get("param").asText()).isEqualTo("event.event_type");
        assertThat(error(gw.post(path, "{\"expected_version\":0,\"expected_head_event_id\":null,\"event\":{\"event_type\":\"note\","
                + "\"payload_ref\":\"art_01aaaaaaaaaaaaaaaaaaaaaaaa\"}}"), 400).get("param").asText()).isEqualTo("event.payload_ref");
        assertThat(error(gw.post("/v2/sessions", "{\"base_bundle_ids\":[\"bnd_01aaaaaaaaaaaaaaaaaaaaaaaa\"]}"), 400)
                .get("param").asText()).isEqualTo("base_bundle_ids[0]");
        assertThat(ok(gw.get(path)).get("data")).as("nothing half-written").isEmpty();
    }

    // ---- snapshots and responses against state -----------------------------------------------------

    @Test
    void aResponseRunsAgainstTheSessionAppendsItsTurnAndAPinnedSnapshotReproducesItsBytes() {
        String policy = artifact("policy", "You are the repo assistant.");
        String context = artifact("text_context", "The repo is Zumik.");
        String bundle = ok(gw.post("/v2/bundles", "{\"items\":[{\"artifact_id\":\"" + policy + "\",\"role\":\"system\"},"
                + "{\"artifact_id\":\"" + context + "\",\"role\":\"context\"}]}")).get("id").asText();
        JsonNode s = sessionOn(bundle);
        String sid = s.get("id").asText();
        String br = s.get("default_branch_id").asText();

        JsonNode r1 = ok(gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"session_id\":\"" + sid + "\",\"input\":\"first question\"}"));
        JsonNode sent1 = openai.lastRequest().json();
        String body1 = openai.lastRequest().body();
        assertThat(sent1.at("/messages/0/content").asText()).isEqualTo("You are the repo assistant.");
        assertThat(sent1.at("/messages/1/content").asText()).isEqualTo("The repo is Zumik.");
        assertThat(sent1.at("/messages/2/content").asText()).isEqualTo("first question");
        JsonNode state1 = r1.get("state");
        assertThat(state1.get("append_status").asText()).isEqualTo("appended");
        assertThat(state1.get("snapshot_id").asText()).startsWith("snp_");
        assertThat(state1.get("materialization_key").asText()).startsWith("mk_");
        assertThat(ok(gw.get("/v2/sessions/" + sid + "/branches/" + br)).get("version").asLong()).isEqualTo(2);

        JsonNode r2 = ok(gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"branch_id\":\"" + br + "\",\"input\":\"second\"}"));
        JsonNode sent2 = openai.lastRequest().json();
        assertThat(sent2.get("messages")).hasSize(5);
        assertThat(sent2.at("/messages/2/content").asText()).isEqualTo("first question");
        assertThat(sent2.at("/messages/3/role").asText()).isEqualTo("assistant");
        assertThat(sent2.at("/messages/3/content").asText()).isEqualTo(r1.get("output_text").asText());
        assertThat(sent2.at("/messages/4/content").asText()).isEqualTo("second");
        assertThat(r2.at("/state/materialization_key").asText()).isNotEqualTo(state1.get("materialization_key").asText());

        // The first response's snapshot, run again with the same input: the same bytes upstream, nothing appended.
        JsonNode again = ok(gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"snapshot_id\":\"" + state1.get("snapshot_id").asText()
                + "\",\"input\":\"first question\"}"));
        assertThat(openai.lastRequest().body()).isEqualTo(body1);
        assertThat(again.at("/state/append_status").asText()).isEqualTo("not_appended");
        assertThat(ok(gw.get("/v2/sessions/" + sid + "/branches/" + br)).get("version").asLong()).isEqualTo(4);
        assertThat(ok(gw.get("/v2/responses/" + r1.get("id").asText())).get("state")).isEqualTo(state1);

        // Deleting the bundle does not change what the pinned snapshot materializes.
        gw.delete("/v2/bundles/" + bundle, gw.adminKey());
        ok(gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"snapshot_id\":\"" + state1.get("snapshot_id").asText()
                + "\",\"input\":\"first question\"}"));
        assertThat(openai.lastRequest().body()).isEqualTo(body1);
    }

    /**
     * A snapshot is stored as a list of 16-block chunks, each once per session: successive turns on
     * a 41-block line share every full chunk, what they read back is the line exactly, and a pinned
     * snapshot of three chunks still sends the same bytes upstream.
     */
    @Test
    void snapshotsOfOneLineShareTheirStoredChunksAndReadBackWhole() throws Exception {
        String policy = artifact("policy", "Chunked policy.");
        JsonNode s = sessionOn(systemBundle(policy));
        String sid = s.get("id").asText();
        String br = s.get("default_branch_id").asText();
        String head = null;
        List<String> refs = new ArrayList<>(List.of(policy));
        for (int i = 0; i < 40; i++) {
            head = append(sid, br, i, head, i % 2 == 0 ? "user_message" : "assistant_message", "line " + i).get("id").asText();
            refs.add(head);
        }
        String base = "/v2/sessions/" + sid + "/branches/" + br + "/snapshots";
        JsonNode posted = ok(gw.post(base, "{}"));
        JsonNode read = ok(gw.get(base + "/" + posted.get("id").asText()));
        assertThat(read).isEqualTo(posted);
        assertThat(read.get("ordered_block_manifest")).hasSize(41);
        List<String> manifest = new ArrayList<>();
        read.get("ordered_block_manifest").forEach(m -> manifest.add(m.asText()));
        assertThat(manifest).isEqualTo(refs);
        assertThat(read.get("artifact_versions")).hasSize(41); // the policy and each event's payload
        assertThat(count("SELECT count(*) FROM snapshot_chunks WHERE session_id = ?", sid)).as("16 + 16 + 9 blocks").isEqualTo(3);

        JsonNode t1 = ok(gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"branch_id\":\"" + br + "\",\"input\":\"one\"}"));
        assertThat(count("SELECT count(*) FROM snapshot_chunks WHERE session_id = ?", sid)).as("the same line: nothing new").isEqualTo(3);
        JsonNode t2 = ok(gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"branch_id\":\"" + br + "\",\"input\":\"two\"}"));
        String body2 = openai.lastRequest().body();
        assertThat(count("SELECT count(*) FROM snapshot_chunks WHERE session_id = ?", sid))
                .as("two more blocks: only the last chunk is new").isEqualTo(4);
        assertThat(count("SELECT count(*) FROM snapshots WHERE session_id = ? AND blocks = '' AND chunks IS NOT NULL", sid))
                .as("no snapshot row repeats the line").isEqualTo(3);

        JsonNode snap2 = ok(gw.get(base + "/" + t2.at("/state/snapshot_id").asText()));
        assertThat(snap2.get("ordered_block_manifest")).hasSize(43);
        assertThat(snap2.at("/ordered_block_manifest/41").asText()).isEqualTo(t1.at("/state/user_event_id").asText());
        assertThat(snap2.at("/ordered_block_manifest/42").asText()).isEqualTo(t1.at("/state/assistant_event_id").asText());
        ok(gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"snapshot_id\":\"" + t2.at("/state/snapshot_id").asText()
                + "\",\"input\":\"two\"}"));
        assertThat(openai.lastRequest().body()).as("a pinned three-chunk snapshot sends the same bytes").isEqualTo(body2);

        // A page of the list resolves every row's chunks to what GET reads.
        JsonNode page = ok(gw.get(base + "?limit=10")).get("data");
        assertThat(page).hasSize(3);
        for (JsonNode listed : page) assertThat(listed).isEqualTo(ok(gw.get(base + "/" + listed.get("id").asText())));

        // A row written before chunks existed (V18) holds its line whole: it reads and replays the same.
        String id2 = t2.at("/state/snapshot_id").asText();
        com.fasterxml.jackson.databind.node.ArrayNode blocks = JSON.createArrayNode();
        com.fasterxml.jackson.databind.node.ObjectNode versions = JSON.createObjectNode();
        for (JsonNode d : JSON.readTree(text("SELECT chunks FROM snapshots WHERE id = ?", id2))) {
            blocks.addAll((com.fasterxml.jackson.databind.node.ArrayNode) JSON.readTree(
                    text("SELECT blocks FROM snapshot_chunks WHERE digest = ?", d.asText())));
            JSON.readTree(text("SELECT artifact_versions FROM snapshot_chunks WHERE digest = ?", d.asText())).fields()
                    .forEachRemaining(v -> versions.putIfAbsent(v.getKey(), v.getValue()));
        }
        List<String> refs2 = new ArrayList<>();
        blocks.forEach(b -> refs2.add(b.get("ref").asText()));
        try (var c = gw.zumik().database().connection()) {
            ai.zumik.store.Database.execute(c, "UPDATE snapshots SET ordered_block_manifest = ?, artifact_versions = ?, blocks = ?, "
                    + "chunks = NULL WHERE id = ?", JSON.writeValueAsString(refs2), versions.toString(), blocks.toString(), id2);
        }
        assertThat(count("SELECT count(*) FROM snapshots WHERE id = ? AND chunks IS NULL", id2)).isEqualTo(1);
        assertThat(ok(gw.get(base + "/" + id2))).isEqualTo(snap2);
        ok(gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"snapshot_id\":\"" + id2 + "\",\"input\":\"two\"}"));
        assertThat(openai.lastRequest().body()).as("a whole row sends the bytes its chunked form sent").isEqualTo(body2);
    }

    /**
     * Turns read the line, the bundles and the artifacts through the per-replica state cache: what
     * changed between two turns (events appended outside a turn, a deleted bundle, a purged
     * artifact, a fork at an inherited event) must show in the next turn as if nothing were cached.
     */
    @Test
    void turnsOnAWarmLineSeeEveryChangeMadeBetweenThem() {
        String policy = artifact("policy", "Policy P.");
        String bundle = systemBundle(policy);
        JsonNode s = sessionOn(bundle);
        String sid = s.get("id").asText();
        String br = s.get("default_branch_id").asText();
        String turn = "{\"model\":\"gpt-4o-mini\",\"branch_id\":\"%s\",\"input\":\"%s\"}";

        JsonNode r1 = ok(gw.post("/v2/responses", turn.formatted(br, "q1")));
        assertThat(r1.at("/state/append_status").asText()).isEqualTo("appended");
        // Events appended outside a turn land between the cached line and the head.
        JsonNode head = ok(gw.get("/v2/sessions/" + sid + "/branches/" + br));
        JsonNode note = append(sid, br, 2, head.get("head_event_id").asText(), "tool_result", "tool says 42");
        ok(gw.post("/v2/responses", turn.formatted(br, "q2")));
        JsonNode sent = openai.lastRequest().json().get("messages");
        assertThat(sent).extracting(m -> m.get("content").asText())
                .containsExactly("Policy P.", "q1", r1.get("output_text").asText(), "tool says 42", "q2");

        // A fork at an inherited event (the note, sequence 3) of a fork: its line stops there.
        String f1 = ok(gw.post("/v2/sessions/" + sid + "/branches", "{\"fork_from_branch_id\":\"" + br + "\"}")).get("id").asText();
        String f2 = ok(gw.post("/v2/sessions/" + sid + "/branches", "{\"fork_from_branch_id\":\"" + f1 + "\","
                + "\"fork_from_event_id\":\"" + note.get("id").asText() + "\"}")).get("id").asText();
        JsonNode r3 = ok(gw.post("/v2/responses", turn.formatted(f2, "q3")));
        assertThat(openai.lastRequest().json().get("messages")).extracting(m -> m.get("content").asText())
                .containsExactly("Policy P.", "q1", r1.get("output_text").asText(), "tool says 42", "q3");
        ok(gw.post("/v2/responses", turn.formatted(f2, "q4")));
        assertThat(openai.lastRequest().json().get("messages")).extracting(m -> m.get("content").asText())
                .as("the fork's own turn, appended and then read from the cache").hasSize(7).endsWith("q3", r3.get("output_text").asText(), "q4")
                .doesNotContain("q2");

        // A payload purged after it was read is never served from memory: the event stays, without it.
        String payload = ok(gw.get("/v2/sessions/" + sid + "/branches/" + br + "/events")).at("/data/2/payload_ref").asText();
        assertThat(ok(gw.post("/v2/purge-jobs", "{\"artifact_ids\":[\"" + payload + "\"]}")).get("status").asText())
                .isEqualTo("completed");
        ok(gw.post("/v2/responses", turn.formatted(br, "q5")));
        assertThat(openai.lastRequest().body()).contains("q2").doesNotContain("tool says 42");

        // A deleted bundle stops compiling at once, although its items were read before.
        String s2 = sessionOn(bundle).get("default_branch_id").asText();
        ok(gw.post("/v2/responses", turn.formatted(s2, "warm")));
        ok(gw.delete("/v2/bundles/" + bundle, gw.adminKey()));
        assertThat(error(gw.post("/v2/responses", turn.formatted(s2, "after delete")), 400).get("code").asText())
                .isEqualTo("bundle_not_found");
    }

    @Test
    void snapshotsPinTheBranchHeadAndTheirManifest() {
        String policy = artifact("policy", "P");
        String bundle = systemBundle(policy);
        JsonNode s = sessionOn(bundle);
        String sid = s.get("id").asText();
        String br = s.get("default_branch_id").asText();
        JsonNode e1 = append(sid, br, 0, null, "user_message", "u1");
        String base = "/v2/sessions/" + sid + "/branches/" + br + "/snapshots";
        JsonNode snp = ok(gw.post(base, "{}"));
        assertThat(snp.get("branch_version").asLong()).isEqualTo(1);
        assertThat(snp.get("head_event_id").asText()).isEqualTo(e1.get("id").asText());
        assertThat(snp.get("prompt_compiler_revision").asText()).isEqualTo("pc_1");
        assertThat(snp.get("ordered_block_manifest").toString()).isEqualTo("[\"" + policy + "\",\"" + e1.get("id").asText() + "\"]");
        assertThat(snp.at("/artifact_versions/" + policy).asText()).hasSize(64);
        assertThat(ok(gw.get(base + "/" + snp.get("id").asText())).get("id")).isEqualTo(snp.get("id"));
        assertThat(ok(gw.get(base)).get("data")).hasSize(1);

        JsonNode given = ok(gw.post(base, "{\"ordered_block_manifest\":[\"blk_1\",\"" + e1.get("id").asText() + "\"]}"));
        assertThat(given.get("ordered_block_manifest").toString()).isEqualTo("[\"blk_1\",\"" + e1.get("id").asText() + "\"]");
        assertThat(error(gw.post(base, "{\"ordered_block_manifest\":[\"evt_01aaaaaaaaaaaaaaaaaaaaaaaa\"]}"), 400).get("param").asText())
                .isEqualTo("ordered_block_manifest[0]");
        assertThat(error(gw.post(base, "{\"prompt_compiler_revision\":\"pc_9\"}"), 400).get("param").asText())
                .isEqualTo("prompt_compiler_revision");
        ok(gw.delete(base + "/" + snp.get("id").asText(), gw.adminKey()));
        assertThat(gw.get(base + "/" + snp.get("id").asText()).statusCode()).isEqualTo(404);
    }

    /**
     * A turn reads its state, the session is purged while the upstream answers, then the turn ends:
     * it writes nothing back — no snapshot naming the purged artifacts and their digests, no chunks,
     * no events, no record — and says it was not appended. The purge's receipt is then the truth.
     */
    @Test
    void aTurnThatEndsAfterItsSessionWasPurgedWritesNothingBack() throws Exception {
        JsonNode s = sessionOn(systemBundle(artifact("policy", "Purged policy.")));
        String sid = s.get("id").asText();
        HttpResponse<String> late = SlowTurn.racing(gw, openai, sid, 1500, false, () -> assertThat(ok(gw.post("/v2/purge-jobs",
                "{\"session_id\":\"" + sid + "\"}")).get("status").asText()).isEqualTo("completed"));
        assertThat(late.statusCode()).as(late.body()).isEqualTo(200);
        assertThat(late.body()).contains("\"append_status\":\"conflict\"");
        // Its usage keeps its numbers and loses the answer, as the purge would have done had it seen it.
        String id = JSON.readTree(late.body()).get("id").asText();
        assertThat(count("SELECT count(*) FROM usage_events WHERE response_id = ? AND output IS NULL AND completion_tokens > 0", id))
                .isEqualTo(1);
        for (String table : List.of("snapshots", "snapshot_chunks", "events", "branches", "response_state")) {
            assertThat(count("SELECT count(*) FROM " + table + " WHERE session_id = ?", sid)).as(table).isZero();
        }
    }

    @Test
    void aResponseWhoseBranchMovedMeanwhileIsNotAppended() throws Exception {
        JsonNode s = ok(gw.post("/v2/sessions", "{}"));
        String sid = s.get("id").asText();
        String br = s.get("default_branch_id").asText();
        String body = SlowTurn.racing(gw, openai, sid, 400, true, () -> append(sid, br, 0, null, "note", "someone else got there first"))
                .body();
        assertThat(body).contains("\"append_status\":\"conflict\"");
        assertThat(ok(gw.get("/v2/sessions/" + sid + "/branches/" + br)).get("version").asLong()).isEqualTo(1);
    }
}
