package ai.zumik.v2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.evidence.Jcs;
import ai.zumik.evidence.Jwks;
import ai.zumik.evidence.Verifier;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Replay runs (issue 14, item 4): baseline vs candidate over usage or inline traces. A routing
 * simulation completes in the POST and is deterministic (the same inputs give byte-identical
 * comparisons; a weighted alias splits traces by its weights, each trace's draw fixed by the seed);
 * the other classes complete through the background runner; a scheduled run stays queued and can
 * be canceled; bad input is a 400 naming the parameter; reports are signed and verify through the
 * CLI; another project's run is a 404 and a project purge deletes runs.
 */
@Timeout(120)
class ReplayRunsTest extends GatewayFixture {

    static String project(String name) {
        return ok(gw.post("/v2/projects", "{\"name\":\"" + name + "\"}")).at("/admin_key/key").asText();
    }

    static JsonNode create(String body, String key) {
        return ok(gw.post("/v2/replay-runs", body, key));
    }

    /** {@code n} metadata traces on openai/gpt-4o-mini asking for {@code model}, one a second. */
    static String traces(int n, String model) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("{\"trace_id\":\"t" + i + "\",\"privacy_mode\":\"metadata\",\"request\":{\"model\":\"" + model + "\"},"
                    + "\"schedule\":{\"arrival_offset_ms\":" + (i * 1000) + "},\"observed\":{\"resolved_target\":\"openai/gpt-4o-mini\","
                    + "\"ttft_ms\":200,\"latency_ms\":900,\"input_tokens\":2000,\"realized_reused_tokens\":1024,"
                    + "\"output_tokens\":100,\"attempt_count\":1}}");
        }
        return "[" + String.join(",", out) + "]";
    }

    static JsonNode awaitDone(String id, String key) throws InterruptedException {
        long until = System.nanoTime() + 30_000_000_000L;
        while (true) {
            JsonNode run = ok(gw.get("/v2/replay-runs/" + id, key));
            String s = run.get("status").asText();
            if (s.equals("completed") || s.equals("failed")) return run;
            assertThat(System.nanoTime()).as("run %s finishes; it is %s", id, run).isLessThan(until);
            Thread.sleep(50);
        }
    }

    static JsonNode report(String id, String key) {
        return ok(gw.get("/v2/replay-runs/" + id + "/report", key));
    }

    @Test
    void aRoutingSimulationOverUsageCompletesInlineWithASignedReportTheCliVerifies() throws Exception {
        String key = project("replay-usage");
        for (int i = 0; i < 3; i++) {
            ok(gw.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi " + i
                    + "\"}]}", key));
        }
        JsonNode run = create("{\"replay_class\":\"routing_simulation\",\"baseline\":\"managed\",\"candidate\":\"openai/gpt-4.1-mini\","
                + "\"traffic_manifest_ref\":\"usage:10\"}", key);
        assertThat(run.get("id").asText()).matches("rpl_[0-9a-z]{26}");
        assertThat(run.get("status").asText()).isEqualTo("completed");
        assertThat(run.get("trace_count").asInt()).as("the 3 events there are, not 10").isEqualTo(3);
        assertThat(run.get("traffic_source").asText()).isEqualTo("usage:10");
        assertThat(run.get("seed").asLong()).isEqualTo(20_260_601L);
        assertThat(run.get("verdict").asText()).startsWith("Candidate places 3 of 3 traces on a different target");

        HttpResponse<String> raw = gw.get("/v2/replay-runs/" + run.get("id").asText() + "/report", key);
        JsonNode report = ok(raw);
        assertThat(raw.body()).as("served canonical").isEqualTo(Jcs.text(report));
        assertThat(report.get("object").asText()).isEqualTo("replay_report");
        JsonNode cmp = report.get("comparison");
        assertThat(cmp.at("/results/baseline/targets").toString()).isEqualTo("{\"openai/gpt-4o-mini\":3}");
        assertThat(cmp.at("/results/candidate/targets").toString()).isEqualTo("{\"openai/gpt-4.1-mini\":3}");
        // 11 prompt tokens, 7 completion tokens each: gpt-4o-mini $0.15/$0.60, gpt-4.1-mini $0.40/$1.60 per million.
        assertThat(cmp.at("/results/baseline/cost/total_micros").asLong()).isEqualTo(Math.round(3 * (11 * 0.15 + 7 * 0.60)));
        assertThat(cmp.at("/results/candidate/cost/total_micros").asLong()).isEqualTo(Math.round(3 * (11 * 0.40 + 7 * 1.60)));
        assertThat(cmp.at("/results/baseline/reuse/evidence_level").asText()).as("the provider's own cached counter")
                .isEqualTo("provider_reported");
        assertThat(cmp.at("/results/baseline/latency").isNull()).as("a routing simulation reads no usage latency").isTrue();
        assertThat(cmp.at("/provenance/trace_count").asInt()).isEqualTo(3);
        assertThat(cmp.at("/provenance/price_table_revision").asText()).startsWith("prc_");
        assertThat(cmp.at("/provenance/catalog_revision").asText()).startsWith("cap_");
        assertThat(report.get("comparison_digest").asText())
                .isEqualTo("sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(Jcs.canonicalize(cmp))))
                .isEqualTo(run.get("comparison_digest").asText());

        byte[] bytes = raw.body().getBytes(StandardCharsets.UTF_8);
        String jwks = gw.get("/v2/signing-keys", null).body();
        var keys = Jwks.parse(parse(jwks));
        assertThat(Verifier.verify(bytes, keys).valid()).isTrue();
        byte[] changed = bytes.clone();
        int at = raw.body().indexOf("\"total_micros\":") + "\"total_micros\":".length();
        changed[at] = (byte) (changed[at] == '9' ? '8' : changed[at] + 1);
        assertThat(Verifier.verify(changed, keys).valid()).as("a changed cost").isFalse();

        Path file = Files.createTempFile("replay-report", ".json");
        Path keyFile = Files.createTempFile("keys", ".json");
        Files.write(file, bytes);
        Files.writeString(keyFile, jwks);
        var out = new ByteArrayOutputStream();
        int exit = ai.zumik.cli.Cli.run(new String[] {"verify-receipt", file.toString(), "--keys", keyFile.toString()}, Map.of(),
                new PrintStream(out, true), new PrintStream(new ByteArrayOutputStream(), true));
        assertThat(exit).as(out.toString()).isZero();
        assertThat(out.toString()).startsWith("OK: " + run.get("id").asText() + " (replay_report) signed by sig_");
        Files.write(file, changed);
        out.reset();
        exit = ai.zumik.cli.Cli.run(new String[] {"verify-receipt", file.toString(), "--keys", keyFile.toString()}, Map.of(),
                new PrintStream(out, true), new PrintStream(new ByteArrayOutputStream(), true));
        assertThat(exit).as(out.toString()).isEqualTo(1);
    }

    @Test
    void usageTrafficReadsTheLastNEventsOldestFirstAsMetadataTraces() throws Exception {
        String key = project("replay-traffic");
        String project = ok(gw.get("/v2/billing/account", key)).get("project_id").asText();
        ok(gw.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"one\"}]}", key));
        Thread.sleep(20);
        String second = ok(gw.post("/v1/chat/completions", "{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"two\"}]}", key)).get("id").asText();
        Thread.sleep(20);
        String third = ok(gw.post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"three\",\"qos\":{\"class\":\"interactive\"}}",
                key)).get("id").asText();
        var traffic = new ai.zumik.metering.UsageTraffic(gw.zumik().database(), () -> { });
        long until = System.nanoTime() + 10_000_000_000L;
        List<ai.zumik.traces.TraceEnvelope> traces;
        while ((traces = traffic.lastUsage(project, 2)).size() < 2 || !traces.getLast().traceId().equals(third)) {
            assertThat(System.nanoTime()).as("the meter writes the events").isLessThan(until);
            Thread.sleep(20);
        }
        var older = traces.getFirst();
        var newer = traces.getLast();
        assertThat(older.traceId()).as("the last 2, oldest first").isEqualTo(second.replace("chatcmpl-", ""));
        assertThat(older.privacyMode()).isEqualTo("metadata");
        assertThat(older.request().apiSurface()).isEqualTo("v1_chat_completions");
        assertThat(older.request().model()).isEqualTo("openai/gpt-4o-mini");
        assertThat(older.schedule().arrivalOffsetMs()).isZero();
        assertThat(newer.schedule().arrivalOffsetMs()).isPositive();
        assertThat(older.observed().resolvedTarget()).isEqualTo("openai/gpt-4o-mini");
        assertThat(older.observed().inputTokens()).isEqualTo(11);
        assertThat(older.observed().outputTokens()).isEqualTo(7);
        assertThat(older.observed().realizedReusedTokens()).as("the provider reported 0 cached").isZero();
        assertThat(older.observed().candidateReuseTokens()).isZero();
        assertThat(older.observed().attemptCount()).isEqualTo(1);
        assertThat(older.observed().status()).isEqualTo(200);
        assertThat(older.observed().latencyMs()).isNotNull();
        assertThat(newer.request().apiSurface()).isEqualTo("v2_responses");
        assertThat(newer.request().qosClass()).isEqualTo("interactive");
        assertThat(newer.request().deadlineMs()).as("usage keeps no deadline").isNull();
        assertThat(traffic.observedLatency(project, "openai", "gpt-4o-mini").orElseThrow().samples()).isEqualTo(3);
        assertThat(traffic.observedLatency(project, "anthropic", "claude-haiku-4-5")).isEmpty();
    }

    @Test
    void theSameRunTwiceHasByteIdenticalComparisonsAndAnotherSeedDrawsOtherwise() {
        String key = project("replay-determinism");
        String body = "{\"replay_class\":\"routing_simulation\",\"baseline\":\"auto\",\"candidate\":\"managed\",\"seed\":7,"
                + "\"traces\":" + traces(50, "auto.balanced") + "}";
        JsonNode first = report(create(body, key).get("id").asText(), key);
        JsonNode second = report(create(body, key).get("id").asText(), key);
        assertThat(first.get("id")).isNotEqualTo(second.get("id"));
        assertThat(Jcs.text(second.get("comparison"))).isEqualTo(Jcs.text(first.get("comparison")));
        assertThat(second.get("comparison_digest")).isEqualTo(first.get("comparison_digest"));
        assertThat(first.at("/comparison/results/baseline/targets").size()).as("the auto alias spreads over its three targets")
                .isEqualTo(3);
        assertThat(first.at("/comparison/provenance/alias_release_ids").size()).as("auto's and auto.balanced's releases").isEqualTo(2);

        JsonNode reseeded = report(create(body.replace("\"seed\":7", "\"seed\":8"), key).get("id").asText(), key);
        assertThat(reseeded.at("/comparison/results/baseline/targets"))
                .isNotEqualTo(first.at("/comparison/results/baseline/targets"));
    }

    @Test
    void aWeightedAliasSplitsTracesByItsWeightsAndEachTracesDrawIsFixedBySeedAndTraceId() {
        String key = project("replay-weights");
        String release = ok(gw.post("/v2/model-aliases/replay.split/releases", "{\"targets\":[{\"provider\":\"openai\","
                + "\"model\":\"gpt-4o-mini\",\"weight\":3},{\"provider\":\"anthropic\",\"model\":\"claude-haiku-4-5\",\"weight\":1}]}",
                key)).get("id").asText();
        String traces = traces(400, "replay.split");
        for (long seed = 1; seed <= 4; seed++) {
            JsonNode cmp = report(create("{\"replay_class\":\"routing_simulation\",\"baseline\":\"replay.split\","
                    + "\"candidate\":\"managed\",\"seed\":" + seed + ",\"traces\":" + traces + "}", key).get("id").asText(), key)
                    .get("comparison");
            long openai = cmp.at("/results/baseline/targets/openai~1gpt-4o-mini").asLong();
            long anthropic = cmp.at("/results/baseline/targets/anthropic~1claude-haiku-4-5").asLong();
            assertThat(openai + anthropic).isEqualTo(400);
            assertThat(openai).as("weight 3 of 4, seed %d", seed).isBetween(260L, 340L);
            assertThat(cmp.at("/provenance/alias_release_ids").toString()).isEqualTo("[\"" + release + "\"]");
            // managed resolves each trace's model through the same pinned release with the same key: the same draw.
            assertThat(cmp.at("/delta/traces_placed_differently").asLong()).isZero();
            assertThat(cmp.at("/results/candidate/targets")).isEqualTo(cmp.at("/results/baseline/targets"));
        }
    }

    @Test
    void badInputIsA400NamingTheParameter() {
        String key = project("replay-bad");
        String ok = "\"replay_class\":\"routing_simulation\",\"baseline\":\"managed\",\"candidate\":\"openai/gpt-4o\"";
        String one = traces(1, "gpt-4o-mini");
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{\"replay_class\":\"routing_simulation\",\"candidate\":\"managed\",\"traces\":" + one + "}", "baseline");
        cases.put("{\"replay_class\":\"routing_simulation\",\"baseline\":\"nope.alias\",\"candidate\":\"managed\",\"traces\":" + one + "}",
                "baseline");
        cases.put("{\"replay_class\":\"routing_simulation\",\"baseline\":\"managed\",\"candidate\":\"openai/no-such-model\",\"traces\":"
                + one + "}", "candidate");
        cases.put("{\"replay_class\":\"routing_simulation\",\"baseline\":\"managed\",\"candidate\":\"byoc\",\"traces\":" + one + "}",
                "candidate");
        cases.put("{\"replay_class\":\"prompt_ordering\",\"baseline\":\"managed\",\"candidate\":\"managed\",\"traces\":" + one + "}",
                "replay_class");
        cases.put("{\"baseline\":\"managed\",\"candidate\":\"managed\",\"traces\":" + one + "}", "replay_class");
        cases.put("{" + ok + "}", "traces");
        cases.put("{" + ok + ",\"traces\":" + one + ",\"traffic_manifest_ref\":\"usage:5\"}", "traffic_manifest_ref");
        cases.put("{" + ok + ",\"traffic_manifest_ref\":\"usage:ten\"}", "traffic_manifest_ref");
        cases.put("{" + ok + ",\"traffic_manifest_ref\":\"usage:0\"}", "traffic_manifest_ref");
        cases.put("{" + ok + ",\"traffic_manifest_ref\":\"usage:5\"}", "traffic_manifest_ref"); // no usage in a new project
        cases.put("{" + ok + ",\"traces\":[]}", "traces");
        cases.put("{" + ok + ",\"traces\":[" + one.substring(1, one.length() - 1) + ",42]}", "traces[1]");
        cases.put("{" + ok + ",\"traces\":[{\"trace_id\":\"x\",\"privacy_mode\":\"metadata\",\"observed\":{}}]}",
                "traces[0].observed.input_tokens");
        cases.put("{" + ok + ",\"traces\":[{\"trace_id\":\"x\",\"privacy_mode\":\"plain\",\"observed\":{\"input_tokens\":1}}]}",
                "traces[0].privacy_mode");
        cases.put("{" + ok + ",\"traces\":" + one + ",\"seed\":-1}", "seed");
        cases.put("{" + ok + ",\"traces\":" + one + ",\"seed\":9007199254740992}", "seed");
        cases.put("{" + ok + ",\"traces\":" + one + ",\"scheduled_for\":\"tomorrow\"}", "scheduled_for");
        cases.put("{" + ok + ",\"traces\":" + one + ",\"scheduled_for\":true}", "scheduled_for");
        cases.put("{" + ok + ",\"traces\":" + one + ",\"messages\":[]}", "messages");
        List<String> failures = new ArrayList<>();
        cases.forEach((body, param) -> {
            HttpResponse<String> r = gw.post("/v2/replay-runs", body, key);
            if (r.statusCode() != 400 || !param.equals(parse(r.body()).at("/error/param").asText())) {
                failures.add(param + " <- " + body.substring(0, Math.min(body.length(), 160)) + " -> " + r.statusCode() + " " + r.body());
            }
        });
        assertThat(failures).isEmpty();

        JsonNode fidelity = error(gw.post("/v2/replay-runs", "{\"replay_class\":\"full_fidelity_evaluation\",\"baseline\":\"managed\","
                + "\"candidate\":\"managed\",\"traces\":" + one + "}", key), 400);
        assertThat(fidelity.get("param").asText()).isEqualTo("replay_class");
        assertThat(fidelity.get("message").asText()).contains("encrypted_full_fidelity").contains("does not store");
        JsonNode unknown = error(gw.post("/v2/replay-runs", "{\"replay_class\":\"nope\",\"baseline\":\"managed\","
                + "\"candidate\":\"managed\",\"traces\":" + one + "}", key), 400);
        assertThat(unknown.get("code").asText()).isEqualTo("invalid_value");
        assertThat(gw.get("/v2/replay-runs/rpl_01aaaaaaaaaaaaaaaaaaaaaaaa", key).statusCode()).isEqualTo(404);
    }

    @Test
    void moreThan5000TracesIsTooMany() {
        String key = project("replay-cap");
        StringBuilder many = new StringBuilder("[");
        for (int i = 0; i <= 5000; i++) {
            if (i > 0) many.append(',');
            many.append("{\"trace_id\":\"").append(i).append("\",\"privacy_mode\":\"metadata\",\"observed\":{\"input_tokens\":1}}");
        }
        String common = "\"replay_class\":\"routing_simulation\",\"baseline\":\"managed\",\"candidate\":\"openai/gpt-4o\"";
        JsonNode e = error(gw.post("/v2/replay-runs", "{" + common + ",\"traces\":" + many + "]}", key), 400);
        assertThat(e.get("code").asText()).isEqualTo("too_many_traces");
        assertThat(e.get("param").asText()).isEqualTo("traces");
        e = error(gw.post("/v2/replay-runs", "{" + common + ",\"traffic_manifest_ref\":\"usage:5001\"}", key), 400);
        assertThat(e.get("code").asText()).isEqualTo("too_many_traces");
        assertThat(e.get("param").asText()).isEqualTo("traffic_manifest_ref");
        String exactly = many.substring(0, many.lastIndexOf(",{")) + "]";
        assertThat(create("{" + common + ",\"traces\":" + exactly + "}", key).get("trace_count").asInt()).isEqualTo(5000);
    }

    @Test
    void aScheduledRunStaysQueuedUntilCanceledAndOnlyAQueuedRunCanBeCanceled() throws Exception {
        String key = project("replay-schedule");
        long inAnHour = System.currentTimeMillis() / 1000 + 3600;
        JsonNode run = create("{\"replay_class\":\"routing_simulation\",\"baseline\":\"managed\",\"candidate\":\"openai/gpt-4o\","
                + "\"scheduled_for\":" + inAnHour + ",\"traces\":" + traces(2, "gpt-4o-mini") + "}", key);
        String id = run.get("id").asText();
        assertThat(run.get("status").asText()).isEqualTo("queued");
        assertThat(run.get("scheduled_for").asText()).isEqualTo(java.time.Instant.ofEpochSecond(inAnHour).toString());
        Thread.sleep(1_500); // more than a runner tick
        assertThat(ok(gw.get("/v2/replay-runs/" + id, key)).get("status").asText()).isEqualTo("queued");
        assertThat(error(gw.get("/v2/replay-runs/" + id + "/report", key), 404).get("message").asText()).contains("queued");
        JsonNode canceled = ok(gw.post("/v2/replay-runs/" + id + "/cancel", "", key));
        assertThat(canceled.get("status").asText()).isEqualTo("canceled");
        assertThat(canceled.get("canceled_at").isNull()).isFalse();
        assertThat(ok(gw.post("/v2/replay-runs/" + id + "/cancel", "", key)).get("status").asText()).isEqualTo("canceled");
        assertThat(ok(gw.get("/v2/replay-runs/" + id, key)).get("status").asText()).isEqualTo("canceled");

        String done = create("{\"replay_class\":\"routing_simulation\",\"baseline\":\"managed\",\"candidate\":\"openai/gpt-4o\","
                + "\"traces\":" + traces(2, "gpt-4o-mini") + "}", key).get("id").asText();
        JsonNode conflict = error(gw.post("/v2/replay-runs/" + done + "/cancel", "", key), 409);
        assertThat(conflict.get("code").asText()).isEqualTo("replay_run_not_cancelable");
        String other = project("replay-stranger");
        assertThat(gw.get("/v2/replay-runs/" + id, other).statusCode()).as("another project's run").isEqualTo(404);
        assertThat(gw.post("/v2/replay-runs/" + id + "/cancel", "", other).statusCode()).isEqualTo(404);
    }

    @Test
    void aProviderComparisonRunsInTheBackgroundWithEachFigureLabelledByItsEvidence() throws Exception {
        String key = project("replay-compare");
        for (int i = 0; i < 4; i++) {
            ok(gw.post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"q" + i
                    + "\"}]}", key));
        }
        JsonNode run = create("{\"replay_class\":\"provider_comparison\",\"baseline\":\"managed\","
                + "\"candidate\":\"anthropic/claude-haiku-4-5@20251001\",\"traffic_manifest_ref\":\"usage:4\"}", key);
        assertThat(run.get("status").asText()).as("handed to the runner").isIn("queued", "running");
        JsonNode done = awaitDone(run.get("id").asText(), key);
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("completed");
        assertThat(done.get("started_at").isNull()).isFalse();
        JsonNode cmp = report(run.get("id").asText(), key).get("comparison");
        JsonNode base = cmp.at("/results/baseline");
        JsonNode cand = cmp.at("/results/candidate");
        assertThat(base.at("/latency/evidence_level").asText()).as("its own timings").isEqualTo("provider_reported");
        assertThat(base.at("/latency/evidence/provider_reported").asInt()).isEqualTo(4);
        assertThat(base.at("/latency/latency_p50_ms").isNumber()).isTrue();
        assertThat(cand.at("/targets/anthropic~1claude-haiku-4-5@20251001").asInt()).isEqualTo(4);
        assertThat(cand.at("/latency/evidence_level").asText()).as("the project never used it").isEqualTo("unknown");
        assertThat(cand.at("/latency/latency_p50_ms").isNull()).isTrue();
        assertThat(cand.at("/reuse/evidence_level").asText()).isEqualTo("trace_estimated");
        assertThat(cand.at("/cost/total_micros").asLong()).isGreaterThan(base.at("/cost/total_micros").asLong());
        assertThat(cmp.get("verdict").asText()).contains("higher than baseline");
    }

    @Test
    void aCacheRetentionExperimentReplaysEachTargetsTtlOverTheArrivalTimes() throws Exception {
        String key = project("replay-retention");
        // One prefix family, 2,000 reusable tokens, arriving at 0 s, 400 s and 1,100 s: OpenAI keeps a prefix 600 s,
        // Anthropic 300 s. OpenAI hits at 400 s (miss at 1,100 s: 700 s later); Anthropic never hits.
        StringBuilder t = new StringBuilder("[");
        long[] at = {0, 400_000, 1_100_000};
        for (int i = 0; i < at.length; i++) {
            if (i > 0) t.append(',');
            t.append("{\"trace_id\":\"r").append(i).append("\",\"privacy_mode\":\"metadata\",\"prefix_family_id\":\"pf_repo\",")
                    .append("\"schedule\":{\"arrival_offset_ms\":").append(at[i]).append("},\"observed\":{\"input_tokens\":3000,")
                    .append("\"candidate_reuse_tokens\":2000,\"output_tokens\":10}}");
        }
        t.append(']');
        JsonNode run = create("{\"replay_class\":\"cache_retention_experiment\",\"baseline\":\"openai/gpt-4o-mini\","
                + "\"candidate\":\"anthropic/claude-haiku-4-5\",\"traces\":" + t + "}", key);
        assertThat(awaitDone(run.get("id").asText(), key).get("status").asText()).isEqualTo("completed");
        JsonNode cmp = report(run.get("id").asText(), key).get("comparison");
        assertThat(cmp.at("/results/baseline/reuse/retention/cache_hits").asInt()).isEqualTo(1);
        assertThat(cmp.at("/results/baseline/reuse/realized_reused_tokens").asLong()).isEqualTo(2000);
        assertThat(cmp.at("/results/baseline/reuse/capture_ratio").asDouble()).isEqualTo(0.3333);
        assertThat(cmp.at("/results/candidate/reuse/retention/cache_hits").asInt()).isZero();
        assertThat(cmp.at("/results/candidate/reuse/retention/cache_misses").asInt()).isEqualTo(3);
        assertThat(cmp.at("/results/candidate/reuse/evidence_level").asText()).isEqualTo("trace_estimated");
        assertThat(cmp.get("verdict").asText()).startsWith("Candidate's caches would serve 0.0% of reusable input tokens against 33.3%");
    }

    @Test
    void aQosValidationChecksDeadlinesAndReferenceTtftPerClass() throws Exception {
        String key = project("replay-qos");
        String t = "[{\"trace_id\":\"q1\",\"privacy_mode\":\"metadata\",\"request\":{\"qos_class\":\"interactive\",\"deadline_ms\":1000},"
                + "\"observed\":{\"resolved_target\":\"openai/gpt-4o-mini\",\"ttft_ms\":800,\"latency_ms\":900,\"input_tokens\":10}},"
                + "{\"trace_id\":\"q2\",\"privacy_mode\":\"metadata\",\"request\":{\"qos_class\":\"interactive\",\"deadline_ms\":1000},"
                + "\"observed\":{\"resolved_target\":\"openai/gpt-4o-mini\",\"ttft_ms\":1500,\"latency_ms\":2500,\"input_tokens\":10}},"
                + "{\"trace_id\":\"q3\",\"privacy_mode\":\"metadata\",\"request\":{\"qos_class\":\"batch\"},"
                + "\"observed\":{\"resolved_target\":\"openai/gpt-4o-mini\",\"ttft_ms\":5000,\"latency_ms\":9000,\"input_tokens\":10}}]";
        JsonNode run = create("{\"replay_class\":\"qos_validation\",\"baseline\":\"openai/gpt-4o-mini\",\"candidate\":\"managed\","
                + "\"traces\":" + t + "}", key);
        assertThat(awaitDone(run.get("id").asText(), key).get("status").asText()).isEqualTo("completed");
        JsonNode cmp = report(run.get("id").asText(), key).get("comparison");
        JsonNode interactive = cmp.at("/results/baseline/qos/by_class/interactive");
        assertThat(interactive.get("deadlines_evaluated").asInt()).isEqualTo(2);
        assertThat(interactive.get("deadlines_met").asInt()).isEqualTo(1);
        assertThat(interactive.get("ttft_target_ms").asInt()).isEqualTo(1000);
        assertThat(interactive.get("ttft_met").asInt()).isEqualTo(1);
        assertThat(interactive.get("attainment").asDouble()).isEqualTo(0.5);
        assertThat(cmp.at("/results/baseline/qos/by_class/batch/ttft_met").asInt()).isEqualTo(1);
        assertThat(cmp.at("/results/baseline/qos/attainment").asDouble()).as("3 of 5 checks").isEqualTo(0.6);
        assertThat(cmp.at("/provenance/qos_reference_ttft_ms/interactive").asInt()).isEqualTo(1000);
        // managed without a requested model stays on the observed target: the same figures.
        assertThat(cmp.at("/results/candidate/qos")).isEqualTo(cmp.at("/results/baseline/qos"));
    }

    @Test
    void aProjectPurgeDeletesItsReplayRuns() {
        String key = project("replay-purge");
        String id = create("{\"replay_class\":\"routing_simulation\",\"baseline\":\"managed\",\"candidate\":\"openai/gpt-4o\","
                + "\"traces\":" + traces(1, "gpt-4o-mini") + "}", key).get("id").asText();
        String job = ok(gw.post("/v2/purge-jobs", "{\"scope\":\"project\"}", key)).get("id").asText();
        JsonNode receipt = ok(gw.get("/v2/purge-jobs/" + job + "/receipt", key));
        assertThat(receipt.at("/deleted/replay_runs").asLong()).isEqualTo(1);
        assertThat(gw.get("/v2/replay-runs/" + id, key).statusCode()).isEqualTo(404);
    }
}
