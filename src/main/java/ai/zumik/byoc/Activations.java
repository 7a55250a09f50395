package ai.zumik.byoc;

import ai.zumik.alias.AliasRegistry;
import ai.zumik.alias.AliasRelease;
import ai.zumik.alias.AliasTarget;
import ai.zumik.audit.AuditLog;
import ai.zumik.evidence.Verification;
import ai.zumik.ids.Ids;
import ai.zumik.json.Json;
import ai.zumik.provider.ProviderId;
import ai.zumik.replay.ReplayRun;
import ai.zumik.replay.ReplayRuns;
import ai.zumik.replay.ReplayStatus;
import ai.zumik.replay.Target;
import ai.zumik.state.StateError;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Replay-gated activation (digest §6.8): a cluster's model path goes into service only when a
 * completed replay run of the same project, whose signed report verifies, had exactly that
 * {@code byoc:<cluster>/<model>} as its candidate and shows it meeting the {@link Criteria}.
 * Otherwise nothing is written and the refusal (409) names the criterion and its numbers.
 *
 * <p>An activation with an {@code alias} installs a new immutable release of that alias with the
 * cluster as one more target ({@code execution_profile} its flavour, {@code cluster_id} set), and
 * its deactivation installs one without it, so every routing decision stays explainable and
 * replayable. Both are audited ({@code byoc.activation_created}, {@code byoc.activation_refused},
 * {@code byoc.activation_deactivated}). Blocking.
 *
 * <p>The activation row is written first (its unique index settles two activations racing for one
 * model) and the alias release after; if installing the release fails, the row is removed again.
 */
public final class Activations {
    /** The weight a cluster target gets in the alias release when the request names none. */
    public static final int DEFAULT_WEIGHT = 100;

    /**
     * A validated request.
     *
     * @param alias the alias whose release gains the cluster, or null
     * @param weight that target's weight, or null for {@link #DEFAULT_WEIGHT}
     */
    public record Request(String model, String replayRunId, String alias, Integer weight, Criteria criteria) {}

    private final ClusterRegistry clusters;
    private final ReplayRuns runs;
    private final Function<JsonNode, Verification> verifier;
    private final AliasRegistry aliases;
    private final AuditLog audit;
    private final Clock clock;

