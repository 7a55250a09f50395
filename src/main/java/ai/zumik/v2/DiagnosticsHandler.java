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
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    private static final List<String> TEXT_FIELDS = List.of("messages", "input", "prompt");
    private static final Pattern USAGE_REF = Pattern.compile("usage:([0-9]{1,9})");

    private final Diagnostics diagnostics;
    private final TrafficSource traffic;

    public DiagnosticsHandler(Diagnostics diagnostics, TrafficSource traffic) {
        this.diagnostics = diagnostics;
        this.traffic = traffic;
    }

    public void create(Exchange ex, Buffer body) {
        ObjectNode req = Params.object(body);
        Params.rejectUnknown(req, FIELDS);
        ArrayNode traces = Params.optionalArray(req, "traces", "traces");
        String ref = Params.optionalString(req, "traffic_manifest_ref", "traffic_manifest_ref");
        if ((traces == null) == (ref == null)) {
            throw ApiError.invalid(null, "invalid_source", "Give exactly one of 'traces' (inline trace envelopes) or "
                    + "'traffic_manifest_ref' (\"usage:N\": the project's last N usage events).").exception();
        }
        ScoringOptions options = options(req);
        String project = ex.principal().projectId();
        if (traces != null) {
            List<TraceEnvelope> parsed = inline(traces);
            ex.offload(() -> {
                TraceLines lines = new TraceLines(new WorkloadScorer(options));
                for (int i = 0; i < parsed.size(); i++) lines.accept(parsed.get(i), Json.bytes(traces.get(i)));
                return diagnostics.create(project, source(lines.report(), "inline"));
            }, doc -> ex.sendJson(200, doc));
        } else {
            Matcher m = USAGE_REF.matcher(ref);
            long n = m.matches() ? Long.parseLong(m.group(1)) : -1;
            if (n < 1 || n > MAX_TRACES) {
                throw Params.invalidValue("traffic_manifest_ref", "Invalid 'traffic_manifest_ref': expected \"usage:N\" with N "
                        + "from 1 to " + MAX_TRACES + " (the project's last N usage events).");
            }
            ex.offload(() -> {
                List<TraceEnvelope> usage = traffic.lastUsage(project, (int) n);
                if (usage.isEmpty()) {
                    throw Params.invalidValue("traffic_manifest_ref", "The project has no usage events to diagnose.");
                }
                TraceLines lines = new TraceLines(new WorkloadScorer(options));
                for (TraceEnvelope t : usage) lines.accept(t, Json.bytes(t.toJson()));
                return diagnostics.create(project, source(lines.report(), ref));
            }, doc -> ex.sendJson(200, doc));
        }
    }

    public void get(Exchange ex) {
        String id = ArtifactsHandler.id(ex, PATH);
        String project = ex.principal().projectId();
        ex.offload(() -> diagnostics.get(project, id).orElseThrow(() -> ApiError.notFound("No diagnostic with id '" + id
                + "' exists in this project.").exception()), doc -> ex.sendJson(200, doc));
    }

    private static ObjectNode source(ObjectNode report, String source) {
        report.put("source", source);
        return report;
    }

    private static ScoringOptions options(ObjectNode req) {
        Long window = Params.optionalLong(req, "reuse_window_ms", "reuse_window_ms", 1, ScoringOptions.MAX_REUSE_WINDOW_MS);
        Long min = Params.optionalLong(req, "min_prefix_tokens", "min_prefix_tokens", 0, ScoringOptions.MAX_MIN_PREFIX_TOKENS);
        return new ScoringOptions(window == null ? ScoringOptions.DEFAULT_REUSE_WINDOW_MS : window,
                min == null ? ScoringOptions.DEFAULT_MIN_PREFIX_TOKENS : min);
    }

    /** Every inline trace, validated; the first bad one is a 400 naming {@code traces[i].<field>}. */
    private static List<TraceEnvelope> inline(ArrayNode traces) {
        if (traces.isEmpty()) {
            throw ApiError.invalid("traces", "empty_array", "Invalid 'traces': empty array. Expected at least one trace.").exception();
        }
        if (traces.size() > MAX_TRACES) {
            throw Params.invalidValue("traces", "Invalid 'traces': at most " + MAX_TRACES + " per run.");
        }
        List<TraceEnvelope> out = new ArrayList<>(traces.size());
        for (int i = 0; i < traces.size(); i++) {
            JsonNode t = traces.get(i);
            String at = "traces[" + i + "]";
            if (!t.isObject()) throw Params.wrongType(at, "a trace envelope object", t);
            for (String text : TEXT_FIELDS) {
                String where = t.has(text) ? at + "." + text : t.path("request").has(text) ? at + ".request." + text : null;
                if (where != null) {
                    throw ApiError.invalid(where, "prompt_text_not_accepted", "Invalid '" + where + "': diagnostics take "
                            + "metadata-only traces; raw prompt text is neither required nor accepted.").exception();
                }
            }
            try {
                out.add(TraceEnvelope.fromJson(t));
            } catch (IllegalArgumentException e) {
                String msg = e.getMessage();
                int colon = msg.indexOf(": ");
                String field = colon > 0 ? at + "." + msg.substring(0, colon) : at;
                throw Params.invalidValue(field, "Invalid '" + field + "': " + (colon > 0 ? msg.substring(colon + 2) : msg) + ".");
            }
        }
        return out;
    }
}
