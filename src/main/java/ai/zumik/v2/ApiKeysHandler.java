package ai.zumik.v2;

import ai.zumik.http.ApiError;
import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.json.Json;
import ai.zumik.keys.ApiKey;
import ai.zumik.keys.ApiKeyService;
import ai.zumik.keys.Principal;
import ai.zumik.keys.Scope;
import ai.zumik.surface.AgentHeaders;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.EnumSet;
import java.util.Set;

/**
 * {@code /v2/api-keys}: create (the raw key is in the response once and never again), list,
 * retrieve, change the limits and budget of, and revoke keys of the caller's project. Another
 * project's key is a 404.
 */
public final class ApiKeysHandler {
    public static final String PATH = "/v2/api-keys";
    public static final String ONE_PATH = "/v2/api-keys/*";
    /** Sanity bounds: a limit or budget past these is a typo, not a plan. */
    static final long MAX_RPM = 100_000_000L;
    static final long MAX_TPM = 100_000_000_000L;
    static final long MAX_BUDGET_MICROS = 1_000_000_000_000_000L;
    private static final Set<String> CREATE_FIELDS = Set.of("name", "scopes", "rpm_limit", "tpm_limit", "budget_micros");
    private static final Set<String> PATCH_FIELDS = Set.of("rpm_limit", "tpm_limit", "budget_micros");

    private final ApiKeyService keys;
    private final Runnable awaitUsage;

    /** @param awaitUsage waits until every journaled usage event is in the database, so spend is current */
    public ApiKeysHandler(ApiKeyService keys, Runnable awaitUsage) {
        this.keys = keys;
        this.awaitUsage = awaitUsage;
    }

    private long spent(String project, String keyId) {
        awaitUsage.run();
        return keys.spentNanos(project, keyId);
    }

    public void create(Exchange ex, Buffer body) {
        ObjectNode req = Params.object(body);
        Params.rejectUnknown(req, CREATE_FIELDS);
        String name = Params.requiredString(req, "name", "name").strip();
        if (name.isEmpty()) throw Params.invalidValue("name", "Invalid 'name': must not be blank.");
        if (name.length() > 200) throw Params.invalidValue("name", "Invalid 'name': at most 200 characters.");
        Set<Scope> scopes = scopes(req, ex.principal());
        Long rpm = Params.optionalLong(req, "rpm_limit", "rpm_limit", 0, MAX_RPM);
        Long tpm = Params.optionalLong(req, "tpm_limit", "tpm_limit", 0, MAX_TPM);
        Long budget = Params.optionalLong(req, "budget_micros", "budget_micros", 0, MAX_BUDGET_MICROS);
        String project = ex.principal().projectId();
        ex.offload(() -> keys.create(project, name, scopes, rpm, tpm, budget), created -> {
            ObjectNode json = json(created.key(), 0);
            json.put("key", created.rawKey());
            ex.sendJson(200, json);
        });
    }

    /**
     * {@code PATCH /v2/api-keys/{id}} {@code {rpm_limit?, tpm_limit?, budget_micros?}}: a field given
     * replaces the key's value ({@code null} removes it), a field left out keeps it.
     */
    public void update(Exchange ex, Buffer body) {
        String id = idFrom(ex, false);
        ObjectNode req = Params.object(body);
        Params.rejectUnknown(req, PATCH_FIELDS);
        if (req.isEmpty()) throw Params.invalidValue(null, "Nothing to change: give rpm_limit, tpm_limit or budget_micros.");
        Long rpm = Params.optionalLong(req, "rpm_limit", "rpm_limit", 0, MAX_RPM);
        Long tpm = Params.optionalLong(req, "tpm_limit", "tpm_limit", 0, MAX_TPM);
        Long budget = Params.optionalLong(req, "budget_micros", "budget_micros", 0, MAX_BUDGET_MICROS);
        String project = ex.principal().projectId();
        ex.offload(() -> {
            ApiKey k = keys.find(project, id).orElseThrow(() -> notFound(id));
            ApiKey changed = keys.setLimits(project, id, req.has("rpm_limit") ? rpm : k.rpmLimit(),
                    req.has("tpm_limit") ? tpm : k.tpmLimit(), req.has("budget_micros") ? budget : k.budgetMicros())
                    .orElseThrow(() -> notFound(id));
            return json(changed, spent(project, id));
        }, json -> ex.sendJson(200, json));
    }

