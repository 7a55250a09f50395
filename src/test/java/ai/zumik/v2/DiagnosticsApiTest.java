package ai.zumik.v2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.cli.Cli;
import ai.zumik.evidence.Jcs;
import ai.zumik.evidence.Jwks;
import ai.zumik.evidence.Verifier;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v2/diagnostics} and {@code GET /v2/diagnostics/{id}} on a real gateway: the signed,
 * stored run, the same report {@code zumik diagnose --json} prints, the 400s naming the bad trace
 * field, prompt text refused, {@code usage:N}, and another project's id a 404.
 */
@Timeout(120)
class DiagnosticsApiTest extends GatewayFixture {
    @TempDir
    Path dir;

    static String trace(String id, long at, long input, long candidate, long realized) {
        return "{\"trace_id\":\"" + id + "\",\"privacy_mode\":\"metadata\",\"prefix_family_id\":\"pf_repo\",\"schedule\":"
                + "{\"arrival_offset_ms\":" + at + ",\"session_id\":\"ses_1\"},\"observed\":{\"resolved_target\":\"openai/gpt-4o\","
                + "\"ttft_ms\":200,\"latency_ms\":900,\"input_tokens\":" + input + ",\"eligible_reuse_tokens\":" + input
                + ",\"candidate_reuse_tokens\":" + candidate + ",\"realized_reused_tokens\":" + realized + ",\"output_tokens\":50,\"attempt_count\":1}}";
    }

    static final String TRACES = "[" + trace("t1", 0, 4000, 0, 0) + "," + trace("t2", 2000, 4200, 3800, 3072) + ","
            + trace("t3", 4000, 4400, 4000, 0) + "]";

    record Run(int exit, String out) {}

