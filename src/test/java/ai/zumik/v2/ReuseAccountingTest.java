package ai.zumik.v2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.metering.UsageTraffic;
import ai.zumik.testing.Script;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reuse accounting end to end: a prefix sent again within the window is a candidate, realized
 * reuse is only ever the provider's own counter, fingerprints are per project and per key, and
 * /v2/usage adds it all up into a waterfall whose invariants hold.
 */
@Timeout(120)
class ReuseAccountingTest extends GatewayFixture {
    /** ~2,000 estimated tokens of stable instructions: above every provider's minimum cacheable prefix. */
    static final String POLICY = "You review Java code for a bank. ".repeat(250);

    static String chat(String system, String user) {
        return "{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":" + Script.quote(system)
                + "},{\"role\":\"user\",\"content\":" + Script.quote(user) + "}]}";
    }

    /** The provider's answer: {@code prompt} input tokens, {@code cached} of them from its cache (null: not reported). */
    static void answer(long prompt, Long cached) {
        openai.enqueue(Script.json("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,"
                + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":1,"
                + "\"total_tokens\":" + (prompt + 1)
                + (cached == null ? "" : ",\"prompt_tokens_details\":{\"cached_tokens\":" + cached + "}") + "}}"));
    }

    static JsonNode reuseOf(String key, String body) {
        var http = gw.post("/v1/chat/completions", body, key);
        JsonNode r = ok(http);
        assertThat(r.has("reuse")).as("/v1 keeps OpenAI's shape").isFalse();
        assertThat(r.at("/usage").toString()).doesNotContain("candidate").doesNotContain("realized");
        JsonNode rec = ok(gw.get("/v2/responses/" + http.headers().firstValue("agent-response-id").orElseThrow(), key));
        return rec.get("reuse");
    }

    static void assertInvariants(JsonNode r) {
        long input = r.get("input_tokens").asLong();
        long eligible = r.get("eligible_reuse_tokens").asLong();
        long candidate = r.get("candidate_reuse_tokens").asLong();
        long realized = r.get("realized_reused_tokens").asLong();
        assertThat(input).isGreaterThanOrEqualTo(eligible);
        assertThat(eligible).isGreaterThanOrEqualTo(candidate);
        assertThat(candidate).isGreaterThanOrEqualTo(realized);
        assertThat(realized).isGreaterThanOrEqualTo(0);
        assertThat(r.get("missed_opportunity_tokens").asLong()).isEqualTo(candidate - realized);
    }

    @Test
    void aRepeatedStablePrefixIsACandidateAndOnlyTheProvidersCounterIsRealized() {
        String key = project("reuse-basic");
        answer(2_020, 0L);
        JsonNode first = reuseOf(key, chat(POLICY, "Review Foo.java"));
        assertInvariants(first);
        assertThat(first.get("candidate_reuse_tokens").asLong()).as("nothing was sent before").isZero();
        assertThat(first.get("eligible_reuse_tokens").asLong()).as("the instructions, scaled to the provider's count")
                .isBetween(1_950L, 2_015L);
        assertThat(first.get("prefix_family_id").asText()).matches("pf_[0-9a-f]{16}");
        assertThat(first.get("reuse_evidence_level").asText()).isEqualTo("provider_reported");
        assertThat(first.get("cache_tier").asText()).isEqualTo("provider");
        assertThat(first.get("reuse_window_ms").asLong()).as("OpenAI's prompt cache TTL from the manifest").isPositive();

        answer(2_020, 1_024L);
        JsonNode second = reuseOf(key, chat(POLICY, "Review Bar.java"));
        assertInvariants(second);
        assertThat(second.get("prefix_family_id")).isEqualTo(first.get("prefix_family_id"));
        assertThat(second.get("candidate_reuse_tokens").asLong()).as("the stable prefix was sent a moment ago")
                .isEqualTo(first.get("eligible_reuse_tokens").asLong());
        assertThat(second.get("realized_reused_tokens").asLong()).as("what the provider said, not the guess").isEqualTo(1_024);
        assertThat(second.get("missed_opportunity_tokens").asLong())
                .isEqualTo(second.get("candidate_reuse_tokens").asLong() - 1_024);
    }

