package ai.zumik.catalog;

import ai.zumik.json.Json;
import ai.zumik.provider.ProviderId;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The bundled model catalogue and capability manifest ({@code catalog/manifest.json}, revision
 * {@code cap_…}) and model addressing.
 *
 * <p>A requested {@code model} is resolved as: {@code provider/model} when the first segment is a
 * provider name or spelling ({@code fireworks/}, {@code google_gemini/} ...), the rest being the
 * provider's own id, slashes included; otherwise a bare id the catalogue lists.
 */
public final class ModelCatalog {
    private final String revision;
    private final Map<String, CatalogModel> byBareId;
    private final Map<ProviderId, Capabilities> providerDefaults;

    private ModelCatalog(String revision, Map<String, CatalogModel> byBareId, Map<ProviderId, Capabilities> defaults) {
        this.revision = revision;
        this.byBareId = byBareId;
        this.providerDefaults = defaults;
    }

    public static ModelCatalog bundled() {
        try (InputStream in = ModelCatalog.class.getResourceAsStream("/catalog/manifest.json")) {
            if (in == null) throw new IllegalStateException("catalog/manifest.json missing from the jar");
            return parse(Json.MAPPER.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ModelCatalog parse(JsonNode root) {
        String revision = root.path("revision").asText();
        if (!revision.startsWith("cap_")) throw new IllegalStateException("manifest revision must start with cap_");
        Map<ProviderId, ObjectNode> defaults = new EnumMap<>(ProviderId.class);
        root.get("providers").properties().forEach(e -> defaults.put(ProviderId.parse(e.getKey())
                .orElseThrow(() -> new IllegalStateException("unknown provider in manifest: " + e.getKey())),
                (ObjectNode) e.getValue()));
        Map<String, CatalogModel> out = new LinkedHashMap<>();
        for (JsonNode m : root.get("models")) {
            ProviderId p = ProviderId.parse(m.get("provider").asText())
                    .orElseThrow(() -> new IllegalStateException("unknown provider in catalogue: " + m));
            String id = m.get("id").asText();
            CatalogModel.Kind kind = CatalogModel.Kind.valueOf(m.get("kind").asText().toUpperCase(java.util.Locale.ROOT));
            ObjectNode caps = defaults.get(p).deepCopy();
            if (m.get("capabilities") instanceof ObjectNode o) merge(caps, o);
            var model = new CatalogModel(p, id, kind, m.get("context_window").asLong(),
                    m.has("max_output_tokens") ? m.get("max_output_tokens").asLong() : null,
                    m.has("dimensions") ? m.get("dimensions").asInt() : null, capabilities(caps),
                    m.hasNonNull("compatibility_group") ? m.get("compatibility_group").asText() : null,
                    m.hasNonNull("openrouter_id") ? m.get("openrouter_id").asText() : null);
            if (out.put(id, model) != null) throw new IllegalStateException("duplicate catalogue id " + id);
        }
        Map<ProviderId, Capabilities> providerCaps = new EnumMap<>(ProviderId.class);
        defaults.forEach((p, o) -> providerCaps.put(p, capabilities(o)));
        return new ModelCatalog(revision, Collections.unmodifiableMap(out), providerCaps);
    }

    private static void merge(ObjectNode into, ObjectNode over) {
        over.properties().forEach(e -> {
            if (e.getValue() instanceof ObjectNode o && into.get(e.getKey()) instanceof ObjectNode i) merge(i, o);
            else into.set(e.getKey(), e.getValue());
        });
    }

    private static Capabilities capabilities(ObjectNode c) {
        JsonNode pc = c.path("prompt_cache");
        List<String> tiers = new ArrayList<>();
        c.path("service_tiers").forEach(t -> tiers.add(t.asText()));
        return new Capabilities(
                flag(c, "tools"), flag(c, "parallel_tools"), flag(c, "vision"), flag(c, "pdf_input"), flag(c, "audio_input"),
                flag(c, "json_schema"), flag(c, "json_object"), c.path("max_choices").asInt(1), flag(c, "logprobs"),
                flag(c, "reasoning"),
                new Capabilities.PromptCache(pc.path("mode").asText("none"), pc.path("min_prefix_tokens").asInt(),
                        pc.path("read_discount").asDouble(), pc.path("write_premium").asDouble(),
                        pc.path("ttl_seconds").asInt(), pc.path("extended_ttl_seconds").asInt(),
                        pc.path("max_breakpoints").asInt()),
                flag(c, "batch_api"), List.copyOf(tiers), flag(c, "manual_cache_clear"),
                flag(c, "provider_side_deletion"), flag(c, "embeddings"),
                c.hasNonNull("default_max_tokens") ? c.get("default_max_tokens").asLong() : null,
                c.path("plausible_ttft_ms").asInt(0));
    }

    private static boolean flag(JsonNode c, String name) {
        JsonNode v = c.get(name);
        if (v == null || !v.isBoolean()) throw new IllegalStateException("manifest capability '" + name + "' must be a boolean");
        return v.booleanValue();
    }

    /** The manifest revision ({@code cap_…}) every routing decision pins. */
    public String revision() {
        return revision;
    }

    /** A provider's default capabilities (for models the catalogue does not list). */
    public Capabilities providerDefaults(ProviderId provider) {
        return providerDefaults.get(provider);
    }

    /** Resolves a requested model; empty when it addresses nothing. */
    public Optional<ModelRef> resolve(String requested) {
        if (requested == null || requested.isEmpty()) return Optional.empty();
        CatalogModel bare = byBareId.get(requested);
        if (bare != null) return Optional.of(new ModelRef(requested, bare.provider(), bare.id(), bare, bare.capabilities()));
        int slash = requested.indexOf('/');
        if (slash > 0 && slash < requested.length() - 1) {
            Optional<ProviderId> p = ProviderId.parse(requested.substring(0, slash));
            if (p.isPresent()) {
                String model = requested.substring(slash + 1);
                CatalogModel entry = byBareId.get(model);
                CatalogModel known = entry != null && entry.provider() == p.get() ? entry : null;
                return Optional.of(new ModelRef(requested, p.get(), model, known,
                        known != null ? known.capabilities() : providerDefaults.get(p.get())));
            }
        }
        return Optional.empty();
    }

    /** Models that may stand in for {@code model}: its compatibility group, in manifest order, itself excluded. */
    public List<CatalogModel> compatible(CatalogModel model) {
        if (model == null || model.compatibilityGroup() == null) return List.of();
        List<CatalogModel> out = new ArrayList<>();
        for (CatalogModel m : byBareId.values()) {
            if (m != model && model.compatibilityGroup().equals(m.compatibilityGroup()) && m.kind() == model.kind()) out.add(m);
        }
        return out;
    }

    public List<CatalogModel> models() {
        return new ArrayList<>(byBareId.values());
    }
}
