package ai.zumik.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code zumik diagnose}, {@code zumik score} and {@code zumik lint}: their output and exit codes. */
class DiagnosticsCliTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
        JsonNode json() {
            try {
                return Json.parse(out.getBytes(StandardCharsets.UTF_8));
            } catch (Exception e) {
                throw new AssertionError(out, e);
            }
        }
    }

    static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = Cli.run(args, Map.of(), o, e);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String trace(String id, long at, long input, long candidate, Long realized) {
        return "{\"trace_id\":\"" + id + "\",\"privacy_mode\":\"metadata\",\"prefix_family_id\":\"pf_a\",\"schedule\":{\"arrival_offset_ms\":"
                + at + "},\"observed\":{\"input_tokens\":" + input + ",\"eligible_reuse_tokens\":" + input + ",\"candidate_reuse_tokens\":"
                + candidate + (realized == null ? "" : ",\"realized_reused_tokens\":" + realized) + ",\"attempt_count\":1}}";
    }

    Path file(String name, String content) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    @Test
    void diagnoseScoresTheGoodLinesAndReportsEachBadOneByLineAndField() throws Exception {
        Path f = file("t.jsonl", trace("a", 0, 2000, 0, 0L) + "\n"
                + "this is not json\n"
                + "\n"
                + "{\"trace_id\":\"x\",\"privacy_mode\":\"metadata\",\"observed\":{\"input_tokens\":\"many\"}}\n"
                + "{\"trace_id\":\"y\",\"privacy_mode\":\"metadata\"}\n"
                + trace("b", 1000, 2000, 1500, 1000L) + "\n");
        Run r = cli("diagnose", f.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("Workload Reuse Score: ").contains("Component").contains("opportunity_ratio")
                .contains("realized_reused_tokens").contains("provider_reported").contains("Top reuse killers")
                .contains("line 2: not JSON").contains("line 4: observed.input_tokens: must be a non-negative integer")
                .contains("line 5: observed: required object").contains("2 scored, 3 rejected");

        Run json = cli("diagnose", f.toString(), "--json");
        assertThat(json.exit()).isZero();
        JsonNode report = json.json();
        assertThat(report.path("object").asText()).isEqualTo("diagnostic_report");
        assertThat(report.path("lines_scored").asLong()).isEqualTo(2);
        assertThat(report.path("lines_rejected").asLong()).isEqualTo(3);
        assertThat(report.path("errors").findValuesAsText("line")).containsExactly("2", "4", "5");
        assertThat(report.at("/waterfall/candidate_reuse_tokens/tokens").asLong()).isEqualTo(1500);
        assertThat(report.path("evidence_digest").asText()).startsWith("sha256:")
                .isEqualTo("sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(f))));

        Run score = cli("score", f.toString());
        assertThat(score.exit()).isZero();
        assertThat(score.out().strip()).isEqualTo("WRS " + report.path("wrs").asInt() + " (" + report.path("band").asText() + ")");
        Run scoreJson = cli("score", f.toString(), "--json");
        assertThat(scoreJson.json()).isEqualTo(report);
    }

    @Test
    void lineNumbersStayExactAcrossParserBatches() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 5000; i++) {
            sb.append(i == 2049 || i == 4097 ? "{\"trace_id\":\"x\",\"privacy_mode\":\"metadata\",\"observed\":{}}"
                    : trace("t" + i, i * 10L, 2000, 1000, null)).append(i % 2 == 0 ? "\r\n" : "\n");
        }
        JsonNode r = cli("diagnose", file("many.jsonl", sb.toString()).toString(), "--json").json();
        assertThat(r.path("lines_scored").asLong()).isEqualTo(4998);
        assertThat(r.path("errors").findValuesAsText("line")).containsExactly("2049", "4097");
        assertThat(r.path("errors").get(0).path("error").asText()).isEqualTo("observed.input_tokens: required non-negative integer");
        assertThat(r.at("/waterfall/candidate_reuse_tokens/tokens").asLong()).isEqualTo(4998L * 1000);
    }

    @Test
    void linesAcrossReadChunksAnOverlongLineAndALastLineWithoutNewlineAreEachHandled() throws Exception {
        // Past the 1 MiB read chunk: good lines until then (one of them straddles the chunk edge),
        // a line over the 1 MiB limit (itself across chunks), and a last good line with no newline.
        StringBuilder sb = new StringBuilder();
        int good = 0;
        while (sb.length() < (1 << 20) + 4096) {
            sb.append(trace("t" + good, good * 10L, 2000, 1000, null)).append('\n');
            good++;
        }
        assertThat(sb.charAt((1 << 20) - 1)).as("a line straddles the first chunk's edge").isNotEqualTo('\n');
        sb.append("{\"trace_id\":\"").append("x".repeat((1 << 20) + 1)).append("\"}\n");
        sb.append(trace("last", good * 10L, 2000, 1000, null));
        JsonNode r = cli("diagnose", file("big.jsonl", sb.toString()).toString(), "--json").json();
        assertThat(r.path("lines_scored").asLong()).isEqualTo(good + 1);
        assertThat(r.path("lines_rejected").asLong()).isEqualTo(1);
        assertThat(r.path("errors").get(0).path("line").asLong()).isEqualTo(good + 1);
        assertThat(r.path("errors").get(0).path("error").asText()).isEqualTo("line longer than 1048576 bytes");
        assertThat(r.at("/waterfall/candidate_reuse_tokens/tokens").asLong()).isEqualTo((good + 1) * 1000L);
    }

    @Test
    void emptyInputAllBadLinesAndMissingFilesExitWithTwo() throws Exception {
        Run empty = cli("diagnose", file("empty.jsonl", "").toString());
        assertThat(empty.exit()).isEqualTo(2);
        assertThat(empty.err()).contains("no trace could be scored").contains("holds no trace lines");
        Run bad = cli("score", file("bad.jsonl", "nope\n{\"trace_id\":1}\n").toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("all 2 lines were rejected").contains("line 1: not JSON").contains("line 2: trace_id: must be a string");
        assertThat(cli("diagnose", dir.resolve("missing.jsonl").toString()).exit()).isEqualTo(2);
        assertThat(cli("diagnose").exit()).as("no file: usage error").isEqualTo(2);
        assertThat(cli("diagnose", "x", "--reuse-window-ms", "0").exit()).isEqualTo(2);
        Run help = cli("diagnose", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("Usage: zumik diagnose").contains("--reuse-window-ms").contains("Exit codes");
        assertThat(cli("score", "--help").out()).contains("Usage: zumik score");
        assertThat(cli("lint", "--help").out()).contains("Usage: zumik lint");
    }

    @Test
    void theWindowAndMinimumAreOptions() throws Exception {
        String marks = "\"prefix\":[{\"tokens\":600,\"fingerprint\":\"00000000000000aa\"},{\"tokens\":700,\"fingerprint\":\"%s\"}]";
        Path f = file("m.jsonl", "{\"trace_id\":\"1\",\"privacy_mode\":\"metadata\",\"prefix_family_id\":\"pf_00000000000000aa\","
                + "\"schedule\":{\"arrival_offset_ms\":0}," + marks.formatted("00000000000000bb") + ",\"observed\":{\"input_tokens\":700}}\n"
                + "{\"trace_id\":\"2\",\"privacy_mode\":\"metadata\",\"prefix_family_id\":\"pf_00000000000000aa\","
                + "\"schedule\":{\"arrival_offset_ms\":1000}," + marks.formatted("00000000000000cc") + ",\"observed\":{\"input_tokens\":700}}\n");
        assertThat(cli("diagnose", f.toString(), "--json").json().at("/waterfall/candidate_reuse_tokens/tokens").asLong()).isZero();
        assertThat(cli("diagnose", f.toString(), "--json", "--min-prefix-tokens", "512").json()
                .at("/waterfall/candidate_reuse_tokens/tokens").asLong()).isEqualTo(600);
        assertThat(cli("diagnose", f.toString(), "--json", "--min-prefix-tokens", "512", "--reuse-window-ms", "999").json()
                .at("/waterfall/candidate_reuse_tokens/tokens").asLong()).isZero();
    }

    static final String POLICY = "You are a careful coding assistant. Follow the repository conventions exactly. ".repeat(60);

    @Test
    void lintPassesAWellLaidOutPrompt() throws Exception {
        Path f = file("good.json", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":\"" + POLICY + "\"},"
                + "{\"role\":\"user\",\"content\":\"fix the bug\"},{\"role\":\"assistant\",\"content\":\"done\"},"
                + "{\"role\":\"user\",\"content\":\"today is 2026-12-07, request 123e4567-e89b-12d3-a456-426614174000: now the tests\"}]}");
        Run r = cli("lint", f.toString(), "--json");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        JsonNode j = r.json();
        assertThat(j.path("score").asInt()).isEqualTo(100);
        assertThat(j.path("findings")).isEmpty();
        assertThat(j.path("blocks").findValuesAsText("kind")).containsExactly("policy", "history", "history", "latest_input");
        assertThat(j.path("stable_prefix_tokens").asLong()).isGreaterThanOrEqualTo(1024);
        assertThat(cli("lint", f.toString()).out()).contains("Prompt layout score: 100 / 100").contains("No findings.");
    }

    @Test
    void lintFlagsEachRuleWithItsPenaltyAndExitsOneOnHigh() throws Exception {
        Path f = file("bad.json", "{\"model\":\"gpt-4o\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"run\","
                + "\"parameters\":{\"type\":\"object\"}}}],\"messages\":["
                + "{\"role\":\"system\",\"content\":\"Current date: 2026-12-07T10:00:00Z. Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"developer\",\"content\":\"Answer in French.\"},"
                + "{\"role\":\"assistant\",\"content\":\"Bonjour\"}]}");
        Run r = cli("lint", f.toString(), "--json");
        assertThat(r.exit()).isEqualTo(1);
        JsonNode j = r.json();
        // 100 − 30 (volatile) − 15 (ordering) − 5 (latest turn not last) − 5 (prefix below 1,024) = 45
        assertThat(j.path("score").asInt()).isEqualTo(45);
        assertThat(j.path("findings").findValuesAsText("rule")).containsExactly("volatile_in_stable_prefix", "ordering_regression",
                "latest_turn_not_last", "stable_prefix_below_cache_minimum");
        JsonNode high = j.path("findings").get(0);
        assertThat(high.path("severity").asText()).isEqualTo("HIGH");
        assertThat(high.path("penalty").asInt()).isEqualTo(30);
        assertThat(high.path("block").asInt()).isEqualTo(1);
        assertThat(high.path("param").asText()).isEqualTo("messages[0]");
        assertThat(high.path("match_kind").asText()).isEqualTo("timestamp");
        assertThat(high.path("excerpt").asText()).isEqualTo("2026-12-07T10:00:00Z");
        JsonNode order = j.path("findings").get(1);
        assertThat(order.path("severity").asText()).isEqualTo("MEDIUM");
        assertThat(order.path("param").asText()).isEqualTo("messages[2]");
        assertThat(j.path("findings").get(2).path("param").asText()).isEqualTo("messages[1]");
        assertThat(j.path("findings").get(3).path("severity").asText()).isEqualTo("LOW");
        assertThat(cli("lint", f.toString()).out()).contains("HIGH   -30 volatile_in_stable_prefix block 1 (messages[0])");
    }

    @Test
    void lintReadsResponsesBodiesAndNamesTheirParameters() throws Exception {
        for (String[] c : new String[][] {
                {"request_id", "Use request_id abc in logs.", "volatile_keyword"},
                {"uuid", "Tenant 123e4567-e89b-12d3-a456-426614174000.", "uuid"},
                {"numeric", "Account 123456789012.", "numeric_id"},
                {"date", "Updated December 7, 2026.", "date"}}) {
            Path f = file(c[0] + ".json", "{\"model\":\"gpt-4o\",\"instructions\":\"" + c[1] + "\",\"input\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            JsonNode j = cli("lint", f.toString(), "--json").json();
            JsonNode high = j.path("findings").get(0);
            assertThat(high.path("rule").asText()).as(c[0]).isEqualTo("volatile_in_stable_prefix");
            assertThat(high.path("match_kind").asText()).as(c[0]).isEqualTo(c[2]);
            assertThat(high.path("param").asText()).isEqualTo("instructions");
        }
        Path clean = file("clean.json", "{\"model\":\"gpt-4o\",\"instructions\":\"Be brief.\",\"input\":\"hi\"}");
        Run r = cli("lint", clean.toString(), "--json");
        assertThat(r.exit()).isZero();
        assertThat(r.json().path("score").asInt()).isEqualTo(95);
        assertThat(r.json().path("blocks").findValuesAsText("param")).containsExactly("instructions", "input[0]");
        // A bare message array is a prompt too.
        assertThat(cli("lint", file("bare.json", "[{\"role\":\"user\",\"content\":\"hi\"}]").toString(), "--json").json()
                .path("score").asInt()).isEqualTo(95);
    }

    @Test
    void lintRejectsWhatIsNotARequestBodyWithTwo() throws Exception {
        Run notPrompt = cli("lint", file("x.json", "{\"foo\":1}").toString());
        assertThat(notPrompt.exit()).isEqualTo(2);
        assertThat(notPrompt.err()).contains("expected 'messages'");
        Run badMessage = cli("lint", file("y.json", "{\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}").toString());
        assertThat(badMessage.exit()).isEqualTo(2);
        assertThat(badMessage.err()).contains("messages[0].role");
        assertThat(cli("lint", file("z.json", "{nope").toString()).exit()).isEqualTo(2);
        assertThat(cli("lint", dir.resolve("none.json").toString()).exit()).isEqualTo(2);
    }
}
