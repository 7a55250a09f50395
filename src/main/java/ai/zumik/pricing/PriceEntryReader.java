package ai.zumik.pricing;

import ai.zumik.provider.ProviderId;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads one model entry of the price table ({@code {provider, model, input, …}}) into a
 * {@link ModelPrice}; every bad value is an {@link IllegalArgumentException} naming its path
 * ({@code prices[2].input}).
 */
final class PriceEntryReader {
    private static final Set<String> ENTRY_KEYS = Set.of("provider", "model", "input", "cached_input",
            "cache_write_5m", "cache_write_1h", "output", "reasoning_output", "batch_discount", "service_tiers",
            "long_context", "confidence", "note");
    private static final Set<String> TIER_KEYS = Set.of("flex", "priority");
    private static final Set<String> LONG_CONTEXT_KEYS = Set.of("threshold_tokens", "input", "cached_input", "output");
    private static final Pattern DECIMAL = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");

    private PriceEntryReader() {}

    /** The provider and model an entry prices; the rest of the entry is not read. */
    static Key key(JsonNode entry, String path) {
        if (!entry.isObject()) throw new IllegalArgumentException(path + " must be a mapping");
        JsonNode p = entry.get("provider");
        if (p == null || !p.isTextual()) throw new IllegalArgumentException(path + ".provider is required");
        ProviderId provider = ProviderId.parse(p.textValue()).orElseThrow(() ->
                new IllegalArgumentException(path + ".provider '" + p.textValue() + "' is not a known provider"));
        JsonNode m = entry.get("model");
        if (m == null || !m.isTextual() || m.textValue().isBlank()) {
            throw new IllegalArgumentException(path + ".model is required");
        }
        return new Key(provider, m.textValue());
    }

    static ModelPrice read(JsonNode entry, String path) {
        Key key = key(entry, path);
        onlyKnownKeys(entry, ENTRY_KEYS, path);
        JsonNode tiers = entry.path("service_tiers");
        if (!tiers.isMissingNode() && !tiers.isNull()) onlyKnownKeys(tiers, TIER_KEYS, path + ".service_tiers");
        return new ModelPrice(key.provider(), key.model(),
                requiredPrice(entry, "input", path), price(entry, "cached_input", path),
                price(entry, "cache_write_5m", path), price(entry, "cache_write_1h", path),
                requiredPrice(entry, "output", path), price(entry, "reasoning_output", path),
                decimal(entry, "batch_discount", path), decimal(tiers, "flex", path + ".service_tiers"),
                decimal(tiers, "priority", path + ".service_tiers"), longContext(entry.get("long_context"), path));
    }

    private static ModelPrice.LongContext longContext(JsonNode lc, String path) {
        if (lc == null || lc.isNull()) return null;
        String at = path + ".long_context";
        onlyKnownKeys(lc, LONG_CONTEXT_KEYS, at);
        JsonNode t = lc.get("threshold_tokens");
        if (t == null || !t.isIntegralNumber() || !t.canConvertToLong() || t.longValue() < 0) {
            throw new IllegalArgumentException(at + ".threshold_tokens must be a whole number of tokens");
        }
        return new ModelPrice.LongContext(t.longValue(), price(lc, "input", at), price(lc, "cached_input", at),
                price(lc, "output", at));
    }

    private static void onlyKnownKeys(JsonNode node, Set<String> known, String path) {
        if (!node.isObject()) throw new IllegalArgumentException(path + " must be a mapping");
        for (var field : node.properties()) {
            if (!known.contains(field.getKey())) {
                throw new IllegalArgumentException(path + "." + field.getKey() + " is not a known key");
            }
        }
    }

    private static long requiredPrice(JsonNode node, String field, String path) {
        Long p = price(node, field, path);
        if (p == null) throw new IllegalArgumentException(path + "." + field + " is required");
        return p;
    }

    /** USD per 1M tokens as whole pico-USD per token, or null when absent. */
    private static Long price(JsonNode node, String field, String path) {
        BigDecimal usdPerMillion = decimal(node, field, path);
        if (usdPerMillion == null) return null;
        BigDecimal picos = usdPerMillion.movePointRight(6);
        if (picos.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException(path + "." + field + " has more than 6 decimals, "
                    + "which is not a whole number of pico-USD per token");
        }
        try {
            return picos.longValueExact();
        } catch (ArithmeticException tooLarge) {
            throw new IllegalArgumentException(path + "." + field + " is too large");
        }
    }

    private static BigDecimal decimal(JsonNode node, String field, String path) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual() || !DECIMAL.matcher(v.textValue()).matches()) {
            throw new IllegalArgumentException(path + "." + field + " must be a decimal string such as \"2.50\"");
        }
        BigDecimal d = new BigDecimal(v.textValue());
        if (d.signum() < 0) throw new IllegalArgumentException(path + "." + field + " must not be negative");
        return d;
    }

    /** A price's identity: the provider and its own model id. */
    record Key(ProviderId provider, String model) {
        @Override
        public String toString() {
            return provider.wireId() + "/" + model;
        }
    }
}
