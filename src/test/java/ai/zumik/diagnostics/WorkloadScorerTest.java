package ai.zumik.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.zumik.json.Json;
import ai.zumik.traces.TraceEnvelope;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Workload Reuse Score on fixtures whose every number is computed by hand in the comments. */
class WorkloadScorerTest {

    /** A trace builder: only what a test sets is in the JSON. */
    static final class T {
        final ObjectNode n = Json.object();
        final ObjectNode o;

        T(String id, long input) {
            n.put("trace_id", id).put("privacy_mode", "metadata");
            o = n.putObject("observed");
            o.put("input_tokens", input).put("attempt_count", 1);
        }

        T family(String f) {
            n.put("prefix_family_id", f);
            return this;
        }

        T at(long ms) {
            schedule().put("arrival_offset_ms", ms);
            return this;
        }

        T session(String s) {
            schedule().put("session_id", s);
            return this;
        }

        ObjectNode schedule() {
            return n.has("schedule") ? (ObjectNode) n.get("schedule") : n.putObject("schedule");
        }

        T eligible(long v) {
            o.put("eligible_reuse_tokens", v);
            return this;
        }

        T candidate(long v) {
            o.put("candidate_reuse_tokens", v);
            return this;
        }

        T realized(long v) {
            o.put("realized_reused_tokens", v);
            return this;
        }

        T timing(long ttft, long latency) {
            o.put("ttft_ms", ttft).put("latency_ms", latency);
            return this;
        }

        T qos(String c) {
            n.putObject("request").put("api_surface", "v1_chat_completions").put("qos_class", c);
            return this;
        }

        /** Marks as (tokens, fingerprint) pairs. */
        T marks(Object... pairs) {
            ArrayNode a = n.putArray("prefix");
            for (int i = 0; i < pairs.length; i += 2) a.addObject().put("tokens", (Integer) pairs[i]).put("fingerprint", (String) pairs[i + 1]);
            return this;
        }

        TraceEnvelope envelope() {
            return TraceEnvelope.fromJson(n);
        }
    }

    static ObjectNode score(T... traces) {
        return score(ScoringOptions.DEFAULTS, traces);
    }

    static ObjectNode score(ScoringOptions options, T... traces) {
        WorkloadScorer s = new WorkloadScorer(options);
        for (T t : traces) s.accept(t.envelope());
        return s.report();
    }

    static double component(JsonNode r, String name) {
        return r.path("components").path(name).path("value").asDouble();
    }

    static long stage(JsonNode r, String name) {
        return r.path("waterfall").path(name).path("tokens").asLong();
    }

