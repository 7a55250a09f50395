package ai.zumik.catalog;

import ai.zumik.json.Json;
import ai.zumik.provider.ProviderId;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The bundled model catalogue ({@code catalog/models.json}) and model addressing.
 *
 * <p>A requested {@code model} is resolved as: {@code provider/model} when the first segment is a
 * provider name or spelling ({@code fireworks/}, {@code google_gemini/} ...), the rest being the
 * provider's own id, slashes included; otherwise a bare id the catalogue lists.
 */
public final class ModelCatalog {
    private final Map<String, CatalogModel> byBareId;

    private ModelCatalog(Map<String, CatalogModel> byBareId) {
        this.byBareId = byBareId;
    }

    public static ModelCatalog bundled() {
        try (InputStream in = ModelCatalog.class.getResourceAsStream("/catalog/models.json")) {
            if (in == null) throw new IllegalStateException("catalog/models.json missing from the jar");
            return parse(Json.MAPPER.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ModelCatalog parse(JsonNode root) {
        Map<String, CatalogModel> out = new LinkedHashMap<>();
        for (JsonNode m : root.get("models")) {
            ProviderId p = ProviderId.parse(m.get("provider").asText())
                    .orElseThrow(() -> new IllegalStateException("unknown provider in catalogue: " + m));
            String id = m.get("id").asText();
            CatalogModel.Kind kind = CatalogModel.Kind.valueOf(m.get("kind").asText().toUpperCase(java.util.Locale.ROOT));
            var model = new CatalogModel(p, id, kind, m.get("context_window").asLong(),
                    m.has("max_output_tokens") ? m.get("max_output_tokens").asLong() : null,
                    m.has("dimensions") ? m.get("dimensions").asInt() : null);
            if (out.put(id, model) != null) throw new IllegalStateException("duplicate catalogue id " + id);
        }
        return new ModelCatalog(Collections.unmodifiableMap(out));
    }

    /** Resolves a requested model; empty when it addresses nothing. */
    public Optional<ModelRef> resolve(String requested) {
        if (requested == null || requested.isEmpty()) return Optional.empty();
        CatalogModel bare = byBareId.get(requested);
        if (bare != null) return Optional.of(new ModelRef(requested, bare.provider(), bare.id(), bare));
        int slash = requested.indexOf('/');
        if (slash > 0 && slash < requested.length() - 1) {
            Optional<ProviderId> p = ProviderId.parse(requested.substring(0, slash));
            if (p.isPresent()) {
                String model = requested.substring(slash + 1);
                CatalogModel entry = byBareId.get(model);
                return Optional.of(new ModelRef(requested, p.get(), model,
                        entry != null && entry.provider() == p.get() ? entry : null));
            }
        }
        return Optional.empty();
    }

    public List<CatalogModel> models() {
        return new ArrayList<>(byBareId.values());
    }
}
