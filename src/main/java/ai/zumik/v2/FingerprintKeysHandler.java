package ai.zumik.v2;

import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.json.Json;
import ai.zumik.reuse.FingerprintKeys;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.Set;

/**
 * {@code /v2/fingerprint-keys} (admin): the project's reuse fingerprint keys by id and date (never
 * their bytes), and {@code POST …/rotate}, which retires the active key so nothing fingerprinted from
 * now on links to anything before.
 */
public final class FingerprintKeysHandler {
    public static final String PATH = "/v2/fingerprint-keys";
    public static final String ROTATE_PATH = "/v2/fingerprint-keys/rotate";

    private final FingerprintKeys keys;

    public FingerprintKeysHandler(FingerprintKeys keys) {
        this.keys = keys;
    }

    public void list(Exchange ex) {
        String project = ex.principal().projectId();
        ex.offload(() -> keys.list(project), list -> {
            ObjectNode o = Json.object();
            o.put("object", "list");
            ArrayNode data = o.putArray("data");
            list.forEach(k -> data.add(json(k)));
            ex.sendJson(200, o);
        });
    }

    public void rotate(Exchange ex, Buffer body) {
        if (body != null && body.length() > 0) Params.rejectUnknown(Params.object(body), Set.of());
        String project = ex.principal().projectId();
        ex.offload(() -> keys.rotate(project), k -> ex.sendJson(200, json(k)));
    }

    private static ObjectNode json(FingerprintKeys.Listed k) {
        ObjectNode o = Json.object();
        o.put("id", k.id());
        o.put("object", "fingerprint_key");
        o.put("status", k.retiredAtMs() == null ? "active" : "retired");
        o.put("created_at", Rfc3339.format(k.createdAtMs()));
        o.put("retired_at", k.retiredAtMs() == null ? null : Rfc3339.format(k.retiredAtMs()));
        return o;
    }
}