    public void list(Exchange ex) {
        String project = ex.principal().projectId();
        ex.offload(() -> {
            ObjectNode root = Json.object();
            root.put("object", "list");
            ArrayNode data = root.putArray("data");
            for (ApiKey k : keys.list(project)) data.add(json(k, spent(project, k.id())));
            root.put("has_more", false);
            return root;
        }, json -> ex.sendJson(200, json));
    }

    public void one(Exchange ex) {
        String id = idFrom(ex, false);
        String project = ex.principal().projectId();
        ex.offload(() -> json(keys.find(project, id).orElseThrow(() -> notFound(id)), spent(project, id)),
                json -> ex.sendJson(200, json));
    }

    /** {@code DELETE /v2/api-keys/{id}} and {@code POST /v2/api-keys/{id}/revoke}. */
    public void revoke(Exchange ex, boolean viaAction) {
        String id = idFrom(ex, viaAction);
        String project = ex.principal().projectId();
        ex.offload(() -> {
            ApiKey revoked = keys.revoke(project, id).orElseThrow(() -> notFound(id));
            return json(revoked, spent(project, id));
        }, json -> ex.sendJson(200, json));
    }

    private static String idFrom(Exchange ex, boolean viaAction) {
        String tail = ex.request().path().substring(PATH.length() + 1);
        if (viaAction) {
            if (!tail.endsWith("/revoke")) throw unknownUrl(ex);
            tail = tail.substring(0, tail.length() - "/revoke".length());
        }
        if (tail.isEmpty() || tail.contains("/")) throw unknownUrl(ex);
        return tail;
    }

    private static RuntimeException unknownUrl(Exchange ex) {
        return ApiError.unknownUrl(ex.request().method().name(), ex.request().path()).exception();
    }

    private static RuntimeException notFound(String id) {
        return ApiError.notFound("No API key with id '" + id + "' exists in this project.").exception();
    }

    /**
     * The scopes asked for; {@code platform} only from a platform key in the default project (the
     * operator minting another operator key), since it reaches across every project.
     */
    private Set<Scope> scopes(ObjectNode req, Principal caller) {
        ArrayNode arr = Params.optionalArray(req, "scopes", "scopes");
        if (arr == null) return EnumSet.of(Scope.INFERENCE);
        if (arr.isEmpty()) throw Params.invalidValue("scopes", "Invalid 'scopes': at least one scope is required.");
        EnumSet<Scope> out = EnumSet.noneOf(Scope.class);
        for (int i = 0; i < arr.size(); i++) {
            JsonNode s = arr.get(i);
            if (!s.isTextual()) throw Params.wrongType("scopes[" + i + "]", "a string", s);
            String v = Params.oneOf(s.textValue(), "scopes[" + i + "]", Set.of("inference", "read", "admin", "platform"));
            Scope scope = Scope.parse(v);
            if (scope == Scope.PLATFORM && !(caller.may(Scope.PLATFORM) && caller.projectId().equals(keys.defaultProjectId()))) {
                throw new ApiError(403, "invalid_request_error", "insufficient_scope", "scopes[" + i + "]",
                        "Only a platform key of the default project can create platform keys.", null).exception();
            }
            out.add(scope);
        }
        return out;
    }

    static ObjectNode json(ApiKey k, long spentNanos) {
        ObjectNode o = Json.object();
        o.put("id", k.id());
        o.put("object", "api_key");
        o.put("project_id", k.projectId());
        o.put("name", k.name());
        o.put("masked", k.masked());
        ArrayNode scopes = o.putArray("scopes");
        for (Scope s : k.scopes()) scopes.add(s.wire());
        o.put("status", k.active() ? "active" : "revoked");
        o.put("created_at", Rfc3339.format(k.createdAtMs()));
        if (k.lastUsedAtMs() != null) o.put("last_used_at", Rfc3339.format(k.lastUsedAtMs()));
        if (k.revokedAtMs() != null) o.put("revoked_at", Rfc3339.format(k.revokedAtMs()));
        o.put("rpm_limit", k.rpmLimit());
        o.put("tpm_limit", k.tpmLimit());
        if (k.budgetMicros() != null) o.put("budget_micros", k.budgetMicros());
        o.put("spent_micros", AgentHeaders.micros(spentNanos));
        return o;
    }
}
