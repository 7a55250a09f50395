package ai.zumik.replay;

import ai.zumik.alias.AliasRegistry;
import ai.zumik.alias.AliasRelease;
import ai.zumik.catalog.ModelCatalog;
import ai.zumik.ids.Ids;
import ai.zumik.json.Json;
import ai.zumik.evidence.Jcs;
import ai.zumik.pricing.PriceTable;
import ai.zumik.state.StateError;
import ai.zumik.traces.TraceEnvelope;
import ai.zumik.traces.TrafficSource;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * Replay runs (digest §8.2): validates and pins what a run compares, stores it, runs
 * {@code routing_simulation} inline, and turns a claimed background run into its signed report.
 * A run's traces and plan are frozen at creation; its report reads the price table and
 * capability manifest current when it runs (their revisions are in the report) and, for the
 * background classes, the project's latency on each target from usage.
 */
public final class ReplayRuns {
    /** Most traces one run compares, inline or from usage. */
    public static final int MAX_TRACES = 5_000;
    /** The seed when the request gives none. */
    public static final long DEFAULT_SEED = 20_260_601L;
    public static final String MANAGED = "managed";

    /**
     * A validated request.
     *
     * @param traces the inline traces, or null when {@code usageEvents} names the traffic
     * @param usageEvents N of {@code traffic_manifest_ref: "usage:N"}, or null
     * @param scheduledForMs null to run as soon as possible
     */
    public record Request(ReplayClass replayClass, String baseline, String candidate, List<TraceEnvelope> traces,
                          Integer usageEvents, Long scheduledForMs, long seed) {}

    private final ReplayStore store;
    private final AliasRegistry aliases;
    private final ModelCatalog catalog;
    private final PriceTable prices;
    private final TrafficSource traffic;
    private final UnaryOperator<ObjectNode> signer;
    private final Clock clock;
    private final ClusterTargets clusters;

    /**
     * @param signer adds {@code alg}, {@code key_id} and {@code signature} to a report
     * @param clusters the project's BYOC clusters, which a side may name as {@code byoc:<cluster id>/<model path>}
     */
    public ReplayRuns(ReplayStore store, AliasRegistry aliases, ModelCatalog catalog, PriceTable prices, TrafficSource traffic,
                      UnaryOperator<ObjectNode> signer, Clock clock, ClusterTargets clusters) {
        this.clusters = clusters;
        this.store = store;
        this.aliases = aliases;
        this.catalog = catalog;
        this.prices = prices;
        this.traffic = traffic;
        this.signer = signer;
        this.clock = clock;
    }

    /**
     * Creates a run. Blocking. A {@code routing_simulation} due now is evaluated here and stored
     * completed with its report; anything else is stored queued for the runner.
     *
     * @throws StateError.Invalid naming {@code baseline}, {@code candidate} or {@code traffic_manifest_ref}
     */
    public ReplayRun create(String project, Request req) {
        long now = clock.millis();
        ReplayPlan.Side baseline = side(project, req.baseline(), "baseline");
        ReplayPlan.Side candidate = side(project, req.candidate(), "candidate");
        List<TraceEnvelope> traces = req.traces() != null ? req.traces() : traffic.lastUsage(project, req.usageEvents());
        if (traces.isEmpty()) {
            throw new StateError.Invalid("traffic_manifest_ref", "no_traces", "Invalid 'traffic_manifest_ref': the project has no "
                    + "usage events to replay yet.");
        }
        ReplayPlan plan = plan(project, baseline, candidate, traces);
        ArrayNode tracesJson = Json.array();
        traces.forEach(t -> tracesJson.add(t.toJson()));
        String source = req.traces() != null ? "inline" : "usage:" + req.usageEvents();
        String id = Ids.next("rpl_", now);
        boolean due = req.scheduledForMs() == null || req.scheduledForMs() <= now;
        ReplayRun queued = new ReplayRun(id, project, ReplayStatus.QUEUED, req.replayClass(), req.baseline(), req.candidate(),
                req.seed(), source, traces.size(), plan.toJson(), now, req.scheduledForMs(), null, null, null, null, null, null);
        if (req.replayClass().inline() && due) {
            ObjectNode report = report(queued, tracesJson);
            long done = completedAt(report);
            ReplayRun completed = new ReplayRun(id, project, ReplayStatus.COMPLETED, req.replayClass(), req.baseline(),
                    req.candidate(), req.seed(), source, traces.size(), queued.plan(), now, req.scheduledForMs(), now, done, null,
                    null, null, report);
            store.insert(completed, tracesJson, now);
            return completed;
        }
        store.insert(queued, tracesJson, due ? now : req.scheduledForMs());
        return queued;
    }

    public Optional<ReplayRun> find(String project, String id) {
        return store.find(project, id);
    }

