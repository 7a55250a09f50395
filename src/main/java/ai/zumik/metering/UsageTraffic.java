package ai.zumik.metering;

import ai.zumik.json.Json;
import ai.zumik.reuse.ReuseAccount;
import ai.zumik.store.Database;
import ai.zumik.store.Rows;
import ai.zumik.traces.TraceEnvelope;
import ai.zumik.traces.TrafficSource;
import com.fasterxml.jackson.databind.JsonNode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Recorded traffic from {@code usage_events}: the project's last N events as metadata-only trace
 * envelopes ({@code traffic_manifest_ref: "usage:N"}), and the project's median latency on a
 * target. Reads only numbers, names and timings; never the stored output text.
 */
public final class UsageTraffic implements TrafficSource {
    /** How many recent completed responses a target's median latency is taken over. */
    static final int LATENCY_SAMPLES = 1000;

    private final Database db;
    private final Runnable usageVisible;

    /** @param usageVisible waits until every usage event recorded so far is readable */
    public UsageTraffic(Database db, Runnable usageVisible) {
        this.db = db;
        this.usageVisible = usageVisible;
    }

    /** The columns a trace is built from: one usage event without its text or routing detail. */
    record Row(String responseId, String endpoint, String requestedModel, String aliasReleaseId, String provider,
               String model, int status, Long promptTokens, Long cachedTokens, Long completionTokens, Long ttftMs,
               long latencyMs, String attempts, String qos, long createdAtMs, Long eligibleReuseTokens,
               Long candidateReuseTokens, String prefixFamilyId, String reuseEvidenceLevel) {}

    @Override
    public List<TraceEnvelope> lastUsage(String projectId, int n) {
        usageVisible.run();
        List<Row> rows = db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT response_id, endpoint, requested_model, alias_release_id, "
                    + "provider, model, status, prompt_tokens, cached_tokens, completion_tokens, ttft_ms, latency_ms, attempts, "
                    + "qos, created_at, eligible_reuse_tokens, candidate_reuse_tokens, prefix_family_id, reuse_evidence_level "
                    + "FROM usage_events WHERE project_id = ? ORDER BY response_id DESC LIMIT " + n)) {
                ps.setString(1, projectId);
                ResultSet rs = ps.executeQuery();
                List<Row> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getString(6), rs.getInt(7), Rows.longOrNull(rs, 8), Rows.longOrNull(rs, 9), Rows.longOrNull(rs, 10),
                            Rows.longOrNull(rs, 11), rs.getLong(12), rs.getString(13), rs.getString(14), rs.getLong(15),
                            Rows.longOrNull(rs, 16), Rows.longOrNull(rs, 17), rs.getString(18), rs.getString(19)));
                }
                return out;
            }
        });
        Collections.reverse(rows); // oldest first
        List<TraceEnvelope> out = new ArrayList<>(rows.size());
        long first = rows.isEmpty() ? 0 : rows.getFirst().createdAtMs();
        for (Row r : rows) out.add(envelope(projectId, r, first));
        return out;
    }

    /**
     * One usage event as a trace: its reuse account's eligible and candidate tokens and prefix family
     * (an event without an account — recorded before reuse accounting, or with it off — has candidate
     * 0 and no family), and as realized the provider's cached tokens, null when it reported none. The
     * event keeps no deadline, unless its QoS record does.
     */
    static TraceEnvelope envelope(String projectId, Row r, long firstCreatedAtMs) {
        JsonNode qos = r.qos() == null ? null : Json.parseOrNull(r.qos().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        JsonNode attempts = r.attempts() == null ? null : Json.parseOrNull(r.attempts().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        var request = new TraceEnvelope.Request(surface(r.endpoint()), r.requestedModel(), null, null, null, r.aliasReleaseId(),
                Json.string(qos, "class"), Json.longOrNull(qos, "deadline_ms"));
        var schedule = new TraceEnvelope.Schedule(Math.max(0, r.createdAtMs() - firstCreatedAtMs), null, null, null);
        var observed = new TraceEnvelope.Observed(r.provider() == null ? null : r.provider() + "/" + r.model(), r.ttftMs(),
                r.latencyMs(), r.promptTokens() == null ? 0 : r.promptTokens(), r.eligibleReuseTokens(),
                r.candidateReuseTokens() == null ? 0 : r.candidateReuseTokens(), realized(r), r.completionTokens(),
                attempts != null && attempts.isArray() ? attempts.size() : 0, r.status());
        return new TraceEnvelope(TraceEnvelope.SCHEMA_VERSION, r.responseId(), projectId, "metadata", r.prefixFamilyId(), request,
                schedule, observed, List.of());
    }

    /** The provider's cached tokens, unless the event's reuse account says the provider reported no counter. */
    private static Long realized(Row r) {
        if (r.reuseEvidenceLevel() != null && !ReuseAccount.counted(r.reuseEvidenceLevel())) return null;
        return r.cachedTokens();
    }

    /** {@code /v1/chat/completions} → {@code v1_chat_completions}. */
    static String surface(String endpoint) {
        if (endpoint == null) return null;
        String s = endpoint.startsWith("/") ? endpoint.substring(1) : endpoint;
        return s.replace('/', '_').replace('.', '_').replace('-', '_').toLowerCase(Locale.ROOT);
    }

    @Override
    public Optional<TargetLatency> observedLatency(String projectId, String provider, String model) {
        usageVisible.run();
        List<long[]> samples = db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT ttft_ms, latency_ms FROM usage_events WHERE project_id = ? "
                    + "AND provider = ? AND model = ? AND outcome = 'completed' ORDER BY response_id DESC LIMIT " + LATENCY_SAMPLES)) {
                ps.setString(1, projectId);
                ps.setString(2, provider);
                ps.setString(3, model);
                ResultSet rs = ps.executeQuery();
                List<long[]> out = new ArrayList<>();
                while (rs.next()) {
                    long ttft = rs.getLong(1);
                    out.add(new long[] {rs.wasNull() ? -1 : ttft, rs.getLong(2)});
                }
                return out;
            }
        });
        if (samples.isEmpty()) return Optional.empty();
        long[] ttfts = samples.stream().mapToLong(s -> s[0]).filter(t -> t >= 0).sorted().toArray();
        long[] latencies = samples.stream().mapToLong(s -> s[1]).sorted().toArray();
        return Optional.of(new TargetLatency(ttfts.length == 0 ? null : median(ttfts), median(latencies), samples.size()));
    }

    /** The lower median of sorted values (an observed value, not an average of two). */
    private static long median(long[] sorted) {
        return sorted[(sorted.length - 1) / 2];
    }

}
