package ai.zumik.broker;

import ai.zumik.alias.AliasRelease;
import ai.zumik.catalog.ModelRef;
import ai.zumik.inference.ExecutionProfile;
import ai.zumik.json.Json;
import ai.zumik.region.RegionalPolicy;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The routing decision for one response: what the model resolved to, every candidate considered
 * with why it was kept or skipped, the seed of the weighted choice and the resulting order of
 * targets. Stored with the response; replaying the stored inputs reproduces the order.
 *
 * @param release the alias release used, or null for a concrete model
 * @param primary the first candidate's model (what a response reports when nothing could run)
 * @param coolDownSeconds when targets were skipped for a provider's Retry-After, the soonest one
 *     is usable again (0 otherwise)
 * @param policy the project's regional policy the plan honoured ({@link RegionalPolicy#NONE} when none)
 */
public record RoutePlan(String requestedModel, AliasRelease release, String capabilityRevision, long seed,
                        List<Verdict> verdicts, List<Target> order, ModelRef primary, long coolDownSeconds,
                        RegionalPolicy policy) {

    /**
     * One candidate and its fate.
     *
     * @param reason {@code kept}, {@code capability:<param>}, {@code circuit_open}, {@code rate_limited},
     *     {@code not_configured}, {@code no_adapter}, {@code profile_unavailable}, {@code region_not_allowed}
     */
    public record Verdict(ModelRef model, ExecutionProfile profile, String modelRevision, int weight, boolean fallback,
                          boolean kept, String reason) {}

    public boolean placeholder() {
        return order.size() == 1 && order.getFirst().path().equals("placeholder");
    }

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("requested_model", requestedModel);
        o.put("alias", release == null ? null : release.alias());
        o.put("alias_release_id", release == null ? null : release.id());
        o.put("policy_revision", release == null ? null : release.policyRevision());
        o.put("capability_manifest_revision", capabilityRevision);
        o.put("seed", Long.toHexString(seed));
        ArrayNode cands = o.putArray("candidates");
        for (Verdict v : verdicts) {
            ObjectNode c = cands.addObject();
            c.put("provider", v.model().provider().wireId());
            c.put("model", v.model().model());
            c.put("model_revision", v.modelRevision());
            c.put("execution_profile", v.profile().wire());
            c.put("weight", v.weight());
            c.put("compatible_fallback", v.fallback());
            c.put("verdict", v.kept() ? "kept" : "skipped");
            c.put("reason", v.reason());
        }
        if (policy.id() != null) {
            ObjectNode region = o.putObject("regional_policy");
            region.put("id", policy.id());
            ArrayNode zones = region.putArray("allowed_zones");
            policy.allowList().stream().sorted().forEach(zones::add);
            region.put("data_boundary", policy.dataBoundary());
        }
        ArrayNode ord = o.putArray("order");
        for (Target t : order) ord.add(t.model().provider().wireId() + "/" + t.model().model() + " via " + t.path());
        o.put("execution_profile", order.isEmpty() ? ExecutionProfile.MANAGED_PROVIDER.wire() : order.getFirst().profile().wire());
        return o;
    }
}