    @Test
    void everyComponentMatchesItsFormulaOnAHandComputedWorkload() {
        ObjectNode r = score(
                new T("a", 1000).family("pf_a").at(0).session("s1").eligible(800).candidate(0).realized(0).timing(250, 1000),
                new T("b", 1000).family("pf_a").at(60_000).session("s1").eligible(800).candidate(600).realized(300).timing(100, 1000),
                // 400 s after b: beyond the 5-minute window; background, so its ttft does not count (its latency does).
                new T("c", 2000).family("pf_a").at(460_000).session("s2").eligible(1500).candidate(1200).timing(300, 500).qos("background"),
                new T("d", 1000).family("pf_b").at(470_000).eligible(0).candidate(0).realized(0));
        // Σinput 5000, Σcandidate 1800, Σeligible 3100, Σrealized 300 (c has no counter: 0).
        assertThat(component(r, "opportunity_ratio")).isEqualTo(0.36);      // 1800 / 5000
        assertThat(component(r, "recurrence_score")).isEqualTo(0.5);        // b and c repeat pf_a: 2 / 4
        assertThat(component(r, "retention_locality")).isEqualTo(0.5);      // b within 5 min, c not: 1 / 2
        assertThat(component(r, "ttft_sensitivity")).isEqualTo(0.14);       // (250 + 100 + 0) / (1000 + 1000 + 500)
        assertThat(component(r, "session_continuity")).isEqualTo(0.25);     // b continues s1: 1 / 4
        assertThat(component(r, "payload_redundancy")).isEqualTo(0.62);     // 3100 / 5000
        // 100 × (0.35·0.36 + 0.20·0.5 + 0.15·0.5 + 0.15·0.14 + 0.10·0.25 + 0.05·0.62) = 37.8
        assertThat(r.path("wrs").asInt()).isEqualTo(38);
        assertThat(r.path("band").asText()).isEqualTo("limited");
        assertThat(r.path("recommended_action").asText()).isEqualTo("improve prompt construction first");
        assertThat(r.at("/components/opportunity_ratio/points").asDouble()).isCloseTo(12.6, within(1e-9));
        assertThat(r.at("/components/opportunity_ratio/weight").asDouble()).isEqualTo(0.35);

        assertThat(stage(r, "total_input_tokens")).isEqualTo(5000);
        assertThat(stage(r, "eligible_reuse_tokens")).isEqualTo(3100);
        assertThat(stage(r, "candidate_reuse_tokens")).isEqualTo(1800);
        assertThat(stage(r, "realized_reused_tokens")).isEqualTo(300);
        assertThat(stage(r, "missed_opportunity_tokens")).isEqualTo(1500);
        assertThat(r.at("/waterfall/realized_reused_tokens/evidence").asText()).isEqualTo("provider_reported");
        assertThat(r.at("/waterfall/candidate_reuse_tokens/evidence").asText()).isEqualTo("trace_estimated");
        assertThat(r.at("/waterfall/reuse_capture_rate").asDouble()).isEqualTo(0.1667);
        assertThat(r.at("/waterfall/traces_with_provider_counter").asLong()).isEqualTo(3);

        // Killers, most tokens first: pf_a captured 300 of 1800 (missed 1500, 3 traces); c arrived after the TTL
        // (its 1500 eligible tokens, 1 trace); a and d had no candidate and under 1,024 reusable tokens (800 + 0);
        // pf_b never recurred (0 eligible).
        List<String> kinds = new ArrayList<>();
        r.path("reuse_killers").forEach(k -> kinds.add(k.path("kind").asText() + ":" + k.path("traces").asLong() + ":" + k.path("tokens").asLong()));
        assertThat(kinds).containsExactly("missed_capture:3:1500", "arrival_gap_beyond_ttl:1:1500", "prefix_below_minimum:2:800",
                "fingerprint_never_recurs:1:0");
        JsonNode pfA = r.path("prefix_families").get(0);
        assertThat(pfA.path("prefix_family_id").asText()).isEqualTo("pf_a");
        assertThat(pfA.path("traces").asLong()).isEqualTo(3);
        assertThat(pfA.path("candidate_reuse_tokens").asLong()).isEqualTo(1800);
        assertThat(pfA.path("realized_reused_tokens").asLong()).isEqualTo(300);
        assertThat(pfA.path("gaps_beyond_window").asLong()).isEqualTo(1);
        assertThat(r.path("prefix_families_total").asLong()).isEqualTo(2);
    }

    @Test
    void aRepeatExactlyOneWindowAfterItsFamilyIsWithinItAndOneMillisecondMoreIsNot() {
        // The window's edge is inclusive, as in the gateway's PrefixWindow.
        ScoringOptions options = new ScoringOptions(1_000, 1024);
        ObjectNode r = score(options,
                new T("a", 1000).family("pf_a").at(0),
                new T("b", 1000).family("pf_a").at(1_000),
                new T("c", 1000).family("pf_a").at(2_001));
        assertThat(component(r, "retention_locality")).isEqualTo(0.5);
        assertThat(r.path("prefix_families").get(0).path("gaps_beyond_window").asLong()).isEqualTo(1);
    }

    @Test
    void withoutAProviderCounterRealizedIsZeroWithEvidenceUnknownNeverGuessed() {
        ObjectNode r = score(new T("a", 4000).family("pf_a").at(0).eligible(3000).candidate(0),
                new T("b", 4000).family("pf_a").at(1000).eligible(3000).candidate(3000));
        assertThat(stage(r, "realized_reused_tokens")).isZero();
        assertThat(r.at("/waterfall/realized_reused_tokens/evidence").asText()).isEqualTo("unknown");
        assertThat(r.at("/waterfall/reuse_capture_rate").isNull()).isTrue();
        assertThat(stage(r, "missed_opportunity_tokens")).isEqualTo(3000);
        assertThat(r.path("prefix_families").get(0).path("realized_reused_tokens").isNull()).isTrue();
        // No counter: a family cannot be a missed capture (nothing says the provider missed it).
        assertThat(r.path("reuse_killers").findValuesAsText("kind")).doesNotContain("missed_capture");
    }

