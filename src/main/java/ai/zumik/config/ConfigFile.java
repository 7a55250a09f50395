package ai.zumik.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The optional YAML file named by {@code ZUMIK_CONFIG}, for what does not fit in environment
 * variables. Known top-level keys:
 * <pre>
 * policy_revision: policy_7          # the policy revision new alias releases pin
 * aliases:                           # override or add aliases (same shape as catalog/aliases.json)
 *   code.fast:
 *     - {provider: openai, model: gpt-4o, model_revision: "2024-11-20", weight: 60}
 * admission:
 *   max_concurrency: 2048            # requests running at once, all classes together
 * </pre>
 * Unknown keys are an error, so a typo cannot silently do nothing.
 */
public record ConfigFile(String policyRevision, ObjectNode aliases, Integer maxConcurrency) {
    public static final ConfigFile EMPTY = new ConfigFile(null, null, null);
    private static final Set<String> TOP = Set.of("policy_revision", "aliases", "admission");
    private static final Set<String> ADMISSION = Set.of("max_concurrency");

    /** Reads {@code path}; throws IllegalArgumentException naming the problem. */
    public static ConfigFile read(Path path) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(path));
        } catch (IOException e) {
            throw new IllegalArgumentException("ZUMIK_CONFIG " + path + ": " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) return EMPTY;
        if (!(root instanceof ObjectNode o)) throw new IllegalArgumentException("ZUMIK_CONFIG must be a YAML mapping");
        unknown(o, TOP, "");
        JsonNode aliases = o.get("aliases");
        if (aliases != null && !aliases.isObject()) throw new IllegalArgumentException("ZUMIK_CONFIG: aliases must be a mapping");
        Integer max = null;
        JsonNode admission = o.get("admission");
        if (admission != null) {
            if (!(admission instanceof ObjectNode a)) throw new IllegalArgumentException("ZUMIK_CONFIG: admission must be a mapping");
            unknown(a, ADMISSION, "admission.");
            if (a.has("max_concurrency")) {
                if (!a.get("max_concurrency").canConvertToInt() || a.get("max_concurrency").asInt() < 1) {
                    throw new IllegalArgumentException("ZUMIK_CONFIG: admission.max_concurrency must be a positive integer");
                }
                max = a.get("max_concurrency").asInt();
            }
        }
        return new ConfigFile(o.hasNonNull("policy_revision") ? o.get("policy_revision").asText() : null,
                (ObjectNode) aliases, max);
    }

    private static void unknown(ObjectNode o, Set<String> known, String prefix) {
        o.fieldNames().forEachRemaining(k -> {
            if (!known.contains(k)) throw new IllegalArgumentException("ZUMIK_CONFIG: unknown key '" + prefix + k + "'");
        });
    }
}
