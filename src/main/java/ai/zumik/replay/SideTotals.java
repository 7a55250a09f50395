package ai.zumik.replay;

import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What one side of a run adds up to over the traces: where they landed, what they would cost, how
 * fast they would be, how much input a cache would serve and which QoS promises they would keep.
 * Every estimate counts where its numbers came from ({@link Evidence}).
 */
final class SideTotals {
    /** Where a trace's number came from, weakest first (digest §5.6; a replay never reaches the runtime levels). */
    enum Evidence {
        /** Nothing to go on: left out of the figure. */
        UNKNOWN,
        /** Simulated from the trace's shape with the price table, usage medians or the capability manifest. */
        TRACE_ESTIMATED,
        /** Taken as observed on the trace's own call: the provider's counters, the measured timings. */
        PROVIDER_REPORTED;

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A QoS class's checks: deadlines met, and (qos_validation) the reference TTFT target met. */
    static final class ClassChecks {
        long traces;
        long deadlines;
        long deadlinesMet;
        long ttftChecks;
        long ttftMet;
    }

    final Map<String, Long> targets = new TreeMap<>();
    final TreeSet<String> releaseIds = new TreeSet<>();
    long placed;
    long unresolved;
    long costNanos;
    long priced;
    long unpriced;
    /** Traces placed on a BYOC cluster: priced at 0 platform cost. */
    long byocTraces;
    final List<Long> ttfts = new ArrayList<>();
    final List<Long> latencies = new ArrayList<>();
    final Map<Evidence, Long> latencyEvidence = new TreeMap<>();
    long inputTokens;
    long candidateTokens;
    long realizedTokens;
    final Map<Evidence, Long> reuseEvidence = new TreeMap<>();
    final Map<String, ClassChecks> qos = new TreeMap<>();
    long cacheHits;
    long cacheMisses;
    long withoutPrefixFamily;
    long withoutArrival;

    void placed(String targetId, String releaseId) {
        placed++;
        targets.merge(targetId, 1L, Long::sum);
        if (releaseId != null) releaseIds.add(releaseId);
    }

    ClassChecks qos(String qosClass) {
        return qos.computeIfAbsent(qosClass, k -> new ClassChecks());
    }

    long costMicros() {
        return (costNanos + 500) / 1000;
    }

    /** The nearest-rank {@code p} quantile of the known TTFTs, null when none is known. */
    Long ttft(double p) {
        return percentile(ttfts, p);
    }

    /** The nearest-rank {@code p} quantile of the known latencies, null when none is known. */
    Long latency(double p) {
        return percentile(latencies, p);
    }

    private static Long percentile(List<Long> values, double p) {
        if (values.isEmpty()) return null;
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get((int) Math.max(0, Math.ceil(p * sorted.size()) - 1));
    }

    Double captureRatio() {
        return candidateTokens == 0 ? null : ratio(Math.min(realizedTokens, candidateTokens), candidateTokens);
    }

    long deadlines() {
        return qos.values().stream().mapToLong(c -> c.deadlines).sum();
    }

    long deadlinesMet() {
        return qos.values().stream().mapToLong(c -> c.deadlinesMet).sum();
    }

    /** Checks kept over checks made: deadlines, plus the TTFT targets when {@code withTtft}; null when none was made. */
    Double attainment(boolean withTtft) {
        long made = 0;
        long kept = 0;
        for (ClassChecks c : qos.values()) {
            made += c.deadlines + (withTtft ? c.ttftChecks : 0);
            kept += c.deadlinesMet + (withTtft ? c.ttftMet : 0);
        }
        return made == 0 ? null : ratio(kept, made);
    }

    static Double ratio(long part, long whole) {
        return whole == 0 ? null : Math.round(part * 10_000.0 / whole) / 10_000.0;
    }

    /** The weakest level any trace's number had, unknown only when none had better. */
    static String level(Map<Evidence, Long> counts) {
        for (Evidence e : Evidence.values()) {
            if (e != Evidence.UNKNOWN && counts.getOrDefault(e, 0L) > 0) return e.wire();
        }
        return Evidence.UNKNOWN.wire();
    }

    static ObjectNode counts(Map<Evidence, Long> counts) {
        ObjectNode o = Json.object();
        for (Evidence e : Evidence.values()) o.put(e.wire(), counts.getOrDefault(e, 0L));
        return o;
    }
}
