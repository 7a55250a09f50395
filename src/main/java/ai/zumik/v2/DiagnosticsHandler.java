package ai.zumik.v2;

import ai.zumik.diagnostics.Diagnostics;
import ai.zumik.diagnostics.ScoringOptions;
import ai.zumik.diagnostics.TraceLines;
import ai.zumik.diagnostics.WorkloadScorer;
import ai.zumik.http.ApiError;
import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.json.Json;
import ai.zumik.traces.TraceEnvelope;
import ai.zumik.traces.TrafficSource;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * {@code /v2/diagnostics} (read scope): {@code POST} scores inline {@code traces} or the project's
 * last N usage events ({@code traffic_manifest_ref: "usage:N"}) with the code {@code zumik diagnose}
 * runs, stores the run and answers with the signed document in canonical form; {@code GET /{id}}
 * reads it back (another project's id is a 404). A trace carrying prompt text ({@code messages},
 * {@code input}, {@code prompt}) is refused: diagnostics take metadata only.
 */
public final class DiagnosticsHandler {
    public static final String PATH = "/v2/diagnostics";
    public static final String ONE_PATH = "/v2/diagnostics/*";
    /** Inline traces per run (the 2 MiB body limit usually binds first) and usage events per {@code usage:N}. */
    public static final int MAX_TRACES = 50_000;
    private static final Set<String> FIELDS = Set.of("traces", "traffic_manifest_ref", "reuse_window_ms", "min_prefix_tokens");

    private final Diagnostics diagnostics;
    private final TrafficSource traffic;

    public DiagnosticsHandler(Diagnostics diagnostics, TrafficSource traffic) {
        this.diagnostics = diagnostics;
        this.traffic = traffic;
    }

    public void create(Exchange ex, Buffer body) {
        ObjectNode req = Params.object(body);
        Params.rejectUnknown(req, FIELDS);
        TrafficParams.Traffic traffic = TrafficParams.read(req, MAX_TRACES, "a diagnostic");
        ScoringOptions options = options(req);
        String project = ex.principal().projectId();
        if (traffic.traces() != null) {
            ArrayNode sent = traffic.json();
            ex.offload(() -> diagnostics.create(project, score(options, traffic.traces(), sent::get, "inline")),
                    doc -> ex.sendJson(200, doc));
        } else {
            ex.offload(() -> {
                List<TraceEnvelope> usage = this.traffic.lastUsage(project, traffic.usageEvents());
                if (usage.isEmpty()) {
                    throw Params.invalidValue("traffic_manifest_ref", "The project has no usage events to diagnose.");
                }
                return diagnostics.create(project, score(options, usage, i -> usage.get(i).toJson(), traffic.ref()));
            }, doc -> ex.sendJson(200, doc));
        }
    }

    /** The report on {@code traces}, its digest over {@code json} of each, with where they came from. */
    private static ObjectNode score(ScoringOptions options, List<TraceEnvelope> traces, IntFunction<JsonNode> json, String source) {
        TraceLines lines = new TraceLines(new WorkloadScorer(options));
        for (int i = 0; i < traces.size(); i++) lines.accept(traces.get(i), Json.bytes(json.apply(i)));
        ObjectNode report = lines.report();
        report.put("source", source);
        return report;
    }

    public void get(Exchange ex) {
        String id = ArtifactsHandler.id(ex, PATH);
        String project = ex.principal().projectId();
        ex.offload(() -> diagnostics.get(project, id).orElseThrow(() -> ApiError.notFound("No diagnostic with id '" + id
                + "' exists in this project.").exception()), doc -> ex.sendJson(200, doc));
    }

    private static ScoringOptions options(ObjectNode req) {
        Long window = Params.optionalLong(req, "reuse_window_ms", "reuse_window_ms", 1, ScoringOptions.MAX_REUSE_WINDOW_MS);
        Long min = Params.optionalLong(req, "min_prefix_tokens", "min_prefix_tokens", 0, ScoringOptions.MAX_MIN_PREFIX_TOKENS);
        return new ScoringOptions(window == null ? ScoringOptions.DEFAULT_REUSE_WINDOW_MS : window,
                min == null ? ScoringOptions.DEFAULT_MIN_PREFIX_TOKENS : min);
    }
}
