package ai.zumik.metering;

import ai.zumik.ids.Sha256;
import java.nio.charset.StandardCharsets;

/**
 * The part of a routing decision that every request planned alike shares: the requested model, the
 * alias release, the manifest revision, every candidate with its verdict and the regional policy.
 * Agents send thousands of near-identical requests, so this ~1.5 KB of JSON is the same for almost
 * all of them: it is stored once in {@code decision_templates}, keyed by its content, and each
 * usage row keeps only its id and the request's own part (seed, order). Content addressing makes
 * the insert idempotent across batches, restarts and replicas.
 *
 * @param id {@code dtp_} and the first 128 bits of the JSON's SHA-256, in hex
 * @param json a JSON object; null when only the id is known: a journal record after the first one
 *     that carried the template (which is committed, or ahead of it in the journal)
 */
public record DecisionTemplate(String id, String json) {
    public DecisionTemplate {
        if (id == null) throw new IllegalArgumentException("a decision template has an id");
        if (json != null && (json.length() < 2 || json.charAt(0) != '{' || json.charAt(json.length() - 1) != '}')) {
            throw new IllegalArgumentException("a decision template is a JSON object");
        }
    }

    public static DecisionTemplate of(String json) {
        return new DecisionTemplate("dtp_" + Sha256.hexPrefix(json.getBytes(StandardCharsets.UTF_8), 16), json);
    }

    /**
     * The whole decision: this template's fields followed by the request's own ({@code own}, a JSON
     * object written by the same code, so a textual splice is exact).
     */
    public String merge(String own) {
        if (json == null) return own;
        if (own == null || own.equals("{}")) return json;
        if (json.equals("{}")) return own;
        return json.substring(0, json.length() - 1) + "," + own.substring(1);
    }
}
