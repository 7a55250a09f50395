package ai.zumik.broker;

import static ai.zumik.broker.Faults.attemptTargets;
import static ai.zumik.broker.Faults.candidateOrder;
import static ai.zumik.broker.Faults.chat;
import static ai.zumik.broker.Faults.parse;
import static ai.zumik.broker.Faults.post;
import static ai.zumik.broker.Faults.record;
import static ai.zumik.broker.Faults.responseId;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.ids.Ids;
import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Alias routing is deterministic and follows its weights: a stored decision is re-derived from
 * its stored inputs alone (the release's weights and the seed, itself a hash of the response
 * id), and over many response ids the weighted shuffle picks targets in proportion to their
 * weights.
 */
class RoutingReplayTest {
    static FakeProvider openai;
    static FakeProvider xai;
    static TestGateway gw;

    @BeforeAll
    static void start() {
        openai = FakeProvider.start();
        xai = FakeProvider.start();
        gw = Faults.gateway(openai, xai);
    }

    @AfterAll
    static void stop() {
        Faults.close(gw, xai, openai);
    }

    /** The order the planner would give: the release's targets through {@link RoutePlanner#weightedOrder}. */
    private static List<String> replay(JsonNode release, long seed) {
        JsonNode targets = release.get("targets");
        int[] weights = new int[targets.size()];
        for (int i = 0; i < weights.length; i++) weights[i] = targets.get(i).get("weight").asInt();
        List<String> out = new ArrayList<>();
        for (int i : RoutePlanner.weightedOrder(weights, seed)) {
            out.add(targets.get(i).get("provider").asText() + "/" + targets.get(i).get("model").asText());
        }
        return out;
    }

    private static JsonNode releaseById(String alias, String id) {
        for (JsonNode r : parse(gw.get("/v2/model-aliases/" + alias + "/releases").body()).get("data")) {
            if (r.get("id").asText().equals(id)) return r;
        }
        throw new AssertionError("no release " + id + " in the history of " + alias);
    }

    @Test
    void aStoredAliasDecisionIsReDerivedFromItsStoredInputs() {
        JsonNode release = Faults.installRelease(gw, "fault.replay", "[{\"provider\":\"openai\",\"model\":\"gpt-4.1\","
                + "\"weight\":50},{\"provider\":\"xai\",\"model\":\"grok-3\",\"weight\":30},"
                + "{\"provider\":\"openai\",\"model\":\"gpt-4o\",\"weight\":20}]");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            HttpResponse<String> r = post(gw, chat("fault.replay"));
            assertThat(r.statusCode()).isEqualTo(200);
            ids.add(responseId(r));
            JsonNode rec = record(gw, r);
            JsonNode decision = rec.get("routing_decision");
            assertThat(decision.get("alias_release_id").asText()).isEqualTo(release.get("id").asText());
            assertThat(rec.get("alias_release").asText()).isEqualTo(release.get("id").asText());
            long seed = Long.parseUnsignedLong(decision.get("seed").asText(), 16);
            assertThat(seed).as("the seed is the response id's hash").isEqualTo(RoutePlanner.seed(responseId(r)));
            List<String> replayed = replay(release, seed);
            assertThat(candidateOrder(rec)).isEqualTo(replayed);
            assertThat(attemptTargets(rec)).containsExactly(replayed.getFirst());
        }

        // A newer release changes what the alias means from now on, not what old decisions replay to.
        JsonNode next = Faults.installRelease(gw, "fault.replay", "[{\"provider\":\"xai\",\"model\":\"grok-3\",\"weight\":1}]");
        JsonNode old = record(gw, ids.getFirst());
        String pinned = old.at("/routing_decision/alias_release_id").asText();
        assertThat(pinned).isEqualTo(release.get("id").asText()).isNotEqualTo(next.get("id").asText());
        JsonNode stored = releaseById("fault.replay", pinned);
        assertThat(stored.get("status").asText()).isEqualTo("retired");
        assertThat(replay(stored, Long.parseUnsignedLong(old.at("/routing_decision/seed").asText(), 16)))
                .isEqualTo(candidateOrder(old));
        JsonNode now = record(gw, post(gw, chat("fault.replay")));
        assertThat(now.at("/routing_decision/alias_release_id").asText()).isEqualTo(next.get("id").asText());
        assertThat(candidateOrder(now)).containsExactly("xai/grok-3");
    }

    /** Ids in the response id format, from a fixed generator so the sample (and the test) is reproducible. */
    private static List<String> responseIds(int n) {
        char[] crockford = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
        Random random = new Random(20261122);
        long ms = 1_795_000_000_000L;
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String time = Ids.lowerBound("rsp_", ms + i / 4).substring(0, 14);
            StringBuilder id = new StringBuilder(time);
            for (int j = 0; j < 16; j++) id.append(crockford[random.nextInt(32)]);
            out.add(id.toString());
        }
        return out;
    }

    @Test
    void theWeightedOrderFollowsTheWeightsOverManyResponseIds() {
        int[] weights = {50, 30, 20};
        int total = 100;
        int n = 30_000;
        Map<String, Integer> permutations = new HashMap<>();
        int[] first = new int[3];
        for (String id : responseIds(n)) {
            assertThat(Ids.isValid(id, "rsp_")).isTrue();
            int[] order = RoutePlanner.weightedOrder(weights, RoutePlanner.seed(id));
            first[order[0]]++;
            permutations.merge(order[0] + "" + order[1] + order[2], 1, Integer::sum);
        }
        for (int i = 0; i < 3; i++) {
            assertThat((double) first[i] / n).as("share of target %d first", i)
                    .isCloseTo((double) weights[i] / total, org.assertj.core.data.Offset.offset(0.015));
        }
        // Sampling without replacement: P(i, j, k) = w_i / W * w_j / (W - w_i). Chi-square, 5 degrees of freedom.
        double chi2 = 0;
        int[][] perms = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
        for (int[] p : perms) {
            double expected = n * (double) weights[p[0]] / total * weights[p[1]] / (total - weights[p[0]]);
            double observed = permutations.getOrDefault(p[0] + "" + p[1] + p[2], 0);
            chi2 += (observed - expected) * (observed - expected) / expected;
        }
        assertThat(chi2).as("chi-square of the six orders (p = 0.001 critical value 20.52)").isLessThan(20.52);
    }

    @Test
    void theGatewaySendsTrafficInProportionToTheReleaseWeights() {
        Faults.installRelease(gw, "fault.split", "[{\"provider\":\"openai\",\"model\":\"gpt-4.1-mini\",\"weight\":75},"
                + "{\"provider\":\"xai\",\"model\":\"grok-3-mini\",\"weight\":25}]");
        openai.reset();
        xai.reset();
        int n = 120;
        for (int i = 0; i < n; i++) assertThat(post(gw, chat("fault.split")).statusCode()).isEqualTo(200);
        assertThat(openai.requests().size() + xai.requests().size()).isEqualTo(n);
        // Expected 90 of 120 (sd 4.7); four standard deviations either way.
        assertThat(openai.requests().size()).isBetween(71, 109);
    }
}
