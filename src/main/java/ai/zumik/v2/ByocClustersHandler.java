package ai.zumik.v2;

import static ai.zumik.v2.StateJson.call;

import ai.zumik.alias.AliasRegistry;
import ai.zumik.audit.AuditLog;
import ai.zumik.byoc.Activation;
import ai.zumik.byoc.ActivationRefused;
import ai.zumik.byoc.Activations;
import ai.zumik.byoc.Cluster;
import ai.zumik.byoc.ClusterRegistry;
import ai.zumik.byoc.Criteria;
import ai.zumik.byoc.Heartbeat;
import ai.zumik.byoc.LiveCluster;
import ai.zumik.http.ApiError;
import ai.zumik.http.ApiException;
import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.http.UpstreamUrls;
import ai.zumik.inference.ExecutionProfile;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * {@code /v2/byoc/clusters} (admin): register ({@code POST}), list, get ({@code GET /{id}}, with
 * {@code in_rotation} as this replica's directory sees it), delete ({@code DELETE /{id}}, 409 while
 * an activation is active); {@code POST /{id}/heartbeat}; {@code POST /{id}/activations} (the
 * replay-gated activation), {@code GET /{id}/activations}, and
 * {@code DELETE /{id}/activations/{activation_id}} to deactivate.
 */
public final class ByocClustersHandler {
    public static final String PATH = "/v2/byoc/clusters";
    public static final String ONE_PATH = "/v2/byoc/clusters/*";
    private static final Set<String> FIELDS = Set.of("name", "base_url", "api_key", "flavour", "models", "region");
    private static final Set<String> HEARTBEAT_FIELDS = Set.of("healthy", "load", "queue_depth", "cached_tokens_reporting", "models",
            "ttft_p50_ms", "latency_p50_ms");
    private static final Set<String> ACTIVATION_FIELDS = Set.of("model", "replay_run_id", "alias", "weight", "criteria");
    private static final Set<String> CRITERIA = Set.of("max_cost_ratio", "max_p95_latency_ratio", "min_qos_attainment_delta");
    private static final Set<String> FLAVOURS = Set.of(ExecutionProfile.BYOC_DYNAMO.wire(), ExecutionProfile.BYOC_EPP.wire());
    private static final Pattern REGION = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    private static final int MAX_MODELS = 100;

    private final ClusterRegistry clusters;
    private final Activations activations;
    private final AuditLog audit;
    private final UpstreamUrls urls;

    public ByocClustersHandler(ClusterRegistry clusters, Activations activations, AuditLog audit, UpstreamUrls urls) {
        this.clusters = clusters;
        this.activations = activations;
        this.audit = audit;
        this.urls = urls;
    }

    public void create(Exchange ex, Buffer body) {
        // The body carries the cluster's API key: a syntax error must not quote it back.
        ObjectNode req = ProviderCredentialsHandler.object(body);
        Params.rejectUnknown(req, FIELDS);
        String name = text(req, "name", 128);
        String rawUrl = Params.requiredString(req, "base_url", "base_url");
        // The rules that need no DNS answer here, in field order; the host is resolved off the loop below.
        checkedUrl(() -> urls.checkWithoutResolving(rawUrl));
        String apiKey = Params.requiredString(req, "api_key", "api_key");
        if (apiKey.length() > 4096 || !apiKey.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw Params.invalidValue("api_key", "Invalid 'api_key': expected 1 to 4096 printable ASCII characters without spaces.");
        }
        String flavour = Params.oneOf(Params.requiredString(req, "flavour", "flavour"), "flavour", FLAVOURS);
        List<String> models = models(req, "models", true);
        String region = Params.requiredString(req, "region", "region");
        if (!REGION.matcher(region).matches()) {
            throw Params.invalidValue("region", "Invalid 'region': expected 1 to 64 lowercase letters, digits or '-' "
                    + "(e.g. 'us-east-1').");
        }
        String project = ex.principal().projectId();
        ex.offload(() -> {
            String baseUrl = checkedUrl(() -> urls.check(rawUrl));
            var registration = new ClusterRegistry.Registration(name, baseUrl, apiKey, ExecutionProfile.parse(flavour), models, region);
            Cluster c = clusters.register(project, registration);
            ObjectNode d = Json.object();
            d.put("cluster_id", c.id());
            d.put("name", c.name());
            d.put("base_url", c.baseUrl());
            d.put("flavour", c.flavour().wire());
            d.put("region", c.region());
            d.set("models", strings(c.models()));
            d.put("api_key_fingerprint", c.keyFingerprint());
            audit.record(project, "byoc.cluster_registered", d);
            return c;
        }, c -> ex.sendJson(200, json(c, clusters.byId(project, c.id()))));
    }

