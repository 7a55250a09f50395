package ai.zumik.v2;

import static ai.zumik.v2.StateJson.call;

import ai.zumik.http.ApiError;
import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.json.Json;
import ai.zumik.state.ArtifactStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /v2/artifacts} and {@code /v2/bundles}: immutable content and ordered references to it.
 * Create, get (an artifact's bytes at {@code …/content}), list (cursor paging), and DELETE, which
 * revokes the handle at once (the bytes stay until a purge).
 */
public final class ArtifactsHandler {
    public static final String ARTIFACTS = "/v2/artifacts";
    public static final String ONE_ARTIFACT = "/v2/artifacts/*";
    public static final String BUNDLES = "/v2/bundles";
    public static final String ONE_BUNDLE = "/v2/bundles/*";
    private static final Pattern MEDIA_TYPE = Pattern.compile("[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*(;.*)?",
            Pattern.CASE_INSENSITIVE);

    private final ArtifactStore store;

    public ArtifactsHandler(ArtifactStore store) {
        this.store = store;
    }

    public void createArtifact(Exchange ex, Buffer body) {
        ObjectNode req = Params.object(body);
        Params.rejectUnknown(req, Set.of("artifact_type", "content", "content_media_type", "retention_class", "metadata"));
        String type = Params.oneOf(Params.requiredString(req, "artifact_type", "artifact_type"), "artifact_type",
                ArtifactStore.ARTIFACT_TYPES);
        String content = Params.requiredString(req, "content", "content");
        int bytes = content.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > ArtifactStore.MAX_CONTENT_BYTES) {
            throw ApiError.invalid("content", "content_too_large", "Invalid 'content': " + bytes + " bytes; an artifact holds at most "
                    + ArtifactStore.MAX_CONTENT_BYTES + " bytes (1 MiB) of UTF-8.").exception();
        }
        String mediaType = Params.optionalString(req, "content_media_type", "content_media_type");
        if (mediaType == null) mediaType = "text/plain";
        if (!MEDIA_TYPE.matcher(mediaType).matches()) {
            throw Params.invalidValue("content_media_type", "Invalid 'content_media_type': '" + mediaType + "' is not a media type (type/subtype).");
        }
        if (mediaType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json") && Json.parseOrNull(
                content.getBytes(StandardCharsets.UTF_8)) == null) {
            throw Params.invalidValue("content", "Invalid 'content': the media type is application/json but the content is not JSON.");
        }
        String retention = Params.optionalString(req, "retention_class", "retention_class");
        retention = retention == null ? "standard" : Params.oneOf(retention, "retention_class", ArtifactStore.RETENTION);
        ObjectNode metadata = StateJson.metadata(req);
        String project = ex.principal().projectId();
        String media = mediaType;
        String kept = retention;
        ex.offload(() -> store.create(project, type, media, kept, metadata, content), a -> ex.sendJson(200, StateJson.artifact(a)));
    }

    public void listArtifacts(Exchange ex) {
        int limit = Params.queryLimit(ex.query().get("limit"));
        String after = StateJson.after(ex.query().get("after"), "art_");
        String project = ex.principal().projectId();
        ex.offload(() -> store.artifacts(project, after, limit + 1),
                rows -> ex.sendJson(200, StateJson.page(rows, limit, StateJson::artifact, a -> a.id())));
    }

    /** {@code GET /v2/artifacts/{id}} and {@code GET /v2/artifacts/{id}/content} (the bytes, with their media type). */
    public void getArtifact(Exchange ex) {
        String tail = tail(ex, ARTIFACTS);
        boolean content = tail.endsWith("/content");
        String id = content ? tail.substring(0, tail.length() - "/content".length()) : tail;
        if (id.isEmpty() || id.contains("/")) throw unknown(ex);
        String project = ex.principal().projectId();
        ex.offload(() -> call(() -> store.artifact(project, id)), a -> {
            if (!content) {
                ex.sendJson(200, StateJson.artifact(a));
                return;
            }
            ex.response().putHeader("content-type", a.mediaType());
            ex.endStream(Buffer.buffer(a.content()));
        });
    }

    public void deleteArtifact(Exchange ex) {
        String id = id(ex, ARTIFACTS);
        String project = ex.principal().projectId();
        ex.offload(() -> call(() -> {
            store.revokeArtifact(project, id);
            return id;
        }), gone -> ex.sendJson(200, deleted(gone, "artifact.deleted")));
    }

    public void createBundle(Exchange ex, Buffer body) {
        ObjectNode req = Params.object(body);
        Params.rejectUnknown(req, Set.of("bundle_type", "items"));
        String type = Params.optionalString(req, "bundle_type", "bundle_type");
        if (type == null) type = "agent_prefix";
        if (type.isEmpty() || type.length() > 64) throw Params.invalidValue("bundle_type", "Invalid 'bundle_type': 1 to 64 characters.");
        ArrayNode items = Params.optionalArray(req, "items", "items");
        if (items == null) throw Params.missing("items");
        if (items.isEmpty()) throw ApiError.invalid("items", "empty_array", "Invalid 'items': empty array. A bundle holds at least one item.").exception();
        if (items.size() > 256) throw Params.invalidValue("items", "Invalid 'items': at most 256 items.");
        ArrayNode kept = Json.array();
        for (int i = 0; i < items.size(); i++) {
            String p = "items[" + i + "]";
            JsonNode it = items.get(i);
            if (!(it instanceof ObjectNode item)) throw Params.wrongType(p, "an object", it);
            Params.rejectUnknown(item, Set.of("artifact_id", "role"));
            String art = Params.requiredString(item, "artifact_id", p + ".artifact_id");
            if (!art.startsWith("art_")) {
                throw Params.invalidValue(p + ".artifact_id", "Invalid '" + p + ".artifact_id': expected an artifact id (art_...).");
            }
            String role = Params.oneOf(Params.requiredString(item, "role", p + ".role"), p + ".role", ArtifactStore.ROLES);
            kept.addObject().put("artifact_id", art).put("role", role);
        }
        String project = ex.principal().projectId();
        String bundleType = type;
        ex.offload(() -> call(() -> store.createBundle(project, bundleType, kept)), b -> ex.sendJson(200, StateJson.bundle(b)));
    }

    public void listBundles(Exchange ex) {
        int limit = Params.queryLimit(ex.query().get("limit"));
        String after = StateJson.after(ex.query().get("after"), "bnd_");
        String project = ex.principal().projectId();
        ex.offload(() -> store.bundles(project, after, limit + 1),
                rows -> ex.sendJson(200, StateJson.page(rows, limit, StateJson::bundle, b -> b.id())));
    }

    public void getBundle(Exchange ex) {
        String id = id(ex, BUNDLES);
        String project = ex.principal().projectId();
        ex.offload(() -> call(() -> store.bundle(project, id)), b -> ex.sendJson(200, StateJson.bundle(b)));
    }

    public void deleteBundle(Exchange ex) {
        String id = id(ex, BUNDLES);
        String project = ex.principal().projectId();
        ex.offload(() -> call(() -> {
            store.revokeBundle(project, id);
            return id;
        }), gone -> ex.sendJson(200, deleted(gone, "bundle.deleted")));
    }

    static ObjectNode deleted(String id, String object) {
        return Json.object().put("id", id).put("object", object).put("deleted", true);
    }

    static String tail(Exchange ex, String base) {
        return ex.request().path().substring(base.length() + 1);
    }

    static String id(Exchange ex, String base) {
        String id = tail(ex, base);
        if (id.isEmpty() || id.contains("/")) throw unknown(ex);
        return id;
    }

    static RuntimeException unknown(Exchange ex) {
        return ApiError.unknownUrl(ex.request().method().name(), ex.request().path()).exception();
    }
}
