package ai.zumik.v2;

import ai.zumik.audit.AuditLog;
import ai.zumik.http.ApiError;
import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.ids.Ids;
import ai.zumik.json.Json;
import ai.zumik.region.RegionalPolicies;
import ai.zumik.region.RegionalPolicy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The project's regional policy: {@code POST /v2/regional-policy} (the API reference's form) and
 * {@code PUT /v2/governance/regional-policy} (the guide's) install or replace it (admin);
 * {@code GET} on either path returns it, or 404 when none is installed. Every change is audited.
 */
public final class RegionalPolicyHandler {
    public static final String PATH = "/v2/regional-policy";
    public static final String GOVERNANCE_PATH = "/v2/governance/regional-policy";
    private static final Set<String> FIELDS = Set.of("region_policy", "allowed_regions", "data_boundary");

    private final RegionalPolicies policies;
    private final AuditLog audit;

    public RegionalPolicyHandler(RegionalPolicies policies, AuditLog audit) {
        this.policies = policies;
        this.audit = audit;
    }

    public void get(Exchange ex) {
        RegionalPolicy p = policies.of(ex.principal().projectId());
        if (p.id() == null) throw ApiError.notFound("No regional policy is configured for this project.").exception();
        ex.sendJson(200, json(p));
    }

    public void install(Exchange ex, Buffer body) {
        ObjectNode req = Params.object(body);
        Params.rejectUnknown(req, FIELDS);
        String regionPolicy = Params.oneOf(Params.requiredString(req, "region_policy", "region_policy").toLowerCase(Locale.ROOT),
                "region_policy", RegionalPolicy.REGION_POLICIES);
        List<String> regions = new ArrayList<>();
        ArrayNode allowed = Params.optionalArray(req, "allowed_regions", "allowed_regions");
        if (allowed != null) {
            Set<String> seen = new LinkedHashSet<>();
            for (int i = 0; i < allowed.size(); i++) {
                JsonNode r = allowed.get(i);
                String param = "allowed_regions[" + i + "]";
                if (!r.isTextual()) throw Params.wrongType(param, "a string", r);
                seen.add(Params.oneOf(r.textValue().toLowerCase(Locale.ROOT), param, RegionalPolicy.ZONES));
            }
            regions.addAll(seen);
        }
        String boundary = Params.optionalString(req, "data_boundary", "data_boundary");
        boundary = boundary == null ? "project"
                : Params.oneOf(boundary.toLowerCase(Locale.ROOT), "data_boundary", RegionalPolicy.DATA_BOUNDARIES);
        String project = ex.principal().projectId();
        long now = System.currentTimeMillis();
        RegionalPolicy policy = RegionalPolicy.of(Ids.next("rgn_", now), project, regionPolicy, regions, boundary, now);
        ex.offload(() -> {
            policies.install(policy);
            return policy;
        }, installed -> {
            ObjectNode details = json(installed);
            details.put("key_id", ex.principal().keyId());
            audit.record(project, "regional_policy.update", details);
            ex.sendJson(200, json(installed));
        });
    }

    static ObjectNode json(RegionalPolicy p) {
        ObjectNode o = Json.object();
        o.put("id", p.id());
        o.put("object", "regional_policy");
        o.put("project_id", p.projectId());
        o.put("region_policy", p.regionPolicy());
        ArrayNode regions = o.putArray("allowed_regions");
        p.allowedRegions().forEach(regions::add);
        o.put("data_boundary", p.dataBoundary());
        ArrayNode effective = o.putArray("effective_allowed_zones");
        p.allowList().stream().sorted().forEach(effective::add);
        o.put("updated_at", Rfc3339.format(p.updatedAtMs()));
        return o;
    }
}
