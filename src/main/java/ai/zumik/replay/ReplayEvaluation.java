package ai.zumik.replay;

import ai.zumik.catalog.Capabilities;
import ai.zumik.catalog.ModelCatalog;
import ai.zumik.catalog.ModelRef;
import ai.zumik.inference.Usage;
import ai.zumik.pricing.PriceTable;
import ai.zumik.pricing.Tier;
import ai.zumik.qos.QosRequest;
import ai.zumik.replay.SideTotals.Evidence;
import ai.zumik.traces.TraceEnvelope;
import ai.zumik.traces.TrafficSource.TargetLatency;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Runs one replay: places every trace on both sides and estimates, per trace and target, what it
 * would have cost, how long it would have taken, how much of its input a prompt cache would have
 * served and whether it would have kept its QoS promise.
 *
 * <ul>
 *   <li><b>Placement</b>: {@link ReplayPlan#place}, seeded per (seed, trace id).</li>
 *   <li><b>Reuse</b>: on the target the trace ran on, its own cached-token counter
 *       ({@code provider_reported}); elsewhere the reusable prefix (the larger of the trace's
 *       candidate and realized counts) if the target caches prompts and the prefix reaches its
 *       minimum ({@code trace_estimated}). {@code cache_retention_experiment} instead replays each
 *       target's cache TTL over the arrival times, per prefix family: a hit only when the family
 *       was last written on that target within the TTL.</li>
 *   <li><b>Cost</b>: the price table over the trace's input (cached part at the cached-input
 *       price), and output tokens. A BYOC cluster target costs the platform nothing: the tokens
 *       run on the customer's own hardware, whose cost Zumik does not know, so it is counted as
 *       0 and the report says how many traces were priced that way.</li>
 *   <li><b>Latency</b> (not in routing simulation, which reads nothing that changes): the trace's
 *       own timings on its own target, else the project's median on that target from usage; on a
 *       BYOC cluster, the medians its latest heartbeat reported; else {@code unknown}.</li>
 *   <li><b>Reuse on a BYOC cluster</b>: its prompt cache is not in the capability manifest, so
 *       no reuse is assumed ({@code unknown}) unless the trace ran there.</li>
 *   <li><b>QoS</b>: latency against the trace's deadline; {@code qos_validation} also checks TTFT
 *       against a reference target per class ({@link #REFERENCE_TTFT_MS}).</li>
 * </ul>
 */
final class ReplayEvaluation {
    /**
     * TTFT targets {@code qos_validation} holds each class to (a trace carries its class, not its
     * target): interactive 1 s, standard 3 s, background 10 s, batch 60 s.
     */
    static final Map<String, Long> REFERENCE_TTFT_MS = Map.of("interactive", 1_000L, "standard", 3_000L,
            "background", 10_000L, "batch", 60_000L);

    /** The project's median latency on a target, or empty; null when the class reads no latency. */
    interface Latencies extends Function<Target, Optional<TargetLatency>> {}

    record Result(SideTotals baseline, SideTotals candidate, long placedDifferently) {}

    private final ReplayClass replayClass;
    private final ReplayPlan plan;
    private final long seed;
    private final PriceTable prices;
    private final ModelCatalog catalog;
    private final Latencies latencies;
    private final Map<String, Optional<TargetLatency>> latencyMemo = new HashMap<>();

    ReplayEvaluation(ReplayClass replayClass, ReplayPlan plan, long seed, PriceTable prices, ModelCatalog catalog,
                     Latencies latencies) {
        this.replayClass = replayClass;
        this.plan = plan;
        this.seed = seed;
        this.prices = prices;
        this.catalog = catalog;
        this.latencies = latencies;
    }

    Result run(List<TraceEnvelope> traces) {
        // Arrival order (the given order among equals): what a cache would have seen.
        List<TraceEnvelope> ordered = new ArrayList<>(traces);
        ordered.sort(Comparator.comparingLong(ReplayEvaluation::arrival));
        SideTotals b = new SideTotals();
        SideTotals c = new SideTotals();
        Map<String, Long> bCache = new HashMap<>();
        Map<String, Long> cCache = new HashMap<>();
        long different = 0;
        for (TraceEnvelope t : ordered) {
            ReplayPlan.Placement pb = plan.place(plan.baseline(), t, seed);
            ReplayPlan.Placement pc = plan.place(plan.candidate(), t, seed);
            visit(b, t, pb, bCache);
            visit(c, t, pc, cCache);
            if (pb.target() == null ? pc.target() != null : !pb.target().equals(pc.target())) different++;
        }
        return new Result(b, c, different);
    }

    private void visit(SideTotals side, TraceEnvelope t, ReplayPlan.Placement p, Map<String, Long> cache) {
        if (p.target() == null) {
            side.unresolved++;
            return;
        }
        Target target = p.target();
        side.placed(target.id(), p.releaseId());
        boolean own = target.sameModelAs(ReplayPlan.observed(t));
        TraceEnvelope.Observed o = t.observed();
        Capabilities.PromptCache pc = target.byoc() ? null : capabilities(target).promptCache();

        long reusable = reusable(t);
        long realized;
        Evidence reuseEvidence;
        if (replayClass == ReplayClass.CACHE_RETENTION_EXPERIMENT) {
            realized = retained(side, t, target, pc, reusable, cache);
            reuseEvidence = Evidence.TRACE_ESTIMATED;
        } else if (own) {
            realized = o.realizedReusedTokens() == null ? 0 : o.realizedReusedTokens();
            reuseEvidence = o.realizedReusedTokens() == null ? Evidence.UNKNOWN : Evidence.PROVIDER_REPORTED;
        } else if (target.byoc()) {
            realized = 0;
            reuseEvidence = Evidence.UNKNOWN;
        } else {
            realized = cacheable(pc, reusable) ? reusable : 0;
            reuseEvidence = Evidence.TRACE_ESTIMATED;
        }
        realized = Math.min(realized, o.inputTokens());
        side.inputTokens += o.inputTokens();
        side.candidateTokens += Math.min(reusable, o.inputTokens());
        side.realizedTokens += realized;
        side.reuseEvidence.merge(reuseEvidence, 1L, Long::sum);

        Usage usage = new Usage(o.inputTokens(), o.outputTokens() == null ? 0 : o.outputTokens(), realized, null, null);
        OptionalLong cost = target.byoc() ? OptionalLong.of(0) : prices.costNanos(target.provider().wireId(), target.model(), usage,
                Tier.STANDARD);
        if (target.byoc()) side.byocTraces++;
        if (cost.isPresent()) {
            side.costNanos += cost.getAsLong();
            side.priced++;
        } else {
            side.unpriced++;
        }

        if (latencies == null) return;
        Long ttft;
        Long latency;
        Evidence latencyEvidence;
        if (own && o.latencyMs() != null) {
            ttft = o.ttftMs();
            latency = o.latencyMs();
            latencyEvidence = Evidence.PROVIDER_REPORTED;
        } else {
            Optional<TargetLatency> median = latencyMemo.computeIfAbsent(modelKey(target), k -> latencies.apply(target));
            ttft = median.map(TargetLatency::ttftMs).orElse(null);
            latency = median.map(TargetLatency::latencyMs).orElse(null);
            latencyEvidence = median.isPresent() ? Evidence.TRACE_ESTIMATED : Evidence.UNKNOWN;
        }
        side.latencyEvidence.merge(latencyEvidence, 1L, Long::sum);
        if (ttft != null) side.ttfts.add(ttft);
        if (latency != null) side.latencies.add(latency);

        String qosClass = t.request() == null || t.request().qosClass() == null
                ? QosRequest.DEFAULT.qosClass().wire() : t.request().qosClass();
        SideTotals.ClassChecks checks = side.qos(qosClass);
        checks.traces++;
        Long deadline = t.request() == null ? null : t.request().deadlineMs();
        if (deadline != null && latency != null) {
            checks.deadlines++;
            if (latency <= deadline) checks.deadlinesMet++;
        }
        Long reference = REFERENCE_TTFT_MS.get(qosClass);
        if (replayClass == ReplayClass.QOS_VALIDATION && reference != null && ttft != null) {
            checks.ttftChecks++;
            if (ttft <= reference) checks.ttftMet++;
        }
    }

    /**
     * The cache-retention simulation for one trace on one target: a hit when its prefix family was
     * written on that target no longer than the target's cache TTL before it arrived. Every
     * cacheable request writes (or refreshes) its family's entry.
     */
    private static long retained(SideTotals side, TraceEnvelope t, Target target, Capabilities.PromptCache pc, long reusable,
                                 Map<String, Long> cache) {
        String family = family(t);
        Long at = t.schedule() == null ? null : t.schedule().arrivalOffsetMs();
        if (family == null) {
            side.withoutPrefixFamily++;
            return 0;
        }
        if (at == null) {
            side.withoutArrival++;
            return 0;
        }
        if (!cacheable(pc, reusable)) {
            side.cacheMisses++;
            return 0;
        }
        String key = modelKey(target) + '\u0000' + family;
        Long last = cache.put(key, at);
        if (last != null && at - last <= pc.ttlSeconds() * 1000L) {
            side.cacheHits++;
            return reusable;
        }
        side.cacheMisses++;
        return 0;
    }

    /** A provider's model whatever its revision, or a cluster's model. */
    private static String modelKey(Target target) {
        return target.byoc() ? target.id() : target.provider().wireId() + "/" + target.model();
    }

    private static boolean cacheable(Capabilities.PromptCache pc, long reusable) {
        return pc != null && !"none".equals(pc.mode()) && reusable > 0 && reusable >= pc.minPrefixTokens();
    }

    /** The input a cache could serve: the largest of the trace's candidate, realized and fingerprinted prefix. */
    private static long reusable(TraceEnvelope t) {
        long r = Math.max(t.observed().candidateReuseTokens(), t.observed().realizedReusedTokens() == null ? 0
                : t.observed().realizedReusedTokens());
        if (!t.prefix().isEmpty()) r = Math.max(r, t.prefix().getLast().tokens());
        return r;
    }

    /** The trace's prefix family, else its longest fingerprinted prefix, else none. */
    private static String family(TraceEnvelope t) {
        if (t.prefixFamilyId() != null) return t.prefixFamilyId();
        return t.prefix().isEmpty() ? null : "fp:" + t.prefix().getLast().fingerprint();
    }

    private static long arrival(TraceEnvelope t) {
        return t.schedule() == null || t.schedule().arrivalOffsetMs() == null ? 0 : t.schedule().arrivalOffsetMs();
    }

    private Capabilities capabilities(Target target) {
        return catalog.resolve(target.provider().wireId() + "/" + target.model()).map(ModelRef::capabilities)
                .orElse(catalog.providerDefaults(target.provider()));
    }
}
