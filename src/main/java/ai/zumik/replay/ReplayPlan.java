package ai.zumik.replay;

import ai.zumik.alias.AliasRelease;
import ai.zumik.alias.AliasTarget;
import ai.zumik.json.Json;
import ai.zumik.provider.ProviderId;
import ai.zumik.traces.TraceEnvelope;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * What a run resolves its traces through, frozen when it is created: each side's spec, every alias
 * release either side can reach (pinned by id, with its weighted targets), and for {@code managed}
 * where each model the traces asked for resolved then. Placing a trace reads nothing else, so a
 * run's routing is a function of its traces, its seed and this plan alone.
 *
 * @param releases alias name → its pinned release
 * @param models for {@code managed}: each requested model → the alias it names, the target it
 *     addresses, or neither (unresolved)
 */
public record ReplayPlan(Side baseline, Side candidate, Map<String, Pinned> releases, Map<String, Resolution> models,
                         String priceTableRevision, String catalogRevision) {

    /** One side of the comparison. */
    public sealed interface Side {
        String spec();

        /** What the project's live routing would do: each trace's requested model through its alias or the catalogue. */
        record Managed(String spec) implements Side {}

        /** A live alias, through its pinned weighted release. */
        record Alias(String spec) implements Side {}

        /** One fixed {@code provider/model[@revision]}, or {@code byoc:<cluster id>/<model path>}. */
        record Fixed(String spec, Target target) implements Side {}
    }

    public record Weighted(Target target, int weight) {}

    public record Pinned(String releaseId, List<Weighted> targets) {
        static Pinned of(AliasRelease r) {
            List<Weighted> ts = new ArrayList<>();
            for (AliasTarget t : r.targets()) {
                Target target = t.clusterId() != null ? Target.cluster(t.clusterId(), t.model())
                        : Target.of(t.provider(), t.model(), t.modelRevision());
                ts.add(new Weighted(target, t.weight()));
            }
            return new Pinned(r.id(), List.copyOf(ts));
        }
    }

    /** A requested model as {@code managed} resolves it: through an alias, to a target, or not at all. */
    public record Resolution(String alias, Target target) {}

    /**
     * Where a trace lands on one side.
     *
     * @param target null when nothing resolves (a managed trace whose model the catalogue no longer addresses)
     * @param releaseId the alias release it was drawn from, or null
     */
    public record Placement(Target target, String releaseId) {}

    /** Places one trace on {@code side}, drawing a weighted target with a generator keyed by (seed, trace id). */
    public Placement place(Side side, TraceEnvelope trace, long seed) {
        return switch (side) {
            case Side.Fixed f -> new Placement(f.target(), null);
            case Side.Alias a -> draw(releases.get(a.spec()), trace.traceId(), seed);
            case Side.Managed m -> {
                String model = trace.request() == null ? null : trace.request().model();
                if (model == null) yield new Placement(observed(trace), null);
                Resolution r = models.get(model);
                if (r == null) yield new Placement(null, null);
                yield r.alias() != null ? draw(releases.get(r.alias()), trace.traceId(), seed) : new Placement(r.target(), null);
            }
        };
    }

    /** The target a trace actually ran on, when it names one the catalogue knows. */
    static Target observed(TraceEnvelope trace) {
        return target(trace.observed().resolvedTarget());
    }

    private static Placement draw(Pinned release, String traceId, long seed) {
        int total = 0;
        for (Weighted w : release.targets()) total += w.weight();
        int r = new SplittableRandom(key(seed, traceId)).nextInt(total);
        for (Weighted w : release.targets()) {
            r -= w.weight();
            if (r < 0) return new Placement(w.target(), release.releaseId());
        }
        throw new IllegalStateException("unreachable: weights sum to " + total);
    }

    /** 64-bit FNV-1a of "seed:trace_id": the same pair always draws the same target. */
    static long key(long seed, String traceId) {
        long h = 0xcbf29ce484222325L;
        for (byte b : (seed + ":" + traceId).getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    // ---- stored form ----------------------------------------------------------------------------

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.set("baseline", side(baseline));
        o.set("candidate", side(candidate));
        ObjectNode rs = o.putObject("releases");
        new TreeMap<>(releases).forEach((alias, p) -> {
            ObjectNode r = rs.putObject(alias);
            r.put("id", p.releaseId());
            ArrayNode ts = r.putArray("targets");
            for (Weighted w : p.targets()) ts.addObject().put("target", w.target().id()).put("weight", w.weight());
        });
        ObjectNode ms = o.putObject("models");
        new TreeMap<>(models).forEach((model, r) -> {
            ObjectNode m = ms.putObject(model);
            m.put("alias", r.alias());
            m.put("target", r.target() == null ? null : r.target().id());
        });
        o.put("price_table_revision", priceTableRevision);
        o.put("catalog_revision", catalogRevision);
        return o;
    }

    private static ObjectNode side(Side s) {
        ObjectNode o = Json.object().put("spec", s.spec());
        switch (s) {
            case Side.Managed m -> o.put("kind", "profile");
            case Side.Alias a -> o.put("kind", "alias");
            case Side.Fixed f -> o.put("kind", "fixed").put("target", f.target().id());
        }
        return o;
    }

    static ReplayPlan fromJson(JsonNode o) {
        Map<String, Pinned> releases = new TreeMap<>();
        o.path("releases").properties().forEach(e -> {
            List<Weighted> ts = new ArrayList<>();
            for (JsonNode t : e.getValue().path("targets")) ts.add(new Weighted(target(t.get("target").asText()), t.get("weight").asInt()));
            releases.put(e.getKey(), new Pinned(e.getValue().get("id").asText(), List.copyOf(ts)));
        });
        Map<String, Resolution> models = new TreeMap<>();
        o.path("models").properties().forEach(e -> models.put(e.getKey(), new Resolution(Json.string(e.getValue(), "alias"),
                e.getValue().hasNonNull("target") ? target(e.getValue().get("target").asText()) : null)));
        return new ReplayPlan(side(o.get("baseline")), side(o.get("candidate")), releases, models,
                o.path("price_table_revision").asText(), o.path("catalog_revision").asText());
    }

    private static Side side(JsonNode s) {
        String spec = s.get("spec").asText();
        return switch (s.get("kind").asText()) {
            case "profile" -> new Side.Managed(spec);
            case "alias" -> new Side.Alias(spec);
            default -> new Side.Fixed(spec, target(s.get("target").asText()));
        };
    }

    /**
     * A target id, {@code provider/model[@revision]} (the provider's own model id after the first
     * slash); null when it names no provider.
     */
    static Target target(String id) {
        if (id != null && id.startsWith(Target.BYOC_PREFIX)) return Target.parseCluster(id).orElse(null);
        int slash = id == null ? -1 : id.indexOf('/');
        if (slash <= 0) return null;
        ProviderId p = ProviderId.parse(id.substring(0, slash)).orElse(null);
        if (p == null) return null;
        String rest = id.substring(slash + 1);
        int at = rest.lastIndexOf('@');
        return at > 0 ? Target.of(p, rest.substring(0, at), rest.substring(at + 1)) : Target.of(p, rest, null);
    }
}
