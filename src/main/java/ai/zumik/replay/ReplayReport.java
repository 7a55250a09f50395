package ai.zumik.replay;

import ai.zumik.ids.Sha256;
import ai.zumik.evidence.Jcs;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Locale;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The report of a run. Everything that depends only on the run's inputs (class, sides, traces,
 * seed, pinned releases, price table and catalogue revisions) is in {@code comparison}, so two
 * runs over the same inputs have byte-identical canonical comparisons and equal
 * {@code comparison_digest}s; the envelope adds the run's id, project and times, and is signed
 * like a purge receipt.
 */
final class ReplayReport {
    private ReplayReport() {}

    /** What {@code comparison.provenance} states besides the plan. */
    record Provenance(String trafficSource, int traceCount, String tracesDigest, long seed, String priceTableRevision,
                      String catalogRevision, boolean usageLatency) {}

    static ObjectNode comparison(ReplayClass cls, ReplayPlan plan, Provenance p, ReplayEvaluation.Result r) {
        ObjectNode o = Json.object();
        o.put("replay_class", cls.wire());
        o.set("baseline", plan.toJson().get("baseline"));
        o.set("candidate", plan.toJson().get("candidate"));
        ObjectNode prov = o.putObject("provenance");
        prov.put("traffic_source", p.trafficSource());
        prov.put("trace_count", p.traceCount());
        prov.put("traces_digest", p.tracesDigest());
        prov.put("seed", p.seed());
        prov.put("price_table_revision", p.priceTableRevision());
        prov.put("catalog_revision", p.catalogRevision());
        TreeSet<String> releases = new TreeSet<>(r.baseline().releaseIds);
        releases.addAll(r.candidate().releaseIds);
        ArrayNode ids = prov.putArray("alias_release_ids");
        releases.forEach(ids::add);
        ObjectNode pinned = prov.putObject("alias_releases_pinned");
        new TreeMap<>(plan.releases()).forEach((alias, rel) -> pinned.put(alias, rel.releaseId()));
        prov.put("latency_source", p.usageLatency()
                ? "the trace's own timings on its own target, else the project's median over its last completed responses there"
                : null);
        if (r.baseline().byocTraces + r.candidate().byocTraces > 0) {
            prov.put("byoc", "Traces placed on a BYOC cluster cost the platform nothing and are priced at 0 (the customer's "
                    + "own hardware, whose cost Zumik does not know); their latency is the median the cluster's latest heartbeat "
                    + "reported, else unknown; their reuse is unknown.");
        }
        if (cls == ReplayClass.QOS_VALIDATION) {
            ObjectNode ref = prov.putObject("qos_reference_ttft_ms");
            new TreeMap<>(ReplayEvaluation.REFERENCE_TTFT_MS).forEach(ref::put);
        }
        ObjectNode results = o.putObject("results");
        results.set("baseline", side(cls, r.baseline(), p.usageLatency()));
        results.set("candidate", side(cls, r.candidate(), p.usageLatency()));
        o.set("delta", delta(cls, r));
        o.put("verdict", verdict(cls, r, p.traceCount()));
        return o;
    }

    private static ObjectNode side(ReplayClass cls, SideTotals s, boolean withLatency) {
        ObjectNode o = Json.object();
        o.put("traces_placed", s.placed);
        o.put("traces_unresolved", s.unresolved);
        ObjectNode targets = o.putObject("targets");
        s.targets.forEach(targets::put);
        ArrayNode releases = o.putArray("alias_release_ids");
        s.releaseIds.forEach(releases::add);

        ObjectNode cost = o.putObject("cost");
        cost.put("total_micros", s.costMicros());
        cost.put("priced_traces", s.priced);
        cost.put("unpriced_traces", s.unpriced);
        cost.put("evidence_level", SideTotals.Evidence.TRACE_ESTIMATED.wire());
        if (s.byocTraces > 0) cost.put("byoc_zero_cost_traces", s.byocTraces);

        ObjectNode reuse = o.putObject("reuse");
        reuse.put("input_tokens", s.inputTokens);
        reuse.put("candidate_reuse_tokens", s.candidateTokens);
        reuse.put("realized_reused_tokens", s.realizedTokens);
        reuse.put("capture_ratio", s.captureRatio());
        reuse.put("evidence_level", SideTotals.level(s.reuseEvidence));
        reuse.set("evidence", SideTotals.counts(s.reuseEvidence));
        if (cls == ReplayClass.CACHE_RETENTION_EXPERIMENT) {
            ObjectNode sim = reuse.putObject("retention");
            sim.put("cache_hits", s.cacheHits);
            sim.put("cache_misses", s.cacheMisses);
            sim.put("traces_without_prefix_family", s.withoutPrefixFamily);
            sim.put("traces_without_arrival_offset", s.withoutArrival);
        }

        if (!withLatency) {
            o.putNull("latency");
            o.putNull("qos");
            return o;
        }
        ObjectNode latency = o.putObject("latency");
        latency.put("ttft_p50_ms", s.ttft(0.50));
        latency.put("ttft_p95_ms", s.ttft(0.95));
        latency.put("latency_p50_ms", s.latency(0.50));
        latency.put("latency_p95_ms", s.latency(0.95));
        latency.put("evidence_level", SideTotals.level(s.latencyEvidence));
        latency.set("evidence", SideTotals.counts(s.latencyEvidence));

        ObjectNode qos = o.putObject("qos");
        boolean ttft = cls == ReplayClass.QOS_VALIDATION;
        qos.put("deadlines_evaluated", s.deadlines());
        qos.put("deadlines_met", s.deadlinesMet());
        qos.put("attainment", s.attainment(ttft));
        if (ttft) {
            ObjectNode by = qos.putObject("by_class");
            s.qos.forEach((name, c) -> {
                ObjectNode k = by.putObject(name);
                k.put("traces", c.traces);
                k.put("deadlines_evaluated", c.deadlines);
                k.put("deadlines_met", c.deadlinesMet);
                k.put("ttft_target_ms", ReplayEvaluation.REFERENCE_TTFT_MS.get(name));
                k.put("ttft_evaluated", c.ttftChecks);
                k.put("ttft_met", c.ttftMet);
                k.put("attainment", SideTotals.ratio(c.deadlinesMet + c.ttftMet, c.deadlines + c.ttftChecks));
            });
        }
        return o;
    }