    /** A refused URL is a 400 naming {@code base_url}; the URL itself is not echoed (it may carry credentials). */
    private static String checkedUrl(Supplier<String> check) {
        try {
            return check.get();
        } catch (UpstreamUrls.Refused r) {
            throw ApiError.invalid("base_url", r.malformed() ? "invalid_value" : "upstream_not_allowed", r.getMessage()).exception();
        }
    }

    public void list(Exchange ex) {
        String project = ex.principal().projectId();
        ex.offload(() -> clusters.list(project), list -> {
            ObjectNode root = Json.object();
            root.put("object", "list");
            ArrayNode data = root.putArray("data");
            for (Cluster c : list) data.add(json(c, clusters.byId(project, c.id())));
            root.put("has_more", false);
            ex.sendJson(200, root);
        });
    }

    /** {@code GET /{id}} and {@code GET /{id}/activations}. */
    public void get(Exchange ex) {
        String[] parts = parts(ex);
        String project = ex.principal().projectId();
        if (parts.length == 1) {
            ex.offload(() -> clusters.find(project, parts[0]).orElseThrow(() -> notFound(parts[0])),
                    c -> ex.sendJson(200, json(c, clusters.byId(project, c.id()))));
        } else if (parts.length == 2 && parts[1].equals("activations")) {
            ex.offload(() -> byoc(() -> activations.list(project, parts[0])), list -> {
                ObjectNode root = Json.object();
                root.put("object", "list");
                ArrayNode data = root.putArray("data");
                for (Activation a : list) data.add(json(a));
                root.put("has_more", false);
                ex.sendJson(200, root);
            });
        } else {
            throw ArtifactsHandler.unknown(ex);
        }
    }

    /** {@code POST /{id}/heartbeat} and {@code POST /{id}/activations}. */
    public void post(Exchange ex, Buffer body) {
        String[] parts = parts(ex);
        if (parts.length != 2) throw ArtifactsHandler.unknown(ex);
        switch (parts[1]) {
            case "heartbeat" -> heartbeat(ex, parts[0], body);
            case "activations" -> activate(ex, parts[0], body);
            default -> throw ArtifactsHandler.unknown(ex);
        }
    }

    /** {@code DELETE /{id}} and {@code DELETE /{id}/activations/{activation_id}} (deactivation). */
    public void delete(Exchange ex) {
        String[] parts = parts(ex);
        String project = ex.principal().projectId();
        if (parts.length == 1) {
            ex.offload(() -> clusters.delete(project, parts[0]), outcome -> {
                switch (outcome) {
                    case NOT_FOUND -> throw notFound(parts[0]);
                    case HAS_ACTIVE_ACTIVATIONS -> throw new ApiError(409, "invalid_request_error", "cluster_has_active_activations",
                            null, "Cluster '" + parts[0] + "' has active activations; deactivate them first.", null).exception();
                    case DELETED -> {
                        audit.record(project, "byoc.cluster_deleted", Json.object().put("cluster_id", parts[0]));
                        ex.sendJson(200, Json.object().put("id", parts[0]).put("object", "byoc_cluster").put("deleted", true));
                    }
                }
            });
        } else if (parts.length == 3 && parts[1].equals("activations")) {
            String key = ex.principal().keyId();
            ex.offload(() -> byoc(() -> activations.deactivate(project, parts[0], parts[2], key)), a -> ex.sendJson(200, json(a)));
        } else {
            throw ArtifactsHandler.unknown(ex);
        }
    }