    @Test
    void theWaterfallInvariantsHoldByClampingTowardsTheProvidersFact() {
        // eligible 100 < candidate 2000 > input 1000 < realized 1500: realized is capped at input, the estimates raised to it.
        ObjectNode r = score(new T("a", 1000).family("pf_a").eligible(100).candidate(2000).realized(1500),
                new T("b", 1000).family("pf_a").eligible(900).candidate(300).realized(0),
                // the provider cached 500 where the trace estimated 200 candidates: the candidate becomes 500.
                new T("c", 1000).family("pf_a").eligible(300).candidate(200).realized(500));
        assertThat(stage(r, "total_input_tokens")).isEqualTo(3000);
        assertThat(stage(r, "eligible_reuse_tokens")).isEqualTo(1000 + 900 + 500);
        assertThat(stage(r, "candidate_reuse_tokens")).isEqualTo(1000 + 300 + 500);
        assertThat(stage(r, "realized_reused_tokens")).isEqualTo(1000 + 0 + 500);
        assertThat(stage(r, "missed_opportunity_tokens")).isEqualTo(300);
        for (String c : List.of("opportunity_ratio", "recurrence_score", "retention_locality", "ttft_sensitivity",
                "session_continuity", "payload_redundancy")) {
            assertThat(component(r, c)).isBetween(0.0, 1.0);
        }
        // Without eligible_reuse_tokens, eligible is the candidate.
        ObjectNode s = score(new T("a", 1000).candidate(400));
        assertThat(stage(s, "eligible_reuse_tokens")).isEqualTo(400);
        assertThat(r.path("reuse_killers").findValuesAsText("kind")).doesNotContain("no_prefix_fingerprint");
        assertThat(s.path("reuse_killers").findValuesAsText("kind")).contains("no_prefix_fingerprint");
    }

    @Test
    void bandEdges() {
        assertThat(Band.of(100)).isEqualTo(Band.STRONG_FIT);
        assertThat(Band.of(70)).isEqualTo(Band.STRONG_FIT);
        assertThat(Band.of(69)).isEqualTo(Band.PLAUSIBLE);
        assertThat(Band.of(45)).isEqualTo(Band.PLAUSIBLE);
        assertThat(Band.of(44)).isEqualTo(Band.LIMITED);
        assertThat(Band.of(20)).isEqualTo(Band.LIMITED);
        assertThat(Band.of(19)).isEqualTo(Band.WEAK);
        assertThat(Band.of(0)).isEqualTo(Band.WEAK);
        assertThat(Band.STRONG_FIT.label()).isEqualTo("strong fit");
        assertThat(Band.WEAK.action()).isEqualTo("do not sell BYOC / custom caching");
        double sum = 0;
        for (Component c : Component.values()) sum += c.weight();
        assertThat(sum).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void aPerfectlyReusedWorkloadScores100AndAnEmptyOne0() {
        List<T> ts = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ts.add(new T("t" + i, 1000).family("pf_a").session("s").at(i * 1000L).eligible(1000).candidate(i == 0 ? 1000 : 1000)
                    .realized(1000).timing(1000, 1000));
        }
        ObjectNode r = score(ts.toArray(T[]::new));
        // recurrence and continuity are 9/10: the first trace cannot repeat anything.
        assertThat(r.path("wrs").asInt()).isEqualTo(Math.round(100 * (0.35 + 0.2 * 0.9 + 0.15 + 0.15 + 0.1 * 0.9 + 0.05)));
        assertThat(r.path("band").asText()).isEqualTo("strong fit");
        ObjectNode empty = new WorkloadScorer(ScoringOptions.DEFAULTS).report();
        assertThat(empty.path("wrs").asInt()).isZero();
        assertThat(empty.path("band").asText()).isEqualTo("weak");
    }

