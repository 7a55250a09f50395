package ai.zumik.broker;

import ai.zumik.alias.AliasRelease;
import ai.zumik.catalog.ModelRef;
import ai.zumik.inference.ExecutionProfile;
import ai.zumik.json.Json;
import ai.zumik.json.JsonText;
import ai.zumik.metering.DecisionTemplate;
import ai.zumik.region.RegionalPolicy;
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
 * @param template the decision's shared part ({@link #templateJsonText}), memoised by the planner
 */
public record RoutePlan(String requestedModel, AliasRelease release, String capabilityRevision, long seed,
                        List<Verdict> verdicts, List<Target> order, ModelRef primary, long coolDownSeconds,
                        RegionalPolicy policy, DecisionTemplate template) {

    /** Why a candidate was kept or skipped; the wire form is stored in the decision record. */
    public enum Why {
        KEPT("kept"),
        /** Nothing is configured for the request: the first candidate runs as placeholder output. */
        PLACEHOLDER("placeholder"),
        /** The model cannot honour the request; the verdict names the parameter ({@code capability:<param>}). */
        CAPABILITY("capability"),
        CIRCUIT_OPEN("circuit_open"),
        /** The provider's Retry-After is still running. */
        RATE_LIMITED("rate_limited"),
        NOT_CONFIGURED("not_configured"),
        /** A compatible stand-in for a primary nobody configured (placeholder territory, not failover). */
        PRIMARY_NOT_CONFIGURED("primary_not_configured"),
        NO_ADAPTER("no_adapter"),
        PROFILE_UNAVAILABLE("profile_unavailable"),
        /**
         * A BYOK candidate whose credential cannot be used: deleted, not this project's, not the
         * provider's, or BYOK is disabled (no explicit master key).
         */
        CREDENTIAL_UNAVAILABLE("credential_unavailable"),
        /**
         * A compatible stand-in on the platform's account for a request that runs on the project's
         * own credential: BYOK traffic fails over to managed targets only when a release lists them.
         */
        BYOK_ONLY("byok_only"),
        REGION_NOT_ALLOWED("region_not_allowed"),
        /** A BYOC target whose cluster is gone or has no active (replay-gated) activation for the model. */
        CLUSTER_NOT_ACTIVE("cluster_not_active"),
        /** A BYOC cluster out of rotation: its last heartbeat is unhealthy or overdue. */
        CLUSTER_DOWN("cluster_down"),
        /** A BYOC cluster whose reported load is at or past the saturation threshold: overflow to managed. */
        CLUSTER_SATURATED("cluster_saturated"),
        /** A BYOC cluster whose reported median latency would use half the request's deadline or more. */
        DEADLINE_AT_RISK("deadline_at_risk");

        private final String wire;

        Why(String wire) {
            this.wire = wire;
        }

        /** Nobody configured a path here: there is nothing to call. */
        public boolean unconfigured() {
            return this == NOT_CONFIGURED || this == PRIMARY_NOT_CONFIGURED;
        }

        /** Configured but unavailable right now (circuit open, provider's Retry-After): a verified failure. */
        public boolean unavailable() {
            return this == CIRCUIT_OPEN || this == RATE_LIMITED;
        }
    }

    /**
     * One candidate and its fate.
     *
     * @param param the parameter a {@link Why#CAPABILITY} verdict names, else null
     * @param credentialId the project credential a BYOK candidate runs on, else null
     * @param clusterId the project's BYOC cluster a BYOC candidate runs on, else null
     */
    public record Verdict(ModelRef model, ExecutionProfile profile, String modelRevision, int weight, boolean fallback,
                          Why why, String param, String credentialId, String clusterId) {
        public Verdict(ModelRef model, ExecutionProfile profile, String modelRevision, int weight, boolean fallback,
                       Why why, String param) {
            this(model, profile, modelRevision, weight, fallback, why, param, null, null);
        }

        public Verdict(ModelRef model, ExecutionProfile profile, String modelRevision, int weight, boolean fallback,
                       Why why, String param, String credentialId) {
            this(model, profile, modelRevision, weight, fallback, why, param, credentialId, null);
        }

        /** A BYOC candidate skipped for its cluster's state: what hybrid routing overflows on. */
        public boolean clusterOverflow() {
            return profile.byoc() && (why == Why.CLUSTER_DOWN || why == Why.CLUSTER_SATURATED || why == Why.DEADLINE_AT_RISK
                    || why == Why.CIRCUIT_OPEN || why == Why.RATE_LIMITED);
        }

        public boolean kept() {
            return why == Why.KEPT || why == Why.PLACEHOLDER;
        }

        /** The reason as recorded: {@code kept}, {@code capability:<param>}, {@code circuit_open}, … */
        public String reason() {
            return why == Why.CAPABILITY ? why.wire + ":" + param : why.wire;
        }
    }

    public boolean placeholder() {
        return order.size() == 1 && order.getFirst().path().equals("placeholder");
    }

    /**
     * The decision's part every request planned alike shares (everything but the seed and the
     * order), as stored once in {@code decision_templates}; {@link #ownJsonText} is the rest.
     */
    static String templateJsonText(String requestedModel, AliasRelease release, String capabilityRevision,
                                   List<Verdict> verdicts, RegionalPolicy policy) {
        return Json.text(g -> {
            g.writeStartObject();
            g.writeStringField("requested_model", requestedModel);
            g.writeStringField("alias", release == null ? null : release.alias());
            g.writeStringField("alias_release_id", release == null ? null : release.id());
            g.writeStringField("policy_revision", release == null ? null : release.policyRevision());
            g.writeStringField("capability_manifest_revision", capabilityRevision);
            g.writeArrayFieldStart("candidates");
            for (Verdict v : verdicts) {
                g.writeStartObject();
                g.writeStringField("provider", v.model().provider().wireId());
                g.writeStringField("model", v.model().model());
                g.writeStringField("model_revision", v.modelRevision());
                g.writeStringField("execution_profile", v.profile().wire());
                if (v.credentialId() != null) g.writeStringField("credential_id", v.credentialId());
                if (v.clusterId() != null) g.writeStringField("cluster_id", v.clusterId());
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
            g.writeEndObject();
        });
    }

    /** This response's own part of the decision ({@code routing_decision} is the template's fields, then these). */
    public String ownJsonText() {
        JsonText j = new JsonText().startObject().field("seed", Long.toHexString(seed));
        j.name("order").startArray();
        for (Target t : order) j.string(t.model().provider().wireId() + "/" + t.model().model() + " via " + t.path());
        return j.endArray()
                .field("execution_profile", order.isEmpty() ? ExecutionProfile.MANAGED_PROVIDER.wire() : order.getFirst().profile().wire())
                .endObject().text();
    }
}