    private void heartbeat(Exchange ex, String id, Buffer body) {
        ObjectNode req = Params.object(body);
        Params.rejectUnknown(req, HEARTBEAT_FIELDS);
        Boolean healthy = Params.optionalBoolean(req, "healthy", "healthy");
        if (healthy == null) throw Params.missing("healthy");
        Double load = Params.optionalNumber(req, "load", "load", 0, 1);
        if (load == null) throw Params.missing("load");
        Long queue = Params.optionalLong(req, "queue_depth", "queue_depth", 0, 1_000_000_000L);
        Boolean cached = Params.optionalBoolean(req, "cached_tokens_reporting", "cached_tokens_reporting");
        List<String> models = models(req, "models", false);
        Long ttft = Params.optionalLong(req, "ttft_p50_ms", "ttft_p50_ms", 0, 3_600_000);
        Long latency = Params.optionalLong(req, "latency_p50_ms", "latency_p50_ms", 0, 3_600_000);
        String project = ex.principal().projectId();
        ex.offload(() -> clusters.heartbeat(project, id, healthy, load, queue, cached, models, ttft, latency)
                        .orElseThrow(() -> notFound(id)),
                c -> ex.sendJson(200, json(c, clusters.byId(project, c.id()))));
    }

    private void activate(Exchange ex, String id, Buffer body) {
        ObjectNode req = Params.object(body);
        Params.rejectUnknown(req, ACTIVATION_FIELDS);
        String model = Params.requiredString(req, "model", "model");
        String run = Params.requiredString(req, "replay_run_id", "replay_run_id");
        String alias = Params.optionalString(req, "alias", "alias");
        if (alias != null && !AliasRegistry.validName(alias)) {
            throw Params.invalidValue("alias", "Invalid 'alias': use 1–64 lowercase letters, digits, '.', '_' or '-'.");
        }
        Integer weight = Params.optionalInt(req, "weight", "weight", 1, 1000);
        if (weight != null && alias == null) {
            throw Params.invalidValue("weight", "Invalid 'weight': it is the cluster target's weight in 'alias', so it needs an alias.");
        }
        Criteria criteria = criteria(Params.optionalObject(req, "criteria", "criteria"));
        var request = new Activations.Request(model, run, alias, weight, criteria);
        String project = ex.principal().projectId();
        String key = ex.principal().keyId();
        ex.offload(() -> byoc(() -> activations.activate(project, id, request, key)), a -> ex.sendJson(200, json(a)));
    }

