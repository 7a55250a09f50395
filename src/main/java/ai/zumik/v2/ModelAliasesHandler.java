package ai.zumik.v2;

import ai.zumik.alias.AliasRegistry;
import ai.zumik.alias.AliasRelease;
import ai.zumik.alias.AliasTarget;
import ai.zumik.catalog.ModelCatalog;
import ai.zumik.credentials.ProviderCredentials;
import ai.zumik.http.ApiError;
import ai.zumik.http.ApiException;
import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * {@code /v2/model-aliases}: the live release of every alias ({@code GET}), one alias's live
 * release ({@code GET /{alias}}) and its history ({@code GET /{alias}/releases}), and installing a
 * new immutable release for the caller's project ({@code POST /{alias}/releases}, admin).
 */
public final class ModelAliasesHandler {
    public static final String PATH = "/v2/model-aliases";
    public static final String ONE_PATH = "/v2/model-aliases/*";

    /** Whether a {@code cluster_id} target may be installed for a project. Blocking. */
    @FunctionalInterface
    public interface ClusterCheck {
        /** Null when the project's cluster exists, serves the target's model and has its profile; else why not. */
        String refusal(String projectId, AliasTarget target);
    }

    private final AliasRegistry aliases;
    private final ModelCatalog catalog;
    private final ProviderCredentials credentials;
    private final ClusterCheck clusters;

    public ModelAliasesHandler(AliasRegistry aliases, ModelCatalog catalog, ProviderCredentials credentials,
                               ClusterCheck clusters) {
        this.aliases = aliases;
        this.catalog = catalog;
        this.credentials = credentials;
        this.clusters = clusters;
    }

    public void list(Exchange ex) {
        ex.sendJson(200, listJson(aliases.liveAll(ex.principal().projectId())));
    }

    public void get(Exchange ex) {
        String tail = ex.request().path().substring(PATH.length() + 1);
        String project = ex.principal().projectId();
        if (tail.endsWith("/releases")) {
            String alias = tail.substring(0, tail.length() - "/releases".length());
            ex.offload(() -> aliases.history(project, alias), history -> {
                if (history.isEmpty()) throw notFound(alias);
                ex.sendJson(200, listJson(history));
            });
            return;
        }
        AliasRelease live = aliases.live(project, tail).orElseThrow(() -> notFound(tail));
        ex.sendJson(200, json(live));
    }

    public void install(Exchange ex, Buffer body) {
        String tail = ex.request().path().substring(PATH.length() + 1);
        if (!tail.endsWith("/releases")) {
            throw ApiError.unknownUrl("POST", ex.request().path()).exception();
        }
        String alias = tail.substring(0, tail.length() - "/releases".length());
        if (!AliasRegistry.validName(alias) || catalog.resolve(alias).isPresent()) {
            throw Params.invalidValue("alias", "Invalid alias name '" + alias
                    + "': use 1–64 lowercase letters, digits, '.', '_' or '-', not a model id.");
        }
        ObjectNode req = Params.object(body);
        String policy = Params.optionalString(req, "policy_revision", "policy_revision");
        List<AliasTarget> targets;
        try {
            targets = AliasRegistry.definitions(Json.object().set(alias, req.get("targets")), "policy").get(alias).targets();
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage().replace("aliases." + alias, "targets");
            throw ApiError.invalid(msg.split(" ")[0], "invalid_value", msg).exception();
        }
        for (int i = 0; i < targets.size(); i++) {
            AliasTarget t = targets.get(i);
            if (catalog.resolve(t.provider().wireId() + "/" + t.model()).isEmpty()) {
                throw Params.invalidValue("targets[" + i + "].model", "Unknown model '" + t.model() + "'.");
            }
        }
        String project = ex.principal().projectId();
        var definition = new AliasRegistry.Definition(policy == null ? "policy_project" : policy, targets);
        boolean byok = targets.stream().anyMatch(t -> t.credentialId() != null);
        if (byok && !credentials.enabled()) throw ProviderCredentialsHandler.masterKeyRequired();
        ex.offload(() -> {
            for (int i = 0; i < targets.size(); i++) {
                AliasTarget t = targets.get(i);
                checkCredential(project, t, "targets[" + i + "].credential_id");
                String why = t.clusterId() == null ? null : clusters.refusal(project, t);
                if (why != null) throw Params.invalidValue("targets[" + i + "].cluster_id", "Invalid 'targets[" + i + "].cluster_id': "
                        + why + ".");
            }
            return aliases.install(project, alias, definition, ex.principal().keyId());
        }, release -> ex.sendJson(200, json(release)));
    }

    /** A byok target's credential must be the project's own and hold a key for the target's provider. Blocking. */
    private void checkCredential(String project, AliasTarget t, String param) {
        if (t.credentialId() == null) return;
        var c = credentials.get(project, t.credentialId()).orElseThrow(() -> Params.invalidValue(param,
                "No provider credential '" + t.credentialId() + "' exists in this project."));
        if (c.provider() != t.provider()) {
            throw Params.invalidValue(param, "The provider credential '" + t.credentialId() + "' holds a "
                    + c.provider().wireId() + " key, but the target's provider is " + t.provider().wireId() + ".");
        }
    }

    private static ApiException notFound(String alias) {
        return ApiError.notFound("No model alias '" + alias + "' exists.").exception();
    }

    static ObjectNode json(AliasRelease r) {
        ObjectNode o = Json.object();
        o.put("id", r.id());
        o.put("object", "model_alias_release");
        o.put("alias", r.alias());
        o.put("status", r.active() ? "active" : "retired");
        o.put("scope", r.projectId() == null ? "platform" : "project");
        o.put("policy_revision", r.policyRevision());
        o.put("capability_manifest_revision", r.capabilityManifestRevision());
        o.set("targets", AliasTarget.toJson(r.targets()));
        o.put("created_at", Rfc3339.format(r.createdAtMs()));
        return o;
    }

    private static ObjectNode listJson(List<AliasRelease> releases) {
        ObjectNode root = Json.object();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (AliasRelease r : releases) data.add(json(r));
        root.put("has_more", false);
        return root;
    }
}
