package ai.zumik.broker;

import ai.zumik.alias.AliasRelease;
import ai.zumik.catalog.ModelRef;
import ai.zumik.inference.ExecutionProfile;
import ai.zumik.json.Json;
import ai.zumik.region.RegionalPolicy;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
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

    /** The decision as stored with the response ({@code routing_decision}). */
    public String toJsonText() {
        return Json.text(this::write);
    }

    private void write(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("requested_model", requestedModel);
        g.writeStringField("alias", release == null ? null : release.alias());
        g.writeStringField("alias_release_id", release == null ? null : release.id());
        g.writeStringField("policy_revision", release == null ? null : release.policyRevision());
        g.writeStringField("capability_manifest_revision", capabilityRevision);
        g.writeStringField("seed", Long.toHexString(seed));
        g.writeArrayFieldStart("candidates");
        for (Verdict v : verdicts) {
            g.writeStartObject();
            g.writeStringField("provider", v.model().provider().wireId());
            g.writeStringField("model", v.model().model());
            g.writeStringField("model_revision", v.modelRevision());
            g.writeStringField("execution_profile", v.profile().wire());
            g.writeNumberField("weight", v.weight());
            g.writeBooleanField("compatible_fallback", v.fallback());
            g.writeStringField("verdict", v.kept() ? "kept" : "skipped");
            g.writeStringField("reason", v.reason());
            g.writeEndObject();
        }
        g.writeEndArray();
        if (policy.id() != null) {
            g.writeObjectFieldStart("regional_policy");
            g.writeStringField("id", policy.id());
            g.writeArrayFieldStart("allowed_zones");
            for (String zone : policy.allowList().stream().sorted().toList()) g.writeString(zone);
            g.writeEndArray();
            g.writeStringField("data_boundary", policy.dataBoundary());
            g.writeEndObject();
        }
        g.writeArrayFieldStart("order");
        for (Target t : order) g.writeString(t.model().provider().wireId() + "/" + t.model().model() + " via " + t.path());
        g.writeEndArray();
        g.writeStringField("execution_profile",
                order.isEmpty() ? ExecutionProfile.MANAGED_PROVIDER.wire() : order.getFirst().profile().wire());
        g.writeEndObject();
    }
}
