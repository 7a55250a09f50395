package ai.zumik.v2;

import ai.zumik.http.ApiError;
import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.ids.Ids;
import ai.zumik.json.Json;
import ai.zumik.keys.ApiKeyService;
import ai.zumik.keys.Project;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Set;

/**
 * {@code /v2/projects} (platform scope): create a project with its first admin key (shown once),
 * list them (cursor paging), read one, and set its rate limits.
 */
public final class ProjectsHandler {
    public static final String PATH = "/v2/projects";
    public static final String ONE_PATH = "/v2/projects/*";
    private static final Set<String> PATCH_FIELDS = Set.of("rpm_limit", "tpm_limit");

    private final ApiKeyService keys;

    public ProjectsHandler(ApiKeyService keys) {
        this.keys = keys;
    }

    /** {@code POST /v2/projects {name}}: the project, and {@code admin_key} with its raw {@code key} this once. */
    public void create(Exchange ex, Buffer body) {
        ObjectNode req = Params.object(body);
        Params.rejectUnknown(req, Set.of("name"));
        String name = Params.requiredString(req, "name", "name").strip();
        if (name.isEmpty()) throw Params.invalidValue("name", "Invalid 'name': must not be blank.");
        if (name.length() > 200) throw Params.invalidValue("name", "Invalid 'name': at most 200 characters.");
        ex.offload(() -> keys.createProject(name), created -> {
            ObjectNode json = json(created.project());
            ObjectNode key = ApiKeysHandler.json(created.adminKey().key(), 0);
            key.put("key", created.adminKey().rawKey());
            json.set("admin_key", key);
            ex.sendJson(200, json);
        });
    }

    /** {@code GET /v2/projects?limit&after}: oldest first, {@code limit} (1–100, default 100) per page. */
    public void list(Exchange ex) {
        int limit = Params.queryLimit(ex.query().get("limit"));
        String after = ex.query().get("after");
        if (after != null && !Ids.isValid(after, "prj_")) {
            throw Params.invalidValue("after", "Invalid 'after': expected a project id (prj_...) from a previous page's last_id.");
        }
        ex.offload(() -> keys.projects(after, limit + 1), page -> ex.sendJson(200, page(page, limit)));
    }

    public void one(Exchange ex) {
        String id = idFrom(ex);
        ex.offload(() -> keys.project(id).orElseThrow(() -> notFound(id)), p -> ex.sendJson(200, json(p)));
    }

    /** {@code PATCH /v2/projects/{id} {rpm_limit?, tpm_limit?}}: a field given replaces (null removes), one left out stays. */
    public void update(Exchange ex, Buffer body) {
        String id = idFrom(ex);
        ObjectNode req = Params.object(body);
        Params.rejectUnknown(req, PATCH_FIELDS);
        if (req.isEmpty()) throw Params.invalidValue(null, "Nothing to change: give rpm_limit or tpm_limit.");
        Long rpm = Params.optionalLong(req, "rpm_limit", "rpm_limit", 0, ApiKeysHandler.MAX_RPM);
        Long tpm = Params.optionalLong(req, "tpm_limit", "tpm_limit", 0, ApiKeysHandler.MAX_TPM);
        ex.offload(() -> {
            Project p = keys.project(id).orElseThrow(() -> notFound(id));
            return keys.setProjectLimits(id, req.has("rpm_limit") ? rpm : p.rpmLimit(), req.has("tpm_limit") ? tpm : p.tpmLimit())
                    .orElseThrow(() -> notFound(id));
        }, p -> ex.sendJson(200, json(p)));
    }

    private static String idFrom(Exchange ex) {
        String id = ex.request().path().substring(PATH.length() + 1);
        if (id.isEmpty() || id.contains("/")) throw ApiError.unknownUrl(ex.request().method().name(), ex.request().path()).exception();
        return id;
    }

    private static RuntimeException notFound(String id) {
        return ApiError.notFound("No project with id '" + id + "' exists.").exception();
    }

    private static ObjectNode page(List<Project> projects, int limit) {
        ObjectNode root = Json.object();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        int shown = Math.min(limit, projects.size());
        for (int i = 0; i < shown; i++) data.add(json(projects.get(i)));
        root.put("first_id", shown == 0 ? null : projects.getFirst().id());
        root.put("last_id", shown == 0 ? null : projects.get(shown - 1).id());
        root.put("has_more", projects.size() > limit);
        return root;
    }

    static ObjectNode json(Project p) {
        ObjectNode o = Json.object();
        o.put("id", p.id());
        o.put("object", "project");
        o.put("name", p.name());
        o.put("rpm_limit", p.rpmLimit());
        o.put("tpm_limit", p.tpmLimit());
        o.put("monthly_budget_micros", p.monthlyBudgetMicros());
        o.put("overage_mode", p.overageMode());
        o.put("created_at", Rfc3339.format(p.createdAtMs()));
        return o;
    }
}
