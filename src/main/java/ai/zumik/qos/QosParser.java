package ai.zumik.qos;

import ai.zumik.inference.RequestRejected;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads a {@code qos} object: {@code class} (required), {@code target_ttft_ms}, {@code deadline_ms},
 * {@code priority} (0–255), {@code degrade_policy} ({@code forbid|allow_compatible_fallback}).
 * Strict for request bodies (every problem is a {@link RequestRejected} naming {@code qos.<field>});
 * hints sent in headers are requests, not commands, so a malformed hint is ignored instead.
 */
public final class QosParser {
    private QosParser() {}

    /** Strict: for {@code /v2} bodies. Null {@code node} means the default. */
    public static QosRequest strict(JsonNode node, String param) {
        if (node == null || node.isNull()) return QosRequest.DEFAULT;
        if (!node.isObject()) throw new RequestRejected(param, "invalid_type", "'" + param + "' must be an object.");
        JsonNode cls = node.get("class");
        if (cls == null || cls.isNull()) {
            throw new RequestRejected(param + ".class", "missing_required_parameter", "Missing required parameter: '" + param + ".class'.");
        }
        QosClass c = QosClass.parse(cls.isTextual() ? cls.textValue() : null);
        if (c == null) {
            throw new RequestRejected(param + ".class", "invalid_value",
                    "Invalid '" + param + ".class': expected one of interactive, standard, background, batch.");
        }
        Integer target = millis(node, "target_ttft_ms", param);
        Integer deadline = millis(node, "deadline_ms", param);
        int priority = 128;
        JsonNode p = node.get("priority");
        if (p != null && !p.isNull()) {
            if (!p.isIntegralNumber() || p.asInt() < 0 || p.asInt() > 255) {
                throw new RequestRejected(param + ".priority", "invalid_value", "Invalid '" + param + ".priority': expected an integer 0–255.");
            }
            priority = p.asInt();
        }
        boolean allowFallback = true;
        JsonNode d = node.get("degrade_policy");
        if (d != null && !d.isNull()) {
            String v = d.isTextual() ? d.textValue() : "";
            if (!v.equals("forbid") && !v.equals("allow_compatible_fallback")) {
                throw new RequestRejected(param + ".degrade_policy", "invalid_value",
                        "Invalid '" + param + ".degrade_policy': expected forbid or allow_compatible_fallback.");
            }
            allowFallback = v.equals("allow_compatible_fallback");
        }
        return new QosRequest(c, target, deadline, priority, allowFallback);
    }

    /** Lenient: for {@code Agent-Hints}; anything malformed means "no hint". */
    public static QosRequest lenient(JsonNode node) {
        try {
            return strict(node, "qos");
        } catch (RequestRejected ignored) {
            return QosRequest.DEFAULT;
        }
    }

    private static Integer millis(JsonNode node, String field, String param) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber() || v.asLong() < 1 || v.asLong() > 86_400_000) {
            throw new RequestRejected(param + "." + field, "invalid_value",
                    "Invalid '" + param + "." + field + "': expected milliseconds between 1 and 86400000.");
        }
        return v.asInt();
    }
}
