package ai.zumik.pricing;

import ai.zumik.ids.Sha256;
import ai.zumik.inference.ExecutionProfile;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import ai.zumik.pricing.PriceEntryReader.Key;
import ai.zumik.provider.ProviderId;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The price table: the bundled {@code catalog/prices.json} (revision {@code prc_…}), optionally
 * with the operator's overrides, and the cost of a response at those prices. Immutable.
 */
public final class PriceTable {
    private static final String RESOURCE = "catalog/prices.json";

    private final String revision;
    /** Each entry's validated JSON, kept so an override can replace single fields of it. */
    private final Map<Key, ObjectNode> entries;
    private final Map<Key, ModelPrice> prices;

    private PriceTable(String revision, Map<Key, ObjectNode> entries, Map<Key, ModelPrice> prices) {
        this.revision = revision;
        this.entries = Collections.unmodifiableMap(entries);
        this.prices = Collections.unmodifiableMap(prices);
    }

    /** The table bundled in the jar; a malformed one is an {@link IllegalStateException} naming the entry. */
    public static PriceTable bundled() {
        try (InputStream in = PriceTable.class.getResourceAsStream("/" + RESOURCE)) {
            if (in == null) throw new IllegalStateException(RESOURCE + " missing from the jar");
            return parse(Json.MAPPER.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static PriceTable parse(JsonNode root) {
        String revision = root.path("revision").asText();
        if (!revision.startsWith("prc_")) throw new IllegalStateException(RESOURCE + ": revision must start with prc_");
        JsonNode models = root.path("models");
        if (!models.isArray()) throw new IllegalStateException(RESOURCE + ": models must be a list");
        Map<Key, ObjectNode> entries = new LinkedHashMap<>();
        Map<Key, ModelPrice> prices = new LinkedHashMap<>();
        for (int i = 0; i < models.size(); i++) {
            JsonNode entry = models.get(i);
            String path = "models[" + i + "]";
            try {
                ModelPrice price = PriceEntryReader.read(entry, path);
                Key key = new Key(price.provider(), price.model());
                if (prices.put(key, price) != null) throw new IllegalArgumentException(path + " prices " + key + " twice");
                entries.put(key, (ObjectNode) entry);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(RESOURCE + " entry " + path + " (" + entry.path("provider").asText()
                        + "/" + entry.path("model").asText() + "): " + e.getMessage(), e);
            }
        }
        return new PriceTable(revision, entries, prices);
    }

    /**
     * This table with {@code overrides} applied: a list of entries shaped like the file's, where only
     * {@code provider} and {@code model} are required. Each field given replaces the table's whole
     * field for that model ({@code service_tiers} and {@code long_context} included; {@code null}
     * clears it); a model not in the table is added and then needs {@code input} and {@code output}.
     * The revision becomes this one plus {@code +config.} and the first 8 hex digits of the SHA-256
     * of the overrides' canonical JSON (object keys sorted, compact).
     *
     * @throws IllegalArgumentException naming the bad path, e.g. {@code prices[2].input}
     */
    public PriceTable withOverrides(JsonNode overrides) {
        if (overrides == null || overrides.isMissingNode() || overrides.isNull()) return this;
        if (!overrides.isArray()) throw new IllegalArgumentException("prices must be a list of model prices");
        if (overrides.isEmpty()) return this;
        Map<Key, ObjectNode> entries = new LinkedHashMap<>(this.entries);
        Map<Key, ModelPrice> prices = new LinkedHashMap<>(this.prices);
        Set<Key> seen = new HashSet<>();
        for (int i = 0; i < overrides.size(); i++) {
            String path = "prices[" + i + "]";
            JsonNode override = overrides.get(i);
            Key key = PriceEntryReader.key(override, path);
            if (!seen.add(key)) throw new IllegalArgumentException(path + " overrides " + key + " a second time");
            ObjectNode merged = entries.containsKey(key) ? entries.get(key).deepCopy() : Json.object();
            merged.setAll((ObjectNode) override.deepCopy());
            prices.put(key, PriceEntryReader.read(merged, path));
            entries.put(key, merged);
        }
        return new PriceTable(revision + "+config." + sha256Prefix(canonical(overrides)), entries, prices);
    }

    public String revision() {
        return revision;
    }

    /** The price of {@code model} at {@code provider} (a provider name or spelling), by exact model id. */
    public Optional<ModelPrice> find(String provider, String model) {
        return ProviderId.parse(provider).map(p -> prices.get(new Key(p, model)));
    }

    /**
     * What {@code usage} costs at {@code tier}, in nano-USD rounded half-up once; empty when the model
     * is not priced here (a fine-tune, say) or the usage was not reported.
     */
    public OptionalLong costNanos(String provider, String model, Usage usage, Tier tier) {
        Optional<ModelPrice> price = find(provider, model);
        if (price.isEmpty() || !usage.reported()) return OptionalLong.empty();
        return OptionalLong.of(price.get().costNanos(usage, tier));
    }

    /**
     * What {@code usage} costs the platform's bill under {@code profile}: BYOK tokens are billed to the
     * customer by the provider, so they cost 0 here (the token counts are still recorded); Zumik's
     * per-request control-plane fee for BYOK is not modelled. Other profiles: {@link #costNanos(String,
     * String, Usage, Tier)}.
     */
    public OptionalLong costNanos(ExecutionProfile profile, String provider, String model, Usage usage, Tier tier) {
        if (profile == ExecutionProfile.BYOK) return usage.reported() ? OptionalLong.of(0) : OptionalLong.empty();
        return costNanos(provider, model, usage, tier);
    }

    private static JsonNode canonical(JsonNode node) {
        if (node.isObject()) {
            ObjectNode sorted = Json.object();
            node.properties().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> sorted.set(e.getKey(), canonical(e.getValue())));
            return sorted;
        }
        if (node.isArray()) {
            ArrayNode list = Json.array();
            node.forEach(e -> list.add(canonical(e)));
            return list;
        }
        return node;
    }

    private static String sha256Prefix(JsonNode node) {
        return Sha256.hexPrefix(Json.bytes(node), 4);
    }
}