    private static ObjectNode delta(ReplayClass cls, ReplayEvaluation.Result r) {
        SideTotals b = r.baseline();
        SideTotals c = r.candidate();
        ObjectNode d = Json.object();
        d.put("traces_placed_differently", r.placedDifferently());
        d.put("cost_micros", c.costMicros() - b.costMicros());
        d.put("cost_change", b.costNanos == 0 ? null : SideTotals.ratio(c.costNanos - b.costNanos, b.costNanos));
        d.put("capture_ratio", minus(c.captureRatio(), b.captureRatio()));
        if (cls != ReplayClass.ROUTING_SIMULATION) {
            d.put("ttft_p50_ms", minus(c.ttft(0.5), b.ttft(0.5)));
            d.put("ttft_p95_ms", minus(c.ttft(0.95), b.ttft(0.95)));
            d.put("latency_p50_ms", minus(c.latency(0.5), b.latency(0.5)));
            d.put("latency_p95_ms", minus(c.latency(0.95), b.latency(0.95)));
            boolean ttft = cls == ReplayClass.QOS_VALIDATION;
            d.put("qos_attainment", minus(c.attainment(ttft), b.attainment(ttft)));
        }
        return d;
    }

    private static Long minus(Long a, Long b) {
        return a == null || b == null ? null : a - b;
    }

    private static Double minus(Double a, Double b) {
        return a == null || b == null ? null : Math.round((a - b) * 10_000) / 10_000.0;
    }

    /** One line a person can act on; each figure in it is in the report. */
    static String verdict(ReplayClass cls, ReplayEvaluation.Result r, int traces) {
        SideTotals b = r.baseline();
        SideTotals c = r.candidate();
        StringBuilder s = new StringBuilder();
        switch (cls) {
            case ROUTING_SIMULATION -> s.append("Candidate places ").append(r.placedDifferently()).append(" of ").append(traces)
                    .append(" traces on a different target than baseline; ").append(cost(b, c));
            case CACHE_RETENTION_EXPERIMENT -> s.append("Candidate's caches would serve ").append(pct(c.captureRatio()))
                    .append(" of reusable input tokens against ").append(pct(b.captureRatio())).append(" for baseline; ")
                    .append(cost(b, c));
            case QOS_VALIDATION -> s.append("Candidate keeps ").append(pct(c.attainment(true))).append(" of QoS checks against ")
                    .append(pct(b.attainment(true))).append(" for baseline; ").append(cost(b, c));
            default -> {
                s.append(cost(b, c));
                Long p95 = minus(c.latency(0.95), b.latency(0.95));
                if (p95 != null) s.append(String.format(Locale.ROOT, "; p95 latency %+d ms", p95));
                if (c.attainment(false) != null || b.attainment(false) != null) {
                    s.append("; deadlines met ").append(pct(c.attainment(false))).append(" against ").append(pct(b.attainment(false)));
                }
            }
        }
        return s.append('.').toString();
    }

    private static String cost(SideTotals b, SideTotals c) {
        if (b.priced == 0 || c.priced == 0) return "cost not comparable (unpriced targets)";
        if (c.byocTraces > 0 && b.byocTraces == 0 && c.costNanos == 0 && b.costNanos > 0) {
            return "estimated platform cost 100.0% lower than baseline (BYOC tokens run on the customer's hardware)";
        }
        if (b.costNanos == c.costNanos) return "estimated cost the same";
        if (b.costNanos == 0) return "estimated cost up from nothing";
        double change = (c.costNanos - b.costNanos) * 100.0 / b.costNanos;
        return String.format(Locale.ROOT, "estimated cost %.1f%% %s than baseline", Math.abs(change), change < 0 ? "lower" : "higher");
    }

    private static String pct(Double ratio) {
        return ratio == null ? "n/a" : String.format(Locale.ROOT, "%.1f%%", ratio * 100);
    }

    /** The signed document's body: the run's identity and times around the comparison and its digest. */
    static ObjectNode document(String runId, String projectId, long createdAtMs, long completedAtMs, ObjectNode comparison) {
        ObjectNode o = Json.object();
        o.put("id", runId);
        o.put("object", "replay_report");
        o.put("project_id", projectId);
        o.put("created_at", Instant.ofEpochMilli(createdAtMs).toString());
        o.put("completed_at", Instant.ofEpochMilli(completedAtMs).toString());
        o.set("comparison", comparison);
        o.put("comparison_digest", sha256(Jcs.canonicalize(comparison)));
        return o;
    }

    static String sha256(byte[] bytes) {
        return "sha256:" + Sha256.hex(bytes);
    }
}