    static final String FA = "00000000000000aa";
    static final String FB = "00000000000000bb";
    static final String FC = "00000000000000cc";
    static final String FD = "00000000000000dd";
    static final String FE = "00000000000000ee";
    static final String FF = "00000000000000ff";

    @Test
    void prefixMarksAreRecomputedWithThePrefixWindowInArrivalOrder() {
        ObjectNode r = score(
                // first sight of the stable prefix aa: no candidate; eligible is everything before the last block.
                new T("1", 1300).family("pf_" + FA).at(0).marks(1200, FA, 1300, FB),
                // 1 s later, same stable prefix, input reported twice the estimate: candidate = 1200 × 2.
                new T("2", 2800).family("pf_" + FA).at(1000).marks(1200, FA, 1400, FC),
                // 399 s after 2: aa has left the 5-minute window.
                new T("3", 1500).family("pf_" + FA).at(400_000).marks(1200, FA, 1500, FD),
                // extends 3's conversation: the longest boundary seen is 3's last (dd), past the stable prefix.
                new T("4", 1700).family("pf_" + FA).at(401_000).marks(1200, FA, 1500, FD, 1600, FE, 1700, FF));
        assertThat(stage(r, "candidate_reuse_tokens")).isEqualTo(0 + 2400 + 0 + 1500);
        assertThat(stage(r, "eligible_reuse_tokens")).isEqualTo(1200 + 2400 + 1200 + 1600);
        assertThat(r.at("/waterfall/traces_with_prefix_marks").asLong()).isEqualTo(4);
        assertThat(component(r, "session_continuity")).isEqualTo(0.25); // only 4 continues a conversation
        assertThat(r.path("prefix_families").get(0).path("stable_prefix_tokens").asLong()).isEqualTo(1200);

        // The trace's own candidate_reuse_tokens is ignored when marks are there.
        ObjectNode own = score(new T("1", 1300).family("pf_" + FA).at(0).candidate(1300).marks(1200, FA, 1300, FB));
        assertThat(stage(own, "candidate_reuse_tokens")).isZero();

        // A stable prefix below the minimum is no candidate, however often it recurs.
        ObjectNode small = score(new T("1", 600).family("pf_" + FA).at(0).marks(500, FA, 600, FB),
                new T("2", 600).family("pf_" + FA).at(10).marks(500, FA, 600, FC));
        assertThat(stage(small, "candidate_reuse_tokens")).isZero();
        assertThat(small.path("reuse_killers").get(0).path("kind").asText()).isEqualTo("prefix_below_minimum");
        // ...unless the minimum is configured lower.
        ObjectNode lower = score(new ScoringOptions(300_000, 256), new T("1", 600).family("pf_" + FA).at(0).marks(500, FA, 600, FB),
                new T("2", 600).family("pf_" + FA).at(10).marks(500, FA, 600, FC));
        assertThat(stage(lower, "candidate_reuse_tokens")).isEqualTo(500);
        // ...and a longer window keeps 3 a candidate.
        ObjectNode longer = score(new ScoringOptions(3_600_000, 1024), new T("2", 1400).family("pf_" + FA).at(1000).marks(1200, FA, 1400, FC),
                new T("3", 1500).family("pf_" + FA).at(400_000).marks(1200, FA, 1500, FD));
        assertThat(stage(longer, "candidate_reuse_tokens")).isEqualTo(1200);
    }

    @Test
    void tracesWrittenOutOfArrivalOrderAreScoredInArrivalOrder() {
        // The proxy writes a trace when its request finishes: a long request that arrived first comes second.
        ObjectNode r = score(new T("2", 1400).family("pf_" + FA).at(1000).marks(1200, FA, 1400, FC),
                new T("1", 1300).family("pf_" + FA).at(0).marks(1200, FA, 1300, FB));
        ObjectNode inOrder = score(new T("1", 1300).family("pf_" + FA).at(0).marks(1200, FA, 1300, FB),
                new T("2", 1400).family("pf_" + FA).at(1000).marks(1200, FA, 1400, FC));
        assertThat(stage(r, "candidate_reuse_tokens")).isEqualTo(1200).isEqualTo(stage(inOrder, "candidate_reuse_tokens"));
    }
}
