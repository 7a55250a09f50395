package ai.zumik.byoc;

import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Applies {@link Criteria} to a replay report's {@code comparison}: cost ratio, p95 latency ratio
 * and QoS attainment delta, candidate against baseline. A figure the report could not establish
 * (an unpriced baseline, an {@code unknown} latency, no deadlines) fails its criterion with its own
 * code rather than passing by default; the evidence records every number used.
 */
final class ActivationGate {
    static final String NOT_MET = "activation_criteria_not_met";
    static final String COST_UNKNOWN = "activation_cost_unknown";
    static final String LATENCY_UNKNOWN = "activation_latency_unknown";
    static final String QOS_UNKNOWN = "activation_qos_unknown";

    /** One criterion that did not hold. */
    record Failure(String code, String criterion, String message) {}

    record Outcome(List<Failure> failures, ObjectNode evidence) {
        boolean passed() {
            return failures.isEmpty();
        }
    }

    private ActivationGate() {}

    static Outcome evaluate(JsonNode comparison, Criteria c) {
        List<Failure> failures = new ArrayList<>();
        ObjectNode evidence = Json.object();
        evidence.put("replay_class", comparison.path("replay_class").asText());
        JsonNode base = comparison.at("/results/baseline");
        JsonNode cand = comparison.at("/results/candidate");
        cost(base, cand, c.maxCostRatio(), evidence, failures);
        latency(comparison.path("replay_class").asText(), base, cand, c.maxP95LatencyRatio(), evidence, failures);
        qos(base, cand, c.minQosAttainmentDelta(), evidence, failures);
        ArrayNode failed = evidence.putArray("failed_criteria");
        failures.forEach(f -> failed.add(f.criterion()));
        return new Outcome(List.copyOf(failures), evidence);
    }

    private static void cost(JsonNode base, JsonNode cand, Double max, ObjectNode evidence, List<Failure> failures) {
        long b = base.at("/cost/total_micros").asLong();
        long k = cand.at("/cost/total_micros").asLong();
        ObjectNode e = evidence.putObject("cost");
        e.put("baseline_micros", b);
        e.put("candidate_micros", k);
        e.put("candidate_byoc_zero_cost_traces", cand.at("/cost/byoc_zero_cost_traces").asLong(0));
        boolean known = base.at("/cost/unpriced_traces").asLong() == 0 && base.at("/cost/priced_traces").asLong() > 0
                && cand.at("/cost/unpriced_traces").asLong() == 0;
        Double ratio = known ? ratio(k, b) : null;
        e.put("ratio", ratio == null || ratio.isInfinite() ? null : ratio);
        e.put("max_ratio", max);
        if (max == null) return;
        if (ratio == null) {
            failures.add(new Failure(COST_UNKNOWN, "max_cost_ratio", "max_cost_ratio: the report could not price every trace ("
                    + base.at("/cost/unpriced_traces").asLong() + " baseline and " + cand.at("/cost/unpriced_traces").asLong()
                    + " candidate traces unpriced), so the cost ratio is unknown"));
        } else if (ratio > max) {
            failures.add(new Failure(NOT_MET, "max_cost_ratio", String.format(Locale.ROOT, "max_cost_ratio: candidate cost %d "
                    + "micro-USD is %s of baseline's %d, above the %s allowed", k, num(ratio), b, num(max))));
        }
    }

    private static void latency(String replayClass, JsonNode base, JsonNode cand, Double max, ObjectNode evidence,
                                List<Failure> failures) {
        ObjectNode e = evidence.putObject("latency_p95_ms");
        JsonNode bl = base.path("latency");
        JsonNode cl = cand.path("latency");
        Long b = bl.hasNonNull("latency_p95_ms") ? bl.get("latency_p95_ms").asLong() : null;
        Long k = cl.hasNonNull("latency_p95_ms") ? cl.get("latency_p95_ms").asLong() : null;
        long unknownTraces = cl.at("/evidence/unknown").asLong(0);
        e.put("baseline", b);
        e.put("candidate", k);
        e.put("baseline_evidence_level", bl.path("evidence_level").asText("unknown"));
        e.put("candidate_evidence_level", cl.path("evidence_level").asText("unknown"));
        e.put("candidate_unknown_traces", unknownTraces);
        Double ratio = b == null || k == null || unknownTraces > 0 ? null : ratio(k, b);
        e.put("ratio", ratio == null || ratio.isInfinite() ? null : ratio);
        e.put("max_ratio", max);
        if (max == null) return;
        if (bl.isNull() || bl.isMissingNode()) {
            failures.add(new Failure(LATENCY_UNKNOWN, "max_p95_latency_ratio", "max_p95_latency_ratio: a " + replayClass
                    + " replay measures no latency; use provider_comparison or qos_validation"));
        } else if (k == null || unknownTraces > 0) {
            failures.add(new Failure(LATENCY_UNKNOWN, "max_p95_latency_ratio", "max_p95_latency_ratio: the candidate's latency "
                    + "is unknown for " + unknownTraces + " traces (evidence_level " + cl.path("evidence_level").asText("unknown")
                    + "): the cluster's heartbeats reported no latency_p50_ms when the replay ran"));
        } else if (b == null) {
            failures.add(new Failure(LATENCY_UNKNOWN, "max_p95_latency_ratio", "max_p95_latency_ratio: the baseline's latency "
                    + "is unknown (no timings on its traces and no usage history on its targets)"));
        } else if (ratio > max) {
            failures.add(new Failure(NOT_MET, "max_p95_latency_ratio", String.format(Locale.ROOT, "max_p95_latency_ratio: "
                    + "candidate p95 latency %d ms is %s of baseline's %d ms, above the %s allowed", k, num(ratio), b, num(max))));
        }
    }

    private static void qos(JsonNode base, JsonNode cand, Double min, ObjectNode evidence, List<Failure> failures) {
        ObjectNode e = evidence.putObject("qos_attainment");
        Double b = base.at("/qos/attainment").isNumber() ? base.at("/qos/attainment").asDouble() : null;
        Double k = cand.at("/qos/attainment").isNumber() ? cand.at("/qos/attainment").asDouble() : null;
        Double delta = b == null || k == null ? null : Math.round((k - b) * 10_000) / 10_000.0;
        e.put("baseline", b);
        e.put("candidate", k);
        e.put("delta", delta);
        e.put("min_delta", min);
        if (min == null) return;
        if (delta == null) {
            failures.add(new Failure(QOS_UNKNOWN, "min_qos_attainment_delta", "min_qos_attainment_delta: QoS attainment is "
                    + "unknown (no trace carried a deadline_ms, or the replay class measures no latency); replay traces with "
                    + "deadlines, or pass criteria.min_qos_attainment_delta: null to activate without a QoS check"));
        } else if (delta < min) {
            failures.add(new Failure(NOT_MET, "min_qos_attainment_delta", String.format(Locale.ROOT, "min_qos_attainment_delta: "
                    + "candidate attainment %s minus baseline's %s is %s, below the %s required", num(k), num(b), num(delta), num(min))));
        }
    }

    /** part / whole to 4 places; 0/0 is 1 (the same), x/0 is infinite. */
    private static double ratio(long part, long whole) {
        if (whole == 0) return part == 0 ? 1.0 : Double.POSITIVE_INFINITY;
        return Math.round(part * 10_000.0 / whole) / 10_000.0;
    }

    private static String num(double d) {
        if (Double.isInfinite(d)) return "infinitely more";
        String s = String.format(Locale.ROOT, "%.4f", d);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s + "0" : s;
    }
}
