package ai.zumik.v2;

import static ai.zumik.v2.StateJson.call;

import ai.zumik.evidence.Jcs;
import ai.zumik.http.ApiError;
import ai.zumik.http.ApiException;
import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.json.Json;
import ai.zumik.replay.ReplayClass;
import ai.zumik.replay.ReplayRun;
import ai.zumik.replay.ReplayRuns;
import ai.zumik.replay.ReplayStatus;
import ai.zumik.traces.TraceEnvelope;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * {@code /v2/replay-runs} (admin): {@code POST} creates a run (a {@code routing_simulation} due now
 * answers completed), {@code GET /{id}} the run, {@code GET /{id}/report} its signed report in
 * canonical form, {@code POST /{id}/cancel} cancels it while it is queued (409 once it started).
 */
public final class ReplayRunsHandler {
    public static final String PATH = "/v2/replay-runs";
    public static final String ONE_PATH = "/v2/replay-runs/*";
    private static final Set<String> FIELDS = Set.of("baseline", "candidate", "replay_class", "traces", "traffic_manifest_ref",
            "scheduled_for", "seed");
    /** Seeds are exact in the signed report's canonical JSON, whose numbers are doubles: at most 2^53 − 1. */
    static final long MAX_SEED = (1L << 53) - 1;

    private final ReplayRuns runs;
    private final Runnable queued;

    /** @param queued tells the runner a background run was queued here */
    public ReplayRunsHandler(ReplayRuns runs, Runnable queued) {
        this.runs = runs;
        this.queued = queued;
    }

    public void create(Exchange ex, Buffer body) {
        ObjectNode req = Params.object(body);
        Params.rejectUnknown(req, FIELDS);
        String cls = Params.requiredString(req, "replay_class", "replay_class");
        ReplayClass replayClass = ReplayClass.parse(cls);
        if (replayClass == null) {
            Params.oneOf(cls, "replay_class", Set.copyOf(Arrays.stream(ReplayClass.values()).map(ReplayClass::wire).toList()));
        }
        if (replayClass == ReplayClass.FULL_FIDELITY_EVALUATION) {
            throw Params.invalidValue("replay_class", "Invalid 'replay_class': full_fidelity_evaluation re-executes captured "
                    + "messages and needs traces with encrypted_full_fidelity captures, which this build does not store; use "
                    + "routing_simulation, provider_comparison, cache_retention_experiment or qos_validation.");
        }
        String baseline = Params.requiredString(req, "baseline", "baseline");
        String candidate = Params.requiredString(req, "candidate", "candidate");
        TrafficParams.Traffic traffic = TrafficParams.read(req, ReplayRuns.MAX_TRACES, "a replay run");
        List<TraceEnvelope> traces = traffic.traces();
        Integer usage = traffic.usageEvents();
        Long scheduledFor = scheduledFor(req.get("scheduled_for"));
        Long seed = Params.optionalLong(req, "seed", "seed", 0, MAX_SEED);
        var request = new ReplayRuns.Request(replayClass, baseline, candidate, traces, usage, scheduledFor,
                seed == null ? ReplayRuns.DEFAULT_SEED : seed);
        String project = ex.principal().projectId();
        ex.offload(() -> call(() -> runs.create(project, request)), run -> {
            if (run.status() == ReplayStatus.QUEUED) queued.run();
            ex.sendJson(200, json(run));
        });
    }

    /** {@code GET /v2/replay-runs/{id}} and {@code …/{id}/report}. */
    public void get(Exchange ex) {
        String tail = ArtifactsHandler.tail(ex, PATH);
        boolean report = tail.endsWith("/report");
        String id = report ? tail.substring(0, tail.length() - "/report".length()) : tail;
        if (id.isEmpty() || id.contains("/")) throw ArtifactsHandler.unknown(ex);
        String project = ex.principal().projectId();
        ex.offload(() -> runs.find(project, id).orElseThrow(() -> notFound(id)), run -> {
            if (!report) {
                ex.sendJson(200, json(run));
            } else if (run.report() == null) {
                throw ApiError.notFound("Replay run '" + id + "' has no report: it is " + run.status().wire() + ".").exception();
            } else {
                // Canonical (RFC 8785), the form the signature covers.
                ex.sendJson(200, Jcs.canonicalize(run.report()));
            }
        });
    }

    /** {@code POST /v2/replay-runs/{id}/cancel}: queued → canceled; canceled again answers it as it is; started is 409. */
    public void cancel(Exchange ex, Buffer unused) {
        String tail = ArtifactsHandler.tail(ex, PATH);
        if (!tail.endsWith("/cancel")) throw ArtifactsHandler.unknown(ex);
        String id = tail.substring(0, tail.length() - "/cancel".length());
        if (id.isEmpty() || id.contains("/")) throw ArtifactsHandler.unknown(ex);
        String project = ex.principal().projectId();
        ex.offload(() -> runs.cancel(project, id).orElseThrow(() -> notFound(id)), run -> {
            if (run.status() != ReplayStatus.CANCELED) {
                throw new ApiError(409, "invalid_request_error", "replay_run_not_cancelable", null, "Replay run '" + id
                        + "' is " + run.status().wire() + "; only a queued run can be canceled.", null).exception();
            }
            ex.sendJson(200, json(run));
        });
    }

    /** RFC 3339 or Unix seconds, as {@code since}/{@code until} take them; null when absent. */
    private static Long scheduledFor(JsonNode v) {
        if (v == null || v.isNull()) return null;
        if (v.isTextual()) return Rfc3339.parse(v.textValue(), "scheduled_for");
        if (v.isIntegralNumber() && v.canConvertToLong()) return Rfc3339.parse(Long.toString(v.longValue()), "scheduled_for");
        throw Params.wrongType("scheduled_for", "an RFC 3339 string or Unix seconds", v);
    }

    private static ApiException notFound(String id) {
        return ApiError.notFound("No replay run with id '" + id + "' exists in this project.").exception();
    }

    static ObjectNode json(ReplayRun r) {
        ObjectNode o = Json.object();
        o.put("id", r.id());
        o.put("object", "replay_run");
        o.put("project_id", r.projectId());
        o.put("status", r.status().wire());
        o.put("replay_class", r.replayClass().wire());
        o.put("baseline", r.baseline());
        o.put("candidate", r.candidate());
        o.put("traffic_source", r.trafficSource());
        o.put("trace_count", r.traceCount());
        o.put("seed", r.seed());
        o.put("created_at", Rfc3339.format(r.createdAtMs()));
        o.put("scheduled_for", r.scheduledForMs() == null ? null : Rfc3339.format(r.scheduledForMs()));
        o.put("started_at", r.startedAtMs() == null ? null : Rfc3339.format(r.startedAtMs()));
        o.put("completed_at", r.completedAtMs() == null ? null : Rfc3339.format(r.completedAtMs()));
        o.put("canceled_at", r.canceledAtMs() == null ? null : Rfc3339.format(r.canceledAtMs()));
        if (r.failureCode() == null) {
            o.putNull("failure");
        } else {
            o.putObject("failure").put("code", r.failureCode()).put("message", r.failureMessage());
        }
        o.put("verdict", r.report() == null ? null : r.report().at("/comparison/verdict").asText());
        o.put("comparison_digest", r.report() == null ? null : r.report().path("comparison_digest").asText());
        return o;
    }
}