    /** Absent members take their default; an explicit null skips that criterion. */
    private static Criteria criteria(ObjectNode c) {
        if (c == null) return Criteria.DEFAULT;
        for (var it = c.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!CRITERIA.contains(f)) throw Params.invalidValue("criteria." + f, "Unknown parameter: 'criteria." + f + "'.");
        }
        Criteria d = Criteria.DEFAULT;
        return new Criteria(
                c.has("max_cost_ratio") ? Params.optionalNumber(c, "max_cost_ratio", "criteria.max_cost_ratio", 0, 1000) : d.maxCostRatio(),
                c.has("max_p95_latency_ratio")
                        ? Params.optionalNumber(c, "max_p95_latency_ratio", "criteria.max_p95_latency_ratio", 0, 1000)
                        : d.maxP95LatencyRatio(),
                c.has("min_qos_attainment_delta")
                        ? Params.optionalNumber(c, "min_qos_attainment_delta", "criteria.min_qos_attainment_delta", -1, 1)
                        : d.minQosAttainmentDelta());
    }

    /** Runs a blocking activation step, turning its refusals into API errors (404, 400, 409). */
    private static <T> T byoc(Callable<T> work) throws Exception {
        try {
            return call(work);
        } catch (ActivationRefused r) {
            throw new ApiException(new ApiError(409, "invalid_request_error", r.code(), r.param(), r.getMessage(), null), r.details());
        }
    }

    private static String text(ObjectNode req, String field, int max) {
        String v = Params.requiredString(req, field, field);
        if (v.length() > max || v.chars().anyMatch(Character::isISOControl)) {
            throw Params.invalidValue(field, "Invalid '" + field + "': expected at most " + max + " characters, none of them control characters.");
        }
        return v;
    }

    /** An array of distinct model paths ({@code org/name}-like, no spaces); null when absent and not required. */
    private static List<String> models(ObjectNode req, String field, boolean required) {
        ArrayNode a = Params.optionalArray(req, field, field);
        if (a == null) {
            if (required) throw Params.missing(field);
            return null;
        }
        if (a.isEmpty() && required) {
            throw ApiError.invalid(field, "empty_array", "Invalid '" + field + "': empty array. Name at least one model path.").exception();
        }
        if (a.size() > MAX_MODELS) throw Params.invalidValue(field, "Invalid '" + field + "': at most " + MAX_MODELS + " model paths.");
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < a.size(); i++) {
            String param = field + "[" + i + "]";
            JsonNode m = a.get(i);
            if (!m.isTextual()) throw Params.wrongType(param, "a string", m);
            String path = m.textValue();
            if (path.isEmpty() || path.length() > 256 || !path.chars().allMatch(c -> c > 0x20 && c < 0x7f)
                    || path.startsWith("/") || path.endsWith("/")) {
                throw Params.invalidValue(param, "Invalid '" + param + "': expected a model path such as "
                        + "'meta-llama/Llama-3.1-8B-Instruct' (1 to 256 printable characters, no spaces).");
            }
            if (!seen.add(path)) throw Params.invalidValue(param, "Invalid '" + param + "': '" + path + "' is listed twice.");
            out.add(path);
        }
        return List.copyOf(out);
    }

    private static String[] parts(Exchange ex) {
        String tail = ArtifactsHandler.tail(ex, PATH);
        String[] parts = tail.split("/", -1);
        for (String p : parts) if (p.isEmpty()) throw ArtifactsHandler.unknown(ex);
        return parts;
    }

    private static ApiException notFound(String id) {
        return ApiError.notFound("No BYOC cluster with id '" + id + "' exists in this project.").exception();
    }

    private ObjectNode json(Cluster c, Optional<LiveCluster> live) {
        ObjectNode o = Json.object();
        o.put("id", c.id());
        o.put("object", "byoc_cluster");
        o.put("project_id", c.projectId());
        o.put("name", c.name());
        o.put("base_url", c.baseUrl());
        o.put("flavour", c.flavour().wire());
        o.put("region", c.region());
        o.set("models", strings(c.models()));
        o.put("api_key_fingerprint", c.keyFingerprint());
        o.put("created_at", Rfc3339.format(c.createdAtMs()));
        // What this replica's directory (the one routing reads) says, which may trail the database by one refresh.
        o.put("in_rotation", live.map(LiveCluster::inRotation).orElse(false));
        o.set("active_models", strings(live.map(l -> l.activeModels().stream().sorted().toList()).orElse(List.of())));
        Heartbeat h = live.map(LiveCluster::heartbeat).orElse(c.heartbeat());
        if (h == null) {
            o.putNull("heartbeat");
        } else {
            ObjectNode hb = o.putObject("heartbeat");
            hb.put("received_at", Rfc3339.format(h.atMs()));
            hb.put("healthy", h.healthy());
            hb.put("load", h.load());
            hb.put("queue_depth", h.queueDepth());
            hb.put("cached_tokens_reporting", h.cachedTokensReporting());
            hb.set("models", h.models() == null ? null : strings(h.models()));
            hb.put("ttft_p50_ms", h.ttftP50Ms());
            hb.put("latency_p50_ms", h.latencyP50Ms());
        }
        o.put("heartbeat_timeout_ms", clusters.heartbeatTimeoutMs());
        return o;
    }

    private static ObjectNode json(Activation a) {
        ObjectNode o = Json.object();
        o.put("id", a.id());
        o.put("object", "byoc_activation");
        o.put("cluster_id", a.clusterId());
        o.put("model", a.model());
        o.put("status", a.active() ? "active" : "deactivated");
        o.put("replay_run_id", a.replayRunId());
        o.put("alias", a.alias());
        o.put("weight", a.weight());
        o.put("alias_release_id", a.aliasReleaseId());
        o.put("deactivation_release_id", a.deactivationReleaseId());
        o.set("criteria", a.criteria());
        o.set("evidence", a.evidence());
        o.put("created_at", Rfc3339.format(a.createdAtMs()));
        o.put("deactivated_at", a.deactivatedAtMs() == null ? null : Rfc3339.format(a.deactivatedAtMs()));
        return o;
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode a = Json.array();
        values.forEach(a::add);
        return a;
    }
}
