package ai.zumik.v1;

import ai.zumik.catalog.CatalogModel;
import ai.zumik.catalog.ModelCatalog;
import ai.zumik.http.ApiError;
import ai.zumik.http.Exchange;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}}. Ids may contain slashes
 * ({@code fireworks/accounts/fireworks/models/...}), percent-encoded or not.
 */
public final class ModelsHandler {
    public static final String LIST_PATH = "/v1/models";
    public static final String ONE_PATH = "/v1/models/*";
    /** OpenAI's {@code created} is a Unix time; the catalogue's entries share one fixed epoch. */
    private static final long CREATED = 1_750_000_000L;

    private final ModelCatalog catalog;
    private final byte[] listBody;

    public ModelsHandler(ModelCatalog catalog) {
        this.catalog = catalog;
        ObjectNode root = Json.object();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        List<String> ids = catalog.models().stream().map(CatalogModel::id).sorted().toList();
        for (String id : ids) data.add(model(id));
        this.listBody = Json.bytes(root);
    }

    public void list(Exchange ex) {
        ex.sendJson(200, listBody);
    }

    public void one(Exchange ex) {
        String id = percentDecode(ex.request().path().substring(ONE_PATH.length() - 1));
        if (catalog.resolve(id).filter(r -> r.entry() != null).isEmpty()) {
            throw new ApiError(404, "invalid_request_error", "model_not_found", "model",
                    "The model '" + id + "' does not exist.", null).exception();
        }
        ex.sendJson(200, model(id));
    }

    private static ObjectNode model(String id) {
        ObjectNode m = Json.object();
        m.put("id", id);
        m.put("object", "model");
        m.put("created", CREATED);
        m.put("owned_by", "zumik");
        return m;
    }

    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) return s;
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi >= 0 && lo >= 0) {
                    out.write(hi * 16 + lo);
                    i += 2;
                    continue;
                }
            }
            byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
            out.write(b, 0, b.length);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
