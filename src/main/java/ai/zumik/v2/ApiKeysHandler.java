package ai.zumik.v2;

import ai.zumik.http.ApiError;
import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.json.Json;
import ai.zumik.keys.ApiKey;
import ai.zumik.keys.ApiKeyService;
import ai.zumik.keys.Scope;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * {@code /v2/api-keys}: create (the raw key is in the response once and never again), list,
 * retrieve and revoke keys of the caller's project. Another project's key is a 404.
 */
public final class ApiKeysHandler {
    public static final String PATH = "/v2/api-keys";
    public static final String ONE_PATH = "/v2/api-keys/*";

    private final ApiKeyService keys;

    public ApiKeysHandler(ApiKeyService keys) {
        this.keys = keys;
    }

    public void create(Exchange ex, Buffer body) {
        ObjectNode req = Params.object(body);
        String name = Params.requiredString(req, "name", "name").strip();
        if (name.isEmpty()) throw Params.invalidValue("name", "Invalid 'name': must not be blank.");
        if (name.length() > 200) throw Params.invalidValue("name", "Invalid 'name': at most 200 characters.");
        Set<Scope> scopes = scopes(req);
        String project = ex.principal().projectId();
        ex.offload(() -> keys.create(project, name, scopes), created -> {
            ObjectNode json = json(created.key());
            json.put("key", created.rawKey());
            ex.sendJson(200, json);
        });
    }

    public void list(Exchange ex) {
        String project = ex.principal().projectId();
        ex.offload(() -> keys.list(project), list -> ex.sendJson(200, listJson(list)));
    }

    public void one(Exchange ex) {
        String id = idFrom(ex, false);
        String project = ex.principal().projectId();
        ex.offload(() -> keys.find(project, id), found -> ex.sendJson(200, json(found.orElseThrow(() -> notFound(id)))));
    }

    /** {@code DELETE /v2/api-keys/{id}} and {@code POST /v2/api-keys/{id}/revoke}. */
    public void revoke(Exchange ex, boolean viaAction) {
        String id = idFrom(ex, viaAction);
        String project = ex.principal().projectId();
        ex.offload(() -> keys.revoke(project, id), revoked -> ex.sendJson(200, json(revoked.orElseThrow(() -> notFound(id)))));
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
        return new ApiError(404, "invalid_request_error", "unknown_url", null,
                "Invalid URL (" + ex.request().method() + " " + ex.request().path() + ")", null).exception();
    }

    private static RuntimeException notFound(String id) {
        return ApiError.notFound("No API key with id '" + id + "' exists in this project.").exception();
    }

    private static Set<Scope> scopes(ObjectNode req) {
        ArrayNode arr = Params.optionalArray(req, "scopes", "scopes");
        if (arr == null) return EnumSet.of(Scope.INFERENCE);
        if (arr.isEmpty()) throw Params.invalidValue("scopes", "Invalid 'scopes': at least one scope is required.");
        EnumSet<Scope> out = EnumSet.noneOf(Scope.class);
        for (int i = 0; i < arr.size(); i++) {
            JsonNode s = arr.get(i);
            if (!s.isTextual()) throw Params.wrongType("scopes[" + i + "]", "a string", s);
            String v = Params.oneOf(s.textValue(), "scopes[" + i + "]", Set.of("inference", "read", "admin"));
            out.add(Scope.parse(v));
        }
        return out;
    }

    static ObjectNode json(ApiKey k) {
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
        return o;
    }

    private static ObjectNode listJson(List<ApiKey> list) {
        ObjectNode root = Json.object();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (ApiKey k : list) data.add(json(k));
        root.put("has_more", false);
        return root;
    }
}