    /**
     * Cancels a queued run. Returns the run as it is afterwards ({@code canceled}, or the status
     * that kept it from being canceled); empty when the project has no such run.
     */
    public Optional<ReplayRun> cancel(String project, String id) {
        store.cancel(project, id, clock.millis());
        return store.find(project, id);
    }

    /** The runner's work: a claimed run's signed report. */
    public ObjectNode report(ReplayRun run) {
        return report(run, store.traces(run.id()));
    }

    private ObjectNode report(ReplayRun run, ArrayNode tracesJson) {
        List<TraceEnvelope> traces = new ArrayList<>(tracesJson.size());
        for (JsonNode t : tracesJson) traces.add(TraceEnvelope.fromJson(t));
        ReplayPlan plan = ReplayPlan.fromJson(run.plan());
        ReplayEvaluation.Latencies latencies = run.replayClass().inline() ? null
                : t -> t.byoc() ? clusters.observedLatency(run.projectId(), t.clusterId(), t.model())
                        : traffic.observedLatency(run.projectId(), t.provider().wireId(), t.model());
        ReplayEvaluation.Result result = new ReplayEvaluation(run.replayClass(), plan, run.seed(), prices, catalog, latencies)
                .run(traces);
        var provenance = new ReplayReport.Provenance(run.trafficSource(), run.traceCount(),
                ReplayReport.sha256(Jcs.canonicalize(tracesJson)), run.seed(), prices.revision(), catalog.revision(),
                latencies != null);
        ObjectNode comparison = ReplayReport.comparison(run.replayClass(), plan, provenance, result);
        return signer.apply(ReplayReport.document(run.id(), run.projectId(), run.createdAtMs(), clock.millis(), comparison));
    }

    static long completedAt(ObjectNode report) {
        return Instant.parse(report.get("completed_at").asText()).toEpochMilli();
    }

    /**
     * {@code managed}, a live alias of the project, a {@code provider/model[@revision]} (or bare id)
     * the catalogue lists, or {@code byoc:<cluster id>/<model path>} naming one of the project's
     * clusters and a model it is registered for.
     */
    private ReplayPlan.Side side(String project, String spec, String param) {
        if (MANAGED.equals(spec)) return new ReplayPlan.Side.Managed(spec);
        if (spec.startsWith(Target.BYOC_PREFIX)) {
            Target cluster = Target.parseCluster(spec).orElseThrow(() -> new StateError.Invalid(param, "invalid_value",
                    "Invalid '" + param + "': expected byoc:<cluster id>/<model path>, e.g. "
                            + "byoc:bcl_…/meta-llama/Llama-3.1-8B-Instruct."));
            String why = clusters.refusal(project, cluster.clusterId(), cluster.model());
            if (why != null) throw new StateError.Invalid(param, "invalid_value", "Invalid '" + param + "': " + why + ".");
            return new ReplayPlan.Side.Fixed(spec, cluster);
        }
        if (AliasRegistry.validName(spec) && aliases.live(project, spec).isPresent()) return new ReplayPlan.Side.Alias(spec);
        Optional<Target> fixed = Target.parse(spec, catalog, true);
        if (fixed.isPresent()) return new ReplayPlan.Side.Fixed(spec, fixed.get());
        throw new StateError.Invalid(param, "invalid_value", "Invalid '" + param + "': '" + spec + "' is neither 'managed', "
                + "a live model alias of this project, nor a provider/model[@revision] the catalogue lists.");
    }

    /** Pins every release either side can reach and, for managed, how each requested model resolves now. */
    private ReplayPlan plan(String project, ReplayPlan.Side baseline, ReplayPlan.Side candidate, List<TraceEnvelope> traces) {
        Map<String, ReplayPlan.Pinned> releases = new TreeMap<>();
        Map<String, ReplayPlan.Resolution> models = new TreeMap<>();
        for (ReplayPlan.Side side : List.of(baseline, candidate)) {
            switch (side) {
                case ReplayPlan.Side.Alias a -> pin(project, a.spec(), releases);
                case ReplayPlan.Side.Managed m -> {
                    for (TraceEnvelope t : traces) {
                        String model = t.request() == null ? null : t.request().model();
                        if (model == null || models.containsKey(model)) continue;
                        if (AliasRegistry.validName(model) && pin(project, model, releases)) {
                            models.put(model, new ReplayPlan.Resolution(model, null));
                        } else {
                            models.put(model, new ReplayPlan.Resolution(null, Target.parse(model, catalog, false).orElse(null)));
                        }
                    }
                }
                case ReplayPlan.Side.Fixed f -> { }
            }
        }
        return new ReplayPlan(baseline, candidate, releases, models, prices.revision(), catalog.revision());
    }

    private boolean pin(String project, String alias, Map<String, ReplayPlan.Pinned> releases) {
        if (releases.containsKey(alias)) return true;
        Optional<AliasRelease> live = aliases.live(project, alias);
        live.ifPresent(r -> releases.put(alias, ReplayPlan.Pinned.of(r)));
        return live.isPresent();
    }
}