    static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)) {
            exit = Cli.run(args, Map.of(), o, e);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aRunIsSignedStoredAndReadBackAndItsReportIsTheOneTheCliPrints() throws Exception {
        var created = gw.post("/v2/diagnostics", "{\"traces\":" + TRACES + "}");
        JsonNode d = ok(created);
        assertThat(d.path("id").asText()).matches("dgn_[0-9a-z]{26}");
        assertThat(d.path("object").asText()).isEqualTo("diagnostic");
        assertThat(d.path("project_id").asText()).startsWith("prj_");
        assertThat(d.path("created_at").asText()).endsWith("Z");
        JsonNode report = d.path("report");
        assertThat(report.path("traces_scored").asLong()).isEqualTo(3);
        assertThat(report.path("source").asText()).isEqualTo("inline");
        assertThat(report.at("/waterfall/realized_reused_tokens/tokens").asLong()).isEqualTo(3072);
        assertThat(report.at("/waterfall/realized_reused_tokens/evidence").asText()).isEqualTo("provider_reported");
        assertThat(report.at("/waterfall/missed_opportunity_tokens/tokens").asLong()).isEqualTo(7800 - 3072);
        assertThat(report.path("components").size()).isEqualTo(6);
        assertThat(d.path("alg").asText()).isEqualTo("Ed25519");
        assertThat(d.path("key_id").asText()).startsWith("sig_");
        assertThat(d.path("signature").asText()).isNotEmpty();

        // Served in canonical form, verifiable from the public keys alone, and unchanged when read back.
        var keys = Jwks.parse(parse(gw.get("/v2/signing-keys", null).body()));
        byte[] bytes = created.body().getBytes(StandardCharsets.UTF_8);
        assertThat(Verifier.verify(bytes, keys).valid()).isTrue();
        var got = gw.get("/v2/diagnostics/" + d.path("id").asText());
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.body()).isEqualTo(created.body());

        // bin/zumik verify-receipt checks it offline; one changed value fails it.
        Path keyFile = dir.resolve("keys.json");
        Files.writeString(keyFile, gw.get("/v2/signing-keys", null).body());
        Path doc = dir.resolve("diagnostic.json");
        Files.write(doc, bytes);
        Run ok = cli("verify-receipt", doc.toString(), "--keys", keyFile.toString());
        assertThat(ok.exit()).as(ok.out()).isZero();
        assertThat(ok.out()).startsWith("OK: " + d.path("id").asText() + " (diagnostic) signed by sig_");
        Files.writeString(doc, created.body().replace("\"wrs\":" + report.path("wrs").asInt(), "\"wrs\":99"));
        Run changed = cli("verify-receipt", doc.toString(), "--keys", keyFile.toString());
        assertThat(changed.exit()).isEqualTo(1);
        assertThat(changed.out()).startsWith("FAILED (bad_signature)");

        // zumik diagnose --json on the same traces as JSONL prints the same report (but for where it came from).
        StringBuilder jsonl = new StringBuilder();
        for (JsonNode t : parse(TRACES)) jsonl.append(new String(Json.bytes(t), StandardCharsets.UTF_8)).append('\n');
        Path file = dir.resolve("traces.jsonl");
        Files.writeString(file, jsonl);
        Run diagnose = cli("diagnose", file.toString(), "--json");
        assertThat(diagnose.exit()).isZero();
        ObjectNode endpoint = (ObjectNode) report.deepCopy();
        endpoint.remove("source");
        // Compared canonically: the served document is in RFC 8785 form, where 1.0 is written 1.
        assertThat(Jcs.text(parse(diagnose.out()))).isEqualTo(Jcs.text(endpoint));
    }

    @Test
    void optionsChangeTheScoring() {
        JsonNode d = ok(gw.post("/v2/diagnostics", "{\"traces\":" + TRACES + ",\"reuse_window_ms\":1000,\"min_prefix_tokens\":2048}"));
        assertThat(d.at("/report/parameters/reuse_window_ms").asLong()).isEqualTo(1000);
        assertThat(d.at("/report/parameters/min_prefix_tokens").asLong()).isEqualTo(2048);
        assertThat(d.at("/report/components/retention_locality/value").asDouble()).as("2 s gaps, 1 s window").isZero();
    }

    @Test
    void anotherProjectsRunIsA404LikeAMissingOne() {
        String id = ok(gw.post("/v2/diagnostics", "{\"traces\":" + TRACES + "}")).path("id").asText();
        String other = parse(gw.post("/v2/projects", "{\"name\":\"other-diag\"}", gw.adminKey()).body()).at("/admin_key/key").asText();
        assertThat(error(gw.get("/v2/diagnostics/" + id, other), 404).path("message").asText()).contains(id);
        error(gw.get("/v2/diagnostics/dgn_01aaaaaaaaaaaaaaaaaaaaaaaa"), 404);
        // A read key may run and read diagnostics of its own project.
        String read = gw.createKey("reader", "read");
        String mine = ok(gw.post("/v2/diagnostics", "{\"traces\":" + TRACES + "}", read)).path("id").asText();
        assertThat(gw.get("/v2/diagnostics/" + mine, read).statusCode()).isEqualTo(200);
    }

    @Test
    void badInputIsA400NamingTheField() {
        JsonNode e = error(gw.post("/v2/diagnostics", "{\"traces\":[" + trace("a", 0, 1, 0, 0)
                + ",{\"trace_id\":\"b\",\"privacy_mode\":\"metadata\",\"messages\":[{\"role\":\"user\",\"content\":\"secret plan\"}],"
                + "\"observed\":{\"input_tokens\":3}}]}"), 400);
        assertThat(e.path("param").asText()).isEqualTo("traces[1].messages");
        assertThat(e.path("code").asText()).isEqualTo("prompt_text_not_accepted");
        assertThat(error(gw.post("/v2/diagnostics", "{\"traces\":[{\"trace_id\":\"b\",\"privacy_mode\":\"metadata\",\"prompt\":\"x\","
                + "\"observed\":{\"input_tokens\":3}}]}"), 400).path("param").asText()).isEqualTo("traces[0].prompt");
        assertThat(error(gw.post("/v2/diagnostics", "{\"traces\":[{\"trace_id\":\"b\",\"privacy_mode\":\"metadata\",\"request\":"
                + "{\"input\":\"x\"},\"observed\":{\"input_tokens\":3}}]}"), 400).path("param").asText()).isEqualTo("traces[0].request.input");
        JsonNode field = error(gw.post("/v2/diagnostics", "{\"traces\":[" + trace("a", 0, 1, 0, 0)
                + ",{\"trace_id\":\"b\",\"privacy_mode\":\"metadata\",\"observed\":{\"input_tokens\":-1}}]}"), 400);
        assertThat(field.path("param").asText()).isEqualTo("traces[1].observed.input_tokens");
        assertThat(field.path("message").asText()).contains("non-negative integer");
        assertThat(error(gw.post("/v2/diagnostics", "{\"traces\":[{\"trace_id\":\"b\",\"privacy_mode\":\"open\",\"observed\":"
                + "{\"input_tokens\":1}}]}"), 400).path("param").asText()).isEqualTo("traces[0].privacy_mode");
        assertThat(error(gw.post("/v2/diagnostics", "{\"traces\":[{\"trace_id\":\"b\",\"privacy_mode\":\"metadata\",\"observed\":"
                + "{\"input_tokens\":1},\"prefix\":[{\"tokens\":1}]}]}"), 400).path("param").asText()).isEqualTo("traces[0].prefix[0].fingerprint");
        assertThat(error(gw.post("/v2/diagnostics", "{\"traces\":[7]}"), 400).path("param").asText()).isEqualTo("traces[0]");
        assertThat(error(gw.post("/v2/diagnostics", "{\"traces\":[]}"), 400).path("param").asText()).isEqualTo("traces");
        assertThat(error(gw.post("/v2/diagnostics", "{}"), 400).path("code").asText()).isEqualTo("invalid_traffic");
        assertThat(error(gw.post("/v2/diagnostics", "{\"traces\":" + TRACES + ",\"traffic_manifest_ref\":\"usage:5\"}"), 400)
                .path("code").asText()).isEqualTo("invalid_traffic");
        for (String ref : new String[] {"usage:0", "usage:abc", "usage:50001", "logs:5"}) {
            assertThat(error(gw.post("/v2/diagnostics", "{\"traffic_manifest_ref\":\"" + ref + "\"}"), 400).path("param").asText())
                    .as(ref).isEqualTo("traffic_manifest_ref");
        }
        assertThat(error(gw.post("/v2/diagnostics", "{\"traces\":" + TRACES + ",\"reuse_window_ms\":0}"), 400).path("param").asText())
                .isEqualTo("reuse_window_ms");
        assertThat(error(gw.post("/v2/diagnostics", "{\"traces\":" + TRACES + ",\"color\":\"red\"}"), 400).path("param").asText())
                .isEqualTo("color");
    }

    @Test
    void usageNScoresTheProjectsLastUsageEvents() {
        String project = parse(gw.post("/v2/projects", "{\"name\":\"usage-diag\"}", gw.adminKey()).body()).at("/admin_key/key").asText();
        assertThat(error(gw.post("/v2/diagnostics", "{\"traffic_manifest_ref\":\"usage:10\"}", project), 400).path("param").asText())
                .isEqualTo("traffic_manifest_ref");
        // Another project's traffic is never part of this one's usage.
        ok(gw.post("/v1/chat/completions", "{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
        for (int i = 0; i < 3; i++) {
            ok(gw.post("/v1/chat/completions", "{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi " + i
                    + "\"}]}", project));
        }
        JsonNode d = ok(gw.post("/v2/diagnostics", "{\"traffic_manifest_ref\":\"usage:2\"}", project));
        JsonNode r = d.path("report");
        assertThat(r.path("source").asText()).isEqualTo("usage:2");
        assertThat(r.path("traces_scored").asLong()).isEqualTo(2);
        // The fake reports 11 prompt tokens and 0 cached on each: a provider counter, reporting no reuse.
        assertThat(r.at("/waterfall/total_input_tokens/tokens").asLong()).isEqualTo(22);
        assertThat(r.at("/waterfall/realized_reused_tokens/tokens").asLong()).isZero();
        assertThat(r.at("/waterfall/realized_reused_tokens/evidence").asText()).isEqualTo("provider_reported");
        assertThat(ok(gw.post("/v2/diagnostics", "{\"traffic_manifest_ref\":\"usage:50\"}", project)).at("/report/traces_scored").asLong())
                .isEqualTo(3);
    }
}
