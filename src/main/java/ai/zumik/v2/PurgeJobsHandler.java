package ai.zumik.v2;

import static ai.zumik.v2.StateJson.call;

import ai.zumik.evidence.Jcs;
import ai.zumik.evidence.PurgeJobs;
import ai.zumik.http.ApiError;
import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code /v2/purge-jobs} (admin): {@code POST} runs a purge of some artifacts, one session or the
 * whole project ({@code scope: "project"}) synchronously and answers with the completed job;
 * {@code GET /{id}} the job, {@code GET /{id}/receipt} its signed receipt.
 */
public final class PurgeJobsHandler {
    public static final String PATH = "/v2/purge-jobs";
    public static final String ONE_PATH = "/v2/purge-jobs/*";

    private final PurgeJobs jobs;

    public PurgeJobsHandler(PurgeJobs jobs) {
        this.jobs = jobs;
    }

    public void create(Exchange ex, Buffer body) {
        ObjectNode req = Params.object(body);
        Params.rejectUnknown(req, Set.of("artifact_ids", "session_id", "scope"));
        ArrayNode ids = Params.optionalArray(req, "artifact_ids", "artifact_ids");
        String session = Params.optionalString(req, "session_id", "session_id");
        String scope = Params.optionalString(req, "scope", "scope");
        int given = (ids != null ? 1 : 0) + (session != null ? 1 : 0) + (scope != null ? 1 : 0);
        if (given != 1) {
            throw ApiError.invalid(null, "invalid_scope", "Give exactly one of 'artifact_ids', 'session_id' or 'scope': \"project\".")
                    .exception();
        }
        PurgeJobs.Scope s;
        if (ids != null) {
            if (ids.isEmpty()) throw ApiError.invalid("artifact_ids", "empty_array", "Invalid 'artifact_ids': empty array.").exception();
            if (ids.size() > 1000) throw Params.invalidValue("artifact_ids", "Invalid 'artifact_ids': at most 1,000 per job.");
            Set<String> list = new LinkedHashSet<>();
            for (int i = 0; i < ids.size(); i++) {
                JsonNode id = ids.get(i);
                String p = "artifact_ids[" + i + "]";
                if (!id.isTextual()) throw Params.wrongType(p, "a string", id);
                if (!id.textValue().startsWith("art_")) throw Params.invalidValue(p, "Invalid '" + p + "': expected an artifact id (art_...).");
                list.add(id.textValue());
            }
            s = new PurgeJobs.Scope.Artifacts(List.copyOf(new ArrayList<>(list)));
        } else if (session != null) {
            if (!session.startsWith("ses_")) throw Params.invalidValue("session_id", "Invalid 'session_id': expected a session id (ses_...).");
            s = new PurgeJobs.Scope.Session(session);
        } else {
            Params.oneOf(scope, "scope", Set.of("project"));
            s = new PurgeJobs.Scope.Project();
        }
        String project = ex.principal().projectId();
        ex.offload(() -> call(() -> jobs.run(project, s)), job -> ex.sendJson(200, json(job)));
    }

    /** {@code GET /v2/purge-jobs/{id}} and {@code …/{id}/receipt}. */
    public void get(Exchange ex) {
        String tail = ArtifactsHandler.tail(ex, PATH);
        boolean receipt = tail.endsWith("/receipt");
        String id = receipt ? tail.substring(0, tail.length() - "/receipt".length()) : tail;
        if (id.isEmpty() || id.contains("/")) throw ArtifactsHandler.unknown(ex);
        String project = ex.principal().projectId();
        ex.offload(() -> jobs.job(project, id).orElseThrow(() -> ApiError.notFound("No purge job with id '" + id
                + "' exists in this project.").exception()), job -> {
            if (!receipt) {
                ex.sendJson(200, json(job));
            } else if (job.receipt() == null) {
                throw ApiError.notFound("Purge job '" + id + "' has no receipt: it is " + job.status() + ".").exception();
            } else {
                // In its canonical form (RFC 8785), the form the signature covers: no byte of it can change unnoticed.
                ex.sendJson(200, Jcs.canonicalize(job.receipt()));
            }
        });
    }

    private static ObjectNode json(PurgeJobs.Job job) {
        ObjectNode o = Json.object();
        o.put("id", job.id());
        o.put("object", "purge_job");
        o.put("status", job.status());
        o.set("scope", job.scope());
        o.put("requested_at", Rfc3339.format(job.requestedAtMs()));
        o.put("completed_at", job.completedAtMs() == null ? null : Rfc3339.format(job.completedAtMs()));
        o.put("receipt_id", job.receipt() == null ? null : job.receipt().path("id").asText());
        o.put("guarantee", job.receipt() == null ? null : job.receipt().path("guarantee").asText());
        return o;
    }
}