    /** @param verifier checks a signed report against every signing key, active and retired */
    public Activations(ClusterRegistry clusters, ReplayRuns runs, Function<JsonNode, Verification> verifier, AliasRegistry aliases,
                       AuditLog audit, Clock clock) {
        this.clusters = clusters;
        this.runs = runs;
        this.verifier = verifier;
        this.aliases = aliases;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * @throws StateError.NotFound for the cluster or the replay run (another project's is not found)
     * @throws StateError.Invalid naming {@code model} or {@code alias}
     * @throws ActivationRefused (409) when the run or its report does not allow it
     */
    public Activation activate(String projectId, String clusterId, Request req, String keyId) {
        Cluster cluster = cluster(projectId, clusterId);
        if (!cluster.models().contains(req.model())) {
            throw new StateError.Invalid("model", "invalid_value", "Invalid 'model': cluster '" + clusterId + "' is not registered "
                    + "to serve '" + req.model() + "' (it serves " + cluster.models() + ").");
        }
        ReplayRun run = runs.find(projectId, req.replayRunId()).orElseThrow(() -> new StateError.NotFound("replay run",
                req.replayRunId()));
        AliasRelease live = null;
        if (req.alias() != null) {
            live = aliases.live(projectId, req.alias()).orElseThrow(() -> new StateError.Invalid("alias", "invalid_value",
                    "Invalid 'alias': no model alias '" + req.alias() + "' is live in this project; install a release first."));
        }
        ActivationGate.Outcome outcome;
        try {
            outcome = gate(run, Target.BYOC_PREFIX + clusterId + "/" + req.model(), req.criteria());
        } catch (ActivationRefused refused) {
            refusedAudit(projectId, clusterId, req, refused.code(), refused.getMessage());
            throw refused;
        }
        if (!outcome.passed()) {
            ActivationGate.Failure first = outcome.failures().getFirst();
            String message = "The replay run does not show the cluster meeting the activation criteria: "
                    + String.join("; ", outcome.failures().stream().map(ActivationGate.Failure::message).toList()) + ".";
            refusedAudit(projectId, clusterId, req, first.code(), message);
            throw new ActivationRefused(first.code(), "criteria." + first.criterion(), message,
                    Json.object().set("evidence", outcome.evidence()));
        }
        long now = clock.millis();
        Integer weight = req.alias() == null ? null : req.weight() == null ? DEFAULT_WEIGHT : req.weight();
        Activation a = new Activation(Ids.next("bca_", now), projectId, clusterId, req.model(), run.id(), req.alias(), weight, true,
                req.criteria().toJson(), outcome.evidence(), null, now, keyId, null, null);
        if (!clusters.store().insert(a)) {
            throw new ActivationRefused("activation_exists", "model", "Cluster '" + clusterId + "' already has an active "
                    + "activation for '" + req.model() + "'; deactivate it first.", null);
        }
        if (live != null) {
            try {
                List<AliasTarget> targets = new ArrayList<>();
                for (AliasTarget t : live.targets()) if (!same(t, clusterId, req.model())) targets.add(t);
                targets.add(new AliasTarget(cluster.flavour(), ProviderId.OPENAI, req.model(), "latest", weight, null, null, clusterId));
                AliasRelease r = aliases.install(projectId, req.alias(), new AliasRegistry.Definition(live.policyRevision(),
                        List.copyOf(targets)), keyId);
                clusters.store().setAliasRelease(a.id(), r.id());
                a = withRelease(a, r.id());
            } catch (RuntimeException e) {
                clusters.store().remove(a.id());
                throw e;
            }
        }
        clusters.refresh();
        ObjectNode d = details(a);
        d.set("criteria", a.criteria());
        d.set("evidence", a.evidence());
        audit.record(projectId, "byoc.activation_created", d);
        return a;
    }

    /**
     * Takes an activation out of service; with an alias, installs a release without the cluster
     * target. Deactivating an inactive one answers it unchanged.
     *
     * @throws StateError.NotFound for the cluster or the activation
     * @throws ActivationRefused when removing the target would leave the alias with none
     */
    public Activation deactivate(String projectId, String clusterId, String activationId, String keyId) {
        cluster(projectId, clusterId);
        Activation a = clusters.store().activation(projectId, clusterId, activationId)
                .orElseThrow(() -> new StateError.NotFound("activation", activationId));
        if (!a.active()) return a;
        AliasRelease live = a.alias() == null ? null : aliases.live(projectId, a.alias()).orElse(null);
        List<AliasTarget> remaining = null;
        if (live != null && live.projectId() != null && live.targets().stream().anyMatch(t -> same(t, clusterId, a.model()))) {
            remaining = live.targets().stream().filter(t -> !same(t, clusterId, a.model())).toList();
            if (remaining.isEmpty()) {
                throw new ActivationRefused("alias_would_be_empty", "alias", "Removing cluster '" + clusterId + "' would leave alias '"
                        + a.alias() + "' with no targets; install a release of it with other targets first.", null);
            }
        }
        long now = clock.millis();
        if (!clusters.store().deactivate(a.id(), now)) return clusters.store().activation(projectId, clusterId, activationId).orElseThrow();
        String releaseId = null;
        if (remaining != null) {
            try {
                releaseId = aliases.install(projectId, a.alias(), new AliasRegistry.Definition(live.policyRevision(), remaining),
                        keyId).id();
                clusters.store().setDeactivationRelease(a.id(), releaseId);
            } catch (RuntimeException e) {
                clusters.store().reactivate(a.id());
                throw e;
            }
        }
        clusters.refresh();
        Activation done = clusters.store().activation(projectId, clusterId, activationId).orElseThrow();
        ObjectNode d = details(done);
        d.put("deactivation_release_id", releaseId);
        audit.record(projectId, "byoc.activation_deactivated", d);
        return done;
    }

    /** The cluster's activations, newest first. */
    public List<Activation> list(String projectId, String clusterId) {
        cluster(projectId, clusterId);
        return clusters.store().activations(projectId, clusterId);
    }

    /** The run's report, if it is one this activation may rest on; else an {@link ActivationRefused}. */
    private ActivationGate.Outcome gate(ReplayRun run, String target, Criteria criteria) {
        if (run.status() != ReplayStatus.COMPLETED || run.report() == null) {
            throw new ActivationRefused("replay_run_not_completed", "replay_run_id", "Replay run '" + run.id() + "' is "
                    + run.status().wire() + "; only a completed run's report can activate a cluster.", null);
        }
        Verification v = verifier.apply(run.report());
        if (!v.valid()) {
            throw new ActivationRefused("replay_report_unverified", "replay_run_id", "Replay run '" + run.id() + "' has a report "
                    + "whose signature does not verify against this gateway's signing keys; it cannot activate a cluster.", null);
        }
        JsonNode comparison = run.report().path("comparison");
        JsonNode candidate = comparison.path("candidate");
        if (!"fixed".equals(candidate.path("kind").asText()) || !target.equals(candidate.path("target").asText())) {
            throw new ActivationRefused("replay_candidate_mismatch", "replay_run_id", "Replay run '" + run.id() + "' compared "
                    + "candidate '" + candidate.path("spec").asText() + "', not '" + target + "'; replay with candidate '" + target
                    + "'.", null);
        }
        ActivationGate.Outcome outcome = ActivationGate.evaluate(comparison, criteria);
        outcome.evidence().put("replay_run_id", run.id());
        outcome.evidence().put("comparison_digest", run.report().path("comparison_digest").asText());
        outcome.evidence().put("report_key_id", run.report().path("key_id").asText());
        return outcome;
    }

    private Cluster cluster(String projectId, String clusterId) {
        return clusters.find(projectId, clusterId).orElseThrow(() -> new StateError.NotFound("BYOC cluster", clusterId));
    }

    private void refusedAudit(String projectId, String clusterId, Request req, String code, String message) {
        ObjectNode d = Json.object();
        d.put("cluster_id", clusterId);
        d.put("model", req.model());
        d.put("replay_run_id", req.replayRunId());
        d.put("code", code);
        d.put("message", message);
        audit.record(projectId, "byoc.activation_refused", d);
    }

    private static boolean same(AliasTarget t, String clusterId, String model) {
        return clusterId.equals(t.clusterId()) && model.equals(t.model());
    }

    private static Activation withRelease(Activation a, String releaseId) {
        return new Activation(a.id(), a.projectId(), a.clusterId(), a.model(), a.replayRunId(), a.alias(), a.weight(), a.active(),
                a.criteria(), a.evidence(), releaseId, a.createdAtMs(), a.createdBy(), a.deactivatedAtMs(), a.deactivationReleaseId());
    }

    private static ObjectNode details(Activation a) {
        ObjectNode d = Json.object();
        d.put("activation_id", a.id());
        d.put("cluster_id", a.clusterId());
        d.put("model", a.model());
        d.put("replay_run_id", a.replayRunId());
        d.put("alias", a.alias());
        d.put("alias_release_id", a.aliasReleaseId());
        return d;
    }
}
