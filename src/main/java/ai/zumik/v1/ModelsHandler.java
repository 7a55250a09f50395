package ai.zumik.v1;

import ai.zumik.alias.AliasRegistry;
import ai.zumik.alias.AliasRelease;
import ai.zumik.catalog.CatalogModel;
import ai.zumik.catalog.ModelCatalog;
import ai.zumik.http.ApiError;
import ai.zumik.http.Exchange;
import ai.zumik.http.Query;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.TreeSet;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}}: catalogue models and aliases. Ids may contain slashes
 * ({@code fireworks/accounts/fireworks/models/...}), percent-encoded or not.
 */
public final class ModelsHandler {
    public static final String LIST_PATH = "/v1/models";
    public static final String ONE_PATH = "/v1/models/*";
    /** OpenAI's {@code created} is a Unix time; the catalogue's entries share one fixed epoch. */
    private static final long CREATED = 1_750_000_000L;

    private final ModelCatalog catalog;
    private final AliasRegistry aliases;
    private final List<String> catalogIds;

    public ModelsHandler(ModelCatalog catalog, AliasRegistry aliases) {
        this.catalog = catalog;
        this.aliases = aliases;
        this.catalogIds = catalog.models().stream().map(CatalogModel::id).toList();
    }

    /** Catalogue models and the aliases live for the caller's project, sorted by id. */
    public void list(Exchange ex) {
        TreeSet<String> ids = new TreeSet<>(catalogIds);
        for (AliasRelease r : aliases.liveAll(ex.principal().projectId())) ids.add(r.alias());
        ObjectNode root = Json.object();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (String id : ids) data.add(model(id));
        ex.sendJson(200, root);
    }

    public void one(Exchange ex) {
        String id = Query.decode(ex.request().path().substring(ONE_PATH.length() - 1), "model");
        boolean alias = AliasRegistry.validName(id) && aliases.live(ex.principal().projectId(), id).isPresent();
        if (!alias && catalog.resolve(id).filter(r -> r.entry() != null).isEmpty()) {
            throw ApiError.modelNotFound(id).exception();
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
}
