package ai.zumik.traces;

import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One request as a metadata-only trace (digest §4.9): token shapes, timings, the routing it got and
 * per-project HMAC fingerprints of its stable prefix — never prompt text. Written by {@code zumik
 * proxy}, built from stored usage events ({@code traffic_manifest_ref: "usage:N"}), or sent inline to
 * {@code POST /v2/diagnostics} and {@code POST /v2/replay-runs}.
 *
 * <p>Diagnostics accept the digest's reduced form: only {@code trace_id}, {@code privacy_mode} and
 * {@code observed} are required.
 *
 * @param prefixFamilyId the opaque family ({@code pf_…}) of requests sharing its reusable prefix, or null
 * @param request how the request was asked and pinned, or null
 * @param schedule when and where it arrived, or null
 * @param observed what happened
 * @param prefix the cumulative fingerprints of its stable prefix at block boundaries, or empty
 */
public record TraceEnvelope(String traceSchemaVersion, String traceId, String projectId, String privacyMode,
                            String prefixFamilyId, Request request, Schedule schedule, Observed observed,
                            List<PrefixMark> prefix) {

    public static final String SCHEMA_VERSION = "2026-06-01";
    public static final Set<String> PRIVACY_MODES = Set.of("metadata", "tokenized", "encrypted_full_fidelity", "synthetic");

    /**
     * @param apiSurface {@code v1_chat_completions}, {@code v1_responses} or {@code v2_responses}
     * @param model what the client asked for (an alias, a provider/model, a bare model), or null
     * @param qosClass the QoS class it ran in, or null
     * @param deadlineMs its QoS deadline, or null
     */
    public record Request(String apiSurface, String model, String snapshotId, List<String> orderedBlockManifest,
                          String promptCompilerRevision, String aliasReleaseId, String qosClass, Long deadlineMs) {}

    public record Schedule(Long arrivalOffsetMs, String sessionId, String branchId, String concurrencyGroup) {}

    /**
     * @param resolvedTarget {@code provider/model[@revision]} that answered, or null when none did
     * @param eligibleReuseTokens input tokens that could in principle be reused (null: not known, taken
     *     as {@code candidateReuseTokens})
     * @param realizedReusedTokens tokens a cache served by the provider's own counter, or null when the
     *     provider reported none
     * @param status the HTTP status returned, or null
     */
    public record Observed(String resolvedTarget, Long ttftMs, Long latencyMs, long inputTokens,
                           Long eligibleReuseTokens, long candidateReuseTokens, Long realizedReusedTokens,
                           Long outputTokens, int attemptCount, Integer status) {}

    /** The stable prefix up to a block boundary: its token count and its HMAC fingerprint (hex). */
    public record PrefixMark(long tokens, String fingerprint) {}

    /** Reads one envelope; a missing or ill-typed field is an {@link IllegalArgumentException} naming it. */
    public static TraceEnvelope fromJson(JsonNode n) {
        if (n == null || !n.isObject()) throw new IllegalArgumentException("trace: must be a JSON object");
        String traceId = requiredText(n, "trace_id");
        String privacy = requiredText(n, "privacy_mode");
        if (!PRIVACY_MODES.contains(privacy)) {
            throw new IllegalArgumentException("privacy_mode: must be one of metadata, tokenized, encrypted_full_fidelity, synthetic");
        }
        JsonNode o = n.get("observed");
        if (o == null || !o.isObject()) throw new IllegalArgumentException("observed: required object");
        Observed observed = new Observed(optText(o, "observed.resolved_target", "resolved_target"),
                optLong(o, "observed.ttft_ms", "ttft_ms"), optLong(o, "observed.latency_ms", "latency_ms"),
                reqLong(o, "observed.input_tokens", "input_tokens"),
                optLong(o, "observed.eligible_reuse_tokens", "eligible_reuse_tokens"),
                orZero(optLong(o, "observed.candidate_reuse_tokens", "candidate_reuse_tokens")),
                optLong(o, "observed.realized_reused_tokens", "realized_reused_tokens"),
                optLong(o, "observed.output_tokens", "output_tokens"),
                (int) Math.max(0, orZero(optLong(o, "observed.attempt_count", "attempt_count"))),
                optInt(o, "observed.status", "status"));
        Request request = null;
        JsonNode r = n.get("request");
        if (r != null && !r.isNull()) {
            if (!r.isObject()) throw new IllegalArgumentException("request: must be an object");
            request = new Request(optText(r, "request.api_surface", "api_surface"), optText(r, "request.model", "model"),
                    optText(r, "request.snapshot_id", "snapshot_id"), texts(r, "request.ordered_block_manifest", "ordered_block_manifest"),
                    optText(r, "request.prompt_compiler_revision", "prompt_compiler_revision"),
                    optText(r, "request.alias_release_id", "alias_release_id"), optText(r, "request.qos_class", "qos_class"),
                    optLong(r, "request.deadline_ms", "deadline_ms"));
        }
        Schedule schedule = null;
        JsonNode s = n.get("schedule");
        if (s != null && !s.isNull()) {
            if (!s.isObject()) throw new IllegalArgumentException("schedule: must be an object");
            schedule = new Schedule(optLong(s, "schedule.arrival_offset_ms", "arrival_offset_ms"),
                    optText(s, "schedule.session_id", "session_id"), optText(s, "schedule.branch_id", "branch_id"),
                    optText(s, "schedule.concurrency_group", "concurrency_group"));
        }
        List<PrefixMark> prefix = List.of();
        JsonNode p = n.get("prefix");
        if (p != null && !p.isNull()) {
            if (!p.isArray()) throw new IllegalArgumentException("prefix: must be an array");
            PrefixMark[] marks = new PrefixMark[p.size()];
            for (int i = 0; i < marks.length; i++) marks[i] = mark(p.get(i), i);
            prefix = List.of(marks);
        }
        String version = optText(n, "trace_schema_version", "trace_schema_version");
        return new TraceEnvelope(version == null ? SCHEMA_VERSION : version, traceId, optText(n, "project_id", "project_id"),
                privacy, optText(n, "prefix_family_id", "prefix_family_id"), request, schedule, observed, prefix);
    }

    /** {@code prefix[i]}; its path is built only for an error, not for each mark of each line scored. */
    private static PrefixMark mark(JsonNode m, int i) {
        if (!m.isObject()) throw new IllegalArgumentException("prefix[" + i + "]: must be an object");
        try {
            return new PrefixMark(reqLong(m, "tokens", "tokens"), requiredText(m, "fingerprint", "fingerprint"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("prefix[" + i + "]." + e.getMessage(), e);
        }
    }

    /** The envelope as JSON, absent parts omitted. */
    public ObjectNode toJson() {
        ObjectNode n = Json.object();
        n.put("trace_schema_version", traceSchemaVersion);
        n.put("trace_id", traceId);
        if (projectId != null) n.put("project_id", projectId);
        n.put("privacy_mode", privacyMode);
        n.put("prefix_family_id", prefixFamilyId);
        if (request != null) {
            ObjectNode r = n.putObject("request");
            r.put("api_surface", request.apiSurface());
            if (request.model() != null) r.put("model", request.model());
            if (request.snapshotId() != null) r.put("snapshot_id", request.snapshotId());
            if (request.orderedBlockManifest() != null) {
                ArrayNode a = r.putArray("ordered_block_manifest");
                request.orderedBlockManifest().forEach(a::add);
            }
            if (request.promptCompilerRevision() != null) r.put("prompt_compiler_revision", request.promptCompilerRevision());
            if (request.aliasReleaseId() != null) r.put("alias_release_id", request.aliasReleaseId());
            if (request.qosClass() != null) r.put("qos_class", request.qosClass());
            if (request.deadlineMs() != null) r.put("deadline_ms", request.deadlineMs());
        }
        if (schedule != null) {
            ObjectNode s = n.putObject("schedule");
            s.put("arrival_offset_ms", schedule.arrivalOffsetMs());
            if (schedule.sessionId() != null) s.put("session_id", schedule.sessionId());
            if (schedule.branchId() != null) s.put("branch_id", schedule.branchId());
            if (schedule.concurrencyGroup() != null) s.put("concurrency_group", schedule.concurrencyGroup());
        }
        ObjectNode o = n.putObject("observed");
        o.put("resolved_target", observed.resolvedTarget());
        o.put("ttft_ms", observed.ttftMs());
        o.put("latency_ms", observed.latencyMs());
        o.put("input_tokens", observed.inputTokens());
        if (observed.eligibleReuseTokens() != null) o.put("eligible_reuse_tokens", observed.eligibleReuseTokens());
        o.put("candidate_reuse_tokens", observed.candidateReuseTokens());
        o.put("realized_reused_tokens", observed.realizedReusedTokens());
        o.put("output_tokens", observed.outputTokens());
        o.put("attempt_count", observed.attemptCount());
        if (observed.status() != null) o.put("status", observed.status());
        if (!prefix.isEmpty()) {
            ArrayNode a = n.putArray("prefix");
            for (PrefixMark m : prefix) a.addObject().put("tokens", m.tokens()).put("fingerprint", m.fingerprint());
        }
        return n;
    }

    private static String requiredText(JsonNode n, String field) {
        return requiredText(n, field, field);
    }

    private static String requiredText(JsonNode n, String path, String field) {
        String s = optText(n, path, field);
        if (s == null || s.isEmpty()) throw new IllegalArgumentException(path + ": required string");
        return s;
    }

    private static String optText(JsonNode n, String path, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw new IllegalArgumentException(path + ": must be a string");
        return v.textValue();
    }

    private static Long optLong(JsonNode n, String path, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
            throw new IllegalArgumentException(path + ": must be a non-negative integer");
        }
        return v.longValue();
    }

    private static Integer optInt(JsonNode n, String path, String field) {
        Long v = optLong(n, path, field);
        if (v != null && v > Integer.MAX_VALUE) throw new IllegalArgumentException(path + ": too large");
        return v == null ? null : v.intValue();
    }

    private static long reqLong(JsonNode n, String path, String field) {
        Long v = optLong(n, path, field);
        if (v == null) throw new IllegalArgumentException(path + ": required non-negative integer");
        return v;
    }

    private static long orZero(Long v) {
        return v == null ? 0 : v;
    }

    private static List<String> texts(JsonNode n, String path, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isArray()) throw new IllegalArgumentException(path + ": must be an array of strings");
        List<String> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isTextual()) throw new IllegalArgumentException(path + "[" + i + "]: must be a string");
            out.add(v.get(i).textValue());
        }
        return List.copyOf(out);
    }
}
