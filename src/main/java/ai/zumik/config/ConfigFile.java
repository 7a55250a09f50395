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
 * limits:                            # defaults for keys and projects that set none (no limit when absent)
 *   key: {rpm: 600, tpm: 200000}
 *   project: {rpm: 6000, tpm: 2000000}
 *   read_rpm: 3000                   # per key, GET endpoints (0: unlimited)
 *   admin_rpm: 600                   # per key, admin changes (0: unlimited)
 *   default_max_output_tokens: 1024  # reserved for requests that set no max_tokens
 * prices:                            # override or add catalog/prices.json entries (same shape)
 *   - {provider: openai, model: gpt-4o, input: "2.50", output: "10.00"}
 * </pre>
 * Unknown keys are an error, so a typo cannot silently do nothing.
 *
 * @param limits the {@code limits:} mapping as written (validated), or null
 * @param prices the {@code prices:} list as written (validated by the price table), or null
 */
public record ConfigFile(String policyRevision, ObjectNode aliases, Integer maxConcurrency, Limits limits,
                         JsonNode prices) {
    public static final ConfigFile EMPTY = new ConfigFile(null, null, null, Limits.NONE, null);
    private static final Set<String> TOP = Set.of("policy_revision", "aliases", "admission", "limits", "prices");
    private static final Set<String> ADMISSION = Set.of("max_concurrency");
    private static final Set<String> LIMITS = Set.of("key", "project", "read_rpm", "admin_rpm", "default_max_output_tokens");
    private static final Set<String> RPM_TPM = Set.of("rpm", "tpm");

    /** {@code limits:} of the file; null fields were not given. */
    public record Limits(Long keyRpm, Long keyTpm, Long projectRpm, Long projectTpm, Long readRpm, Long adminRpm,
                         Integer defaultMaxOutputTokens) {
        public static final Limits NONE = new Limits(null, null, null, null, null, null, null);
    }

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
        JsonNode prices = o.get("prices");
        if (prices != null && !prices.isArray()) throw new IllegalArgumentException("ZUMIK_CONFIG: prices must be a list");
        return new ConfigFile(o.hasNonNull("policy_revision") ? o.get("policy_revision").asText() : null,
                (ObjectNode) aliases, max, limits(o.get("limits")), prices);
    }

    private static Limits limits(JsonNode node) {
        if (node == null || node.isNull()) return Limits.NONE;
        if (!(node instanceof ObjectNode l)) throw new IllegalArgumentException("ZUMIK_CONFIG: limits must be a mapping");
        unknown(l, LIMITS, "limits.");
        ObjectNode key = section(l, "key");
        ObjectNode project = section(l, "project");
        Long output = count(l, "default_max_output_tokens", "limits.");
        if (output != null && (output < 1 || output > 1_000_000)) {
            throw new IllegalArgumentException("ZUMIK_CONFIG: limits.default_max_output_tokens must be in [1, 1000000]");
        }
        return new Limits(count(key, "rpm", "limits.key."), count(key, "tpm", "limits.key."),
                count(project, "rpm", "limits.project."), count(project, "tpm", "limits.project."),
                count(l, "read_rpm", "limits."), count(l, "admin_rpm", "limits."),
                output == null ? null : output.intValue());
    }

    private static ObjectNode section(ObjectNode parent, String name) {
        JsonNode n = parent.get(name);
        if (n == null || n.isNull()) return null;
        if (!(n instanceof ObjectNode o)) throw new IllegalArgumentException("ZUMIK_CONFIG: limits." + name + " must be a mapping");
        unknown(o, RPM_TPM, "limits." + name + ".");
        return o;
    }

    /** A non-negative whole number, or null when absent. */
    private static Long count(ObjectNode parent, String name, String prefix) {
        if (parent == null) return null;
        JsonNode v = parent.get(name);
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
            throw new IllegalArgumentException("ZUMIK_CONFIG: " + prefix + name + " must be a whole number >= 0");
        }
        return v.asLong();
    }

    private static void unknown(ObjectNode o, Set<String> known, String prefix) {
        o.fieldNames().forEachRemaining(k -> {
            if (!known.contains(k)) throw new IllegalArgumentException("ZUMIK_CONFIG: unknown key '" + prefix + k + "'");
        });
    }
}
