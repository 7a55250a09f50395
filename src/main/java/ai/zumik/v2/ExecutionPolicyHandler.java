package ai.zumik.v2;

import ai.zumik.audit.AuditLog;
import ai.zumik.credentials.ExecutionPolicies;
import ai.zumik.credentials.ProviderCredentials;
import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.json.Json;
import ai.zumik.provider.ProviderId;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code /v2/execution-policy}: the project's execution policy. {@code PUT} (admin)
 * {@code {"byok_defaults": {"openai": "pcr_…", …}}} replaces it: a concrete model request for a
 * listed provider then runs on that credential (an alias's targets say their own profile). Each
 * credential must be the project's and hold that provider's key (else 400 naming
 * {@code byok_defaults.<provider>}); {@code {}} clears the defaults. {@code GET} (read) shows it.
 * Changes are audited ({@code execution_policy.update}).
 */
public final class ExecutionPolicyHandler {
    public static final String PATH = "/v2/execution-policy";
    private static final Set<String> FIELDS = Set.of("byok_defaults");

    private final ExecutionPolicies policies;
    private final ProviderCredentials credentials;
    private final AuditLog audit;

    public ExecutionPolicyHandler(ExecutionPolicies policies, ProviderCredentials credentials, AuditLog audit) {
        this.policies = policies;
        this.credentials = credentials;
        this.audit = audit;
    }

    public void get(Exchange ex) {
        ex.sendJson(200, json(policies.of(ex.principal().projectId()), ex.principal().projectId()));
    }

    public void put(Exchange ex, Buffer body) {
        if (!credentials.enabled()) throw ProviderCredentialsHandler.masterKeyRequired();
        ObjectNode req = Params.object(body);
        Params.rejectUnknown(req, FIELDS);
        ObjectNode given = Params.optionalObject(req, "byok_defaults", "byok_defaults");
        if (given == null) throw Params.missing("byok_defaults");
        Map<String, ProviderId> providers = new LinkedHashMap<>();
        Map<ProviderId, String> defaults = new EnumMap<>(ProviderId.class);
        for (var e : given.properties()) {
            String param = "byok_defaults." + e.getKey();
            ProviderId p = ProviderCredentialsHandler.PROVIDERS.get(e.getKey());
            if (p == null) {
                throw Params.invalidValue(param, "Unknown provider '" + e.getKey() + "' in 'byok_defaults'. Supported: "
                        + "'anthropic', 'fireworks_ai', 'gemini', 'openai', 'xai'.");
            }
            JsonNode v = e.getValue();
            if (v.isNull()) continue;
            if (!v.isTextual()) throw Params.wrongType(param, "a provider credential id (pcr_…)", v);
            if (defaults.containsKey(p)) throw Params.invalidValue(param, "'byok_defaults' names " + p.wireId() + " twice.");
            defaults.put(p, v.textValue());
            providers.put(param, p);
        }
        String project = ex.principal().projectId();
        ex.offload(() -> {
            for (var e : providers.entrySet()) {
                String id = defaults.get(e.getValue());
                var c = credentials.get(project, id).orElseThrow(() -> Params.invalidValue(e.getKey(),
                        "No provider credential '" + (id.length() > 64 ? id.substring(0, 64) + "…" : id)
                                + "' exists in this project."));
                if (c.provider() != e.getValue()) {
                    throw Params.invalidValue(e.getKey(), "The provider credential '" + id + "' holds a "
                            + c.provider().wireId() + " key, not a " + e.getValue().wireId() + " one.");
                }
            }
            return policies.install(project, defaults);
        }, installed -> {
            ObjectNode details = json(installed, project);
            details.put("key_id", ex.principal().keyId());
            audit.record(project, "execution_policy.update", details);
            ex.sendJson(200, json(installed, project));
        });
    }

    static ObjectNode json(ExecutionPolicies.Policy p, String projectId) {
        ObjectNode o = Json.object();
        o.put("id", p.id());
        o.put("object", "execution_policy");
        o.put("project_id", projectId);
        o.set("byok_defaults", ExecutionPolicies.json(p.byokDefaults()));
        o.put("updated_at", p.id() == null ? null : Rfc3339.format(p.updatedAtMs()));
        return o;
    }
}