    /** Prompts fingerprinted so far, from {@code /metrics}. */
    static long fingerprinted() {
        return gw.get("/metrics").body().lines().filter(l -> l.startsWith("zumik_reuse_fingerprint_seconds_count "))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(' ') + 1))).findFirst().orElseThrow();
    }

    /**
     * The prompt is fingerprinted while the provider works on it, not between its answer and the
     * client's response: with the answer held back for 3 s, the fingerprint is taken long before it.
     */
    @Test
    void thePromptIsFingerprintedWhileTheProviderWorks() throws Exception {
        String key = project("reuse-early");
        answer(2_020, 0L);
        reuseOf(key, chat(POLICY, "the project's fingerprint key is in place after this"));
        long before = fingerprinted();
        String body = "{\"id\":\"chatcmpl-2\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"gpt-4o-mini\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":2020,\"completion_tokens\":1,\"total_tokens\":2021}}";
        openai.enqueue(new Script.Stream(java.util.Map.of("content-type", "application/json"),
                java.util.List.of(new Script.Delay(3_000), Script.raw(body))));
        var pending = TestGateway.HTTP.sendAsync(java.net.http.HttpRequest.newBuilder(gw.uri("/v1/chat/completions"))
                .header("authorization", "Bearer " + key).header("content-type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(chat(POLICY, "Review Baz.java"))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (fingerprinted() == before && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(fingerprinted()).as("fingerprinted while the answer is held back").isEqualTo(before + 1);
        assertThat(pending).as("the provider has not answered yet").isNotDone();
        JsonNode r = ok(pending.get());
        assertThat(r.at("/usage/prompt_tokens").asLong()).isEqualTo(2_020);
        assertThat(fingerprinted()).as("once per response, not again when the answer is settled").isEqualTo(before + 1);
        JsonNode rec = ok(gw.get("/v2/responses/" + pending.get().headers().firstValue("agent-response-id").orElseThrow(), key));
        assertThat(rec.at("/reuse/candidate_reuse_tokens").asLong()).as("the fingerprints settled the account").isPositive();
    }

    @Test
    void withoutAProviderCounterNothingIsRealizedHoweverLikelyTheHit() {
        String key = project("reuse-no-counter");
        answer(2_020, null);
        reuseOf(key, chat(POLICY, "one"));
        answer(2_020, null);
        JsonNode r = reuseOf(key, chat(POLICY, "two"));
        assertThat(r.get("candidate_reuse_tokens").asLong()).isPositive();
        assertThat(r.get("realized_reused_tokens").asLong()).isZero();
        assertThat(r.get("reuse_evidence_level").asText()).isEqualTo("unknown");
        assertThat(r.get("cache_tier").asText()).isEqualTo("unknown");
        assertInvariants(r);
    }

    @Test
    void aPrefixBelowTheProvidersMinimumIsNeverACandidate() {
        String key = project("reuse-short");
        answer(40, 0L);
        reuseOf(key, chat("Be brief.", "one"));
        answer(40, 0L);
        JsonNode r = reuseOf(key, chat("Be brief.", "two"));
        assertThat(r.get("eligible_reuse_tokens").asLong()).isPositive();
        assertThat(r.get("candidate_reuse_tokens").asLong()).as("1,024 tokens is OpenAI's minimum").isZero();
    }

    @Test
    void fingerprintsArePerProjectAndARotatedKeyLinksToNothingBefore() {
        String a = project("reuse-a");
        String b = project("reuse-b");
        answer(2_020, 0L);
        JsonNode inA = reuseOf(a, chat(POLICY, "x"));
        answer(2_020, 0L);
        JsonNode inB = reuseOf(b, chat(POLICY, "y"));
        assertThat(inB.get("prefix_family_id")).as("the same prompt in another project").isNotEqualTo(inA.get("prefix_family_id"));
        assertThat(inB.get("candidate_reuse_tokens").asLong()).as("another project's prompt is no candidate").isZero();

        JsonNode before = ok(gw.get("/v2/fingerprint-keys", a)).get("data");
        assertThat(before).hasSize(1);
        assertThat(before.get(0).toString()).doesNotContain("sealed").doesNotContain("secret");
        JsonNode rotated = ok(gw.post("/v2/fingerprint-keys/rotate", "", a));
        assertThat(rotated.get("id").asText()).startsWith("fpk_").isNotEqualTo(before.get(0).get("id").asText());
        answer(2_020, 0L);
        JsonNode after = reuseOf(a, chat(POLICY, "z"));
        assertThat(after.get("prefix_family_id")).isNotEqualTo(inA.get("prefix_family_id"));
        assertThat(after.get("candidate_reuse_tokens").asLong()).isZero();
        JsonNode listed = ok(gw.get("/v2/fingerprint-keys", a)).get("data");
        assertThat(listed).hasSize(2);
        assertThat(listed.get(0).get("status").asText()).as(listed.toString()).isEqualTo("active");
        assertThat(listed.get(1).get("status").asText()).isEqualTo("retired");
        assertThat(gw.get("/v2/fingerprint-keys", ok(gw.post("/v2/api-keys", "{\"name\":\"r\",\"scopes\":[\"inference\"]}", a))
                .get("key").asText()).statusCode()).as("admin only").isEqualTo(403);
    }

    @Test
    void keysAreStoredSealed() throws Exception {
        String key = project("reuse-sealed");
        answer(2_020, 0L);
        reuseOf(key, chat(POLICY, "x"));
        try (Connection c = gw.zumik().database().connection();
             PreparedStatement ps = c.prepareStatement("SELECT id, sealed_key FROM fingerprint_keys")) {
            ResultSet rs = ps.executeQuery();
            assertThat(rs.next()).isTrue();
            String sealed = rs.getString(2);
            assertThat(sealed.length()).as("nonce, 32 bytes and a tag, encoded").isGreaterThan(60);
            // It opens only under the master key's fingerprint-keys sealer, bound to its id, and
            // carries none of the key's bytes in the clear.
            byte[] opened = ai.zumik.secrets.MasterKey.load(null, gw.dataDir()).sealer(ai.zumik.reuse.FingerprintKeys.SEAL_PURPOSE)
                    .open(sealed, rs.getString(1));
            assertThat(opened).hasSize(32);
            assertThat(sealed).doesNotContain(java.util.HexFormat.of().formatHex(opened))
                    .doesNotContain(java.util.Base64.getEncoder().withoutPadding().encodeToString(opened))
                    .doesNotContain(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(opened));
        }
    }

    @Test
    void theUsageWaterfallAddsUpPerModelKeyAndFamily() {
        String key = project("reuse-waterfall");
        answer(2_020, 0L);
        reuseOf(key, chat(POLICY, "a"));
        answer(2_020, 1_500L);
        reuseOf(key, chat(POLICY, "b"));
        answer(2_020, null);
        reuseOf(key, chat(POLICY, "c"));
        answer(40, 0L);
        reuseOf(key, chat("Other.", "d"));

        JsonNode reuse = ok(gw.get("/v2/usage", key)).get("reuse");
        JsonNode w = reuse.get("waterfall");
        assertThat(w.get("requests").asLong()).isEqualTo(4);
        assertThat(w.get("input_tokens").asLong()).isEqualTo(3 * 2_020 + 40);
        assertThat(w.get("realized_reused_tokens").asLong()).as("only provider counters").isEqualTo(1_500);
        assertThat(w.get("requests_without_provider_counter").asLong()).isEqualTo(1);
        long eligible = w.get("eligible_reuse_tokens").asLong();
        long candidate = w.get("candidate_reuse_tokens").asLong();
        assertThat(eligible).isGreaterThanOrEqualTo(candidate);
        assertThat(candidate).isGreaterThanOrEqualTo(1_500).isLessThan(2 * 2_020);
        assertThat(w.get("missed_opportunity_tokens").asLong()).isEqualTo(candidate - 1_500);
        assertThat(w.at("/evidence/realized_reused_tokens").asText()).isEqualTo("provider_reported");
        assertThat(w.at("/evidence/candidate_reuse_tokens").asText()).isEqualTo("router_inferred");
        // gpt-4o-mini: $0.15 per million input, $0.075 cached: 1,500 tokens save 112.5 micro-dollars.
        assertThat(w.get("reuse_credit_micros").asLong()).isBetween(112L, 113L);

        assertThat(reuse.get("by_model")).hasSize(1);
        assertThat(reuse.at("/by_model/0/model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(reuse.at("/by_model/0/input_tokens").asLong()).isEqualTo(w.get("input_tokens").asLong());
        assertThat(reuse.get("by_key")).hasSize(1);
        JsonNode families = reuse.get("by_prefix_family");
        assertThat(families).hasSize(2);
        assertThat(families.get(0).get("requests").asLong()).as("the policy's family, largest first").isEqualTo(3);
        assertThat(families.get(1).get("candidate_reuse_tokens").asLong()).isZero();
        assertThat(ok(gw.get("/v2/usage", key)).at("/data/0/reuse/prefix_family_id").asText()).startsWith("pf_");

        // Replay runs and diagnostics read the same accounts as traces ("usage:N").
        String project = ok(gw.get("/v2/billing/account", key)).get("project_id").asText();
        var traces = new UsageTraffic(gw.zumik().database(), () -> { }).lastUsage(project, 10);
        assertThat(traces).hasSize(4);
        assertThat(traces.get(1).prefixFamilyId()).isEqualTo(families.get(0).get("prefix_family_id").asText());
        assertThat(traces.get(1).observed().candidateReuseTokens()).isPositive();
        assertThat(traces.get(1).observed().realizedReusedTokens()).isEqualTo(1_500);
        assertThat(traces.get(2).observed().realizedReusedTokens()).as("no counter: no realized number").isNull();
    }

    @Test
    void aNativeResponseCarriesItsAccountWhenItIsCreated() {
        String key = project("reuse-v2");
        String body = "{\"model\":\"gpt-4o-mini\",\"instructions\":" + Script.quote(POLICY) + ",\"input\":\"one\"}";
        answer(2_020, 0L);
        JsonNode first = ok(gw.post("/v2/responses", body, key)).get("reuse");
        answer(2_020, 2_000L);
        JsonNode created = ok(gw.post("/v2/responses", body.replace("one", "two"), key));
        JsonNode reuse = created.get("reuse");
        assertThat(reuse.get("prefix_family_id")).isEqualTo(first.get("prefix_family_id"));
        assertThat(reuse.get("candidate_reuse_tokens").asLong()).isPositive();
        assertThat(reuse.get("realized_reused_tokens").asLong()).isEqualTo(2_000);
        assertInvariants(reuse);
        assertThat(ok(gw.get("/v2/responses/" + created.get("id").asText(), key)).get("reuse")).as("the stored record says the same")
                .isEqualTo(reuse);
    }

    @Test
    void aWaterfallWithoutProviderCountersClaimsNoMeasurement() {
        String key = project("reuse-empty");
        JsonNode empty = ok(gw.get("/v2/usage", key)).at("/reuse/waterfall");
        assertThat(empty.get("requests").asLong()).isZero();
        assertThat(empty.at("/evidence/realized_reused_tokens").asText()).isEqualTo("unknown");
        answer(2_020, null);
        reuseOf(key, chat(POLICY, "x"));
        assertThat(ok(gw.get("/v2/usage", key)).at("/reuse/waterfall/evidence/realized_reused_tokens").asText()).isEqualTo("unknown");
    }

    @Test
    void aStreamedAnswerIsAccountedToo() {
        String key = project("reuse-stream");
        String body = chat(POLICY, "s").replace("{\"model\"", "{\"stream\":true,\"stream_options\":{\"include_usage\":true},\"model\"");
        var r = gw.post("/v1/chat/completions", body, key);
        assertThat(r.statusCode()).isEqualTo(200);
        String id = r.headers().firstValue("agent-response-id").orElseThrow();
        JsonNode reuse = ok(gw.get("/v2/responses/" + id, key)).get("reuse");
        assertThat(reuse.get("prefix_family_id").asText()).startsWith("pf_");
        assertThat(reuse.get("reuse_evidence_level").asText()).isEqualTo("provider_reported");
        assertInvariants(reuse);
    }
}
