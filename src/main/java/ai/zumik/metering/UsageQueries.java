package ai.zumik.metering;

import ai.zumik.ids.Ids;
import ai.zumik.reuse.ReuseAccount;
import ai.zumik.store.Database;
import ai.zumik.store.Rows;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the usage meter's table for {@code GET /v2/usage} and the response records. Blocking. Every
 * read first waits for the meter to move what it has journaled into the table, so a response's
 * event is readable as soon as the response is.
 */
public final class UsageQueries {
    /** Filters; null fields do not filter. Times are epoch milliseconds, {@code until} exclusive. */
    public record Filter(String projectId, Long sinceMs, Long untilMs, String provider, String model, String keyId) {}

    /** Totals over the filter. Token sums count only events that reported the field; cost only priced ones. */
    public record Summary(long requests, long completed, long failed, long cancelled, long promptTokens,
                          long cachedTokens, long cacheWriteTokens, long completionTokens, long reasoningTokens,
                          long costNanos) {}

    /** Per provider and model totals. */
    public record Group(String provider, String model, long requests, long promptTokens, long cachedTokens,
                        long completionTokens, long costNanos) {}

    /**
     * Totals per one dimension: a key ({@code key}: its id) or a UTC day ({@code key}: days since
     * the epoch as text).
     */
    public record Bucket(String key, long requests, long promptTokens, long completionTokens, long costNanos) {}

    /**
     * The reuse waterfall of the responses that carry a reuse account, per one dimension ({@code key}
     * null for the whole filter): their input, eligible and candidate tokens (inferred), realized
     * tokens (the providers' own counters; 0 for a response whose provider reported none, counted in
     * {@code withoutCounter}).
     */
    public record Waterfall(String key, String provider, String model, long requests, long inputTokens, long eligibleTokens,
                            long candidateTokens, long realizedTokens, long withoutCounter) {
        public long missedTokens() {
            return candidateTokens - realizedTokens;
        }
    }

    /** Whole records: the row and its decision template (the filters name only usage_events columns). */
    private static final String SELECT_RECORDS = "SELECT usage_events.*, decision_templates.body AS decision_template "
            + "FROM usage_events LEFT JOIN decision_templates "
            + "ON decision_templates.template_id = usage_events.decision_template_id";

    private final Database db;
    private final UsageMeter meter;

    public UsageQueries(Database db, UsageMeter meter) {
        this.db = db;
        this.meter = meter;
    }

    public Summary summary(Filter f) {
        meter.awaitVisible();
        Where w = where(f);
        String sql = "SELECT COUNT(*), "
                + "SUM(CASE WHEN outcome = 'completed' THEN 1 ELSE 0 END), "
                + "SUM(CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END), "
                + "SUM(CASE WHEN outcome = 'cancelled' THEN 1 ELSE 0 END), "
                + "COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(cached_tokens), 0), COALESCE(SUM(cache_write_tokens), 0), "
                + "COALESCE(SUM(completion_tokens), 0), COALESCE(SUM(reasoning_tokens), 0), COALESCE(SUM(cost_nanos), 0) "
                + "FROM usage_events" + w.sql;
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                w.bind(ps);
                ResultSet rs = ps.executeQuery();
                rs.next();
                return new Summary(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                        rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getLong(9), rs.getLong(10));
            }
        });
    }

    public List<Group> byModel(Filter f) {
        meter.awaitVisible();
        Where w = where(f);
        String sql = "SELECT provider, model, COUNT(*), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(cached_tokens), 0), "
                + "COALESCE(SUM(completion_tokens), 0), COALESCE(SUM(cost_nanos), 0) FROM usage_events" + w.sql
                + " GROUP BY provider, model ORDER BY COUNT(*) DESC, provider, model";
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                w.bind(ps);
                ResultSet rs = ps.executeQuery();
                List<Group> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new Group(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                            rs.getLong(6), rs.getLong(7)));
                }
                return out;
            }
        });
    }

    /**
     * Reuse waterfalls grouped by {@code dimension}: {@code null} (one row for the whole filter),
     * {@code "model"} (provider and model), {@code "key_id"} or {@code "prefix_family_id"}; largest
     * input first, at most {@code limit} rows.
     */
    public List<Waterfall> waterfall(Filter f, String dimension, int limit) {
        meter.awaitVisible();
        Where w = where(f);
        String group = dimension == null ? "" : dimension.equals("model") ? "provider, model" : dimension;
        String counted = "reuse_evidence_level IN ('" + ReuseAccount.PROVIDER_REPORTED + "', '" + ReuseAccount.RUNTIME_CONFIRMED + "')";
        String realized = "CASE WHEN " + counted + " THEN cached_tokens ELSE 0 END";
        String sql = "SELECT " + (dimension == null ? "NULL, NULL, NULL" : dimension.equals("model") ? "NULL, provider, model"
                : dimension + ", NULL, NULL") + ", COUNT(*), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(eligible_reuse_tokens), 0), "
                + "COALESCE(SUM(candidate_reuse_tokens), 0), COALESCE(SUM(" + realized + "), 0), "
                + "SUM(CASE WHEN " + counted + " THEN 0 ELSE 1 END) "
                + "FROM usage_events" + w.sql + (w.sql.isEmpty() ? " WHERE " : " AND ") + "candidate_reuse_tokens IS NOT NULL"
                + (dimension == null ? "" : " GROUP BY " + group + " ORDER BY COALESCE(SUM(prompt_tokens), 0) DESC, " + group)
                + " LIMIT " + limit;
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                w.bind(ps);
                ResultSet rs = ps.executeQuery();
                List<Waterfall> out = new ArrayList<>();
                while (rs.next()) {
                    if (rs.getLong(4) == 0) continue;
                    out.add(new Waterfall(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5),
                            rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getLong(9)));
                }
                return out;
            }
        });
    }

    /** Totals per key, most expensive first. */
    public List<Bucket> byKey(Filter f) {
        return buckets(f, "key_id", "COALESCE(SUM(cost_nanos), 0) DESC, key_id");
    }

    /** Totals per UTC day, oldest first. */
    public List<Bucket> byDay(Filter f) {
        return buckets(f, "created_at / 86400000", "1");
    }

    private List<Bucket> buckets(Filter f, String dimension, String order) {
        meter.awaitVisible();
        Where w = where(f);
        String sql = "SELECT " + dimension + ", COUNT(*), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0), "
                + "COALESCE(SUM(cost_nanos), 0) FROM usage_events" + w.sql + " GROUP BY " + dimension + " ORDER BY " + order;
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                w.bind(ps);
                ResultSet rs = ps.executeQuery();
                List<Bucket> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new Bucket(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)));
                }
                return out;
            }
        });
    }

    /** The most recent events, newest first; with {@code beforeId}, only those older than that response. */
    public List<UsageEvent> recent(Filter f, String beforeId, int limit) {
        meter.awaitVisible();
        Where w = where(f);
        String sql = SELECT_RECORDS + w.sql + (beforeId == null ? "" : " AND response_id < ?")
                + " ORDER BY response_id DESC LIMIT " + limit;
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                w.bind(ps);
                if (beforeId != null) ps.setString(w.args().size() + 1, beforeId);
                ResultSet rs = ps.executeQuery();
                List<UsageEvent> out = new ArrayList<>();
                while (rs.next()) out.add(read(rs));
                return out;
            }
        });
    }

    /**
     * Search of the filter's events, newest first, at most {@code limit}: by {@code traceId} (its
     * time prefix bounds the key range to the day after it was issued), HTTP {@code status} and
     * {@code outcome}; each null does not filter. With {@code beforeId}, only older responses.
     */
    public List<UsageEvent> search(Filter f, String traceId, Integer status, String outcome, String beforeId, int limit) {
        meter.awaitVisible();
        Where w = where(f);
        StringBuilder sql = new StringBuilder(SELECT_RECORDS).append(w.sql);
        List<Object> args = new ArrayList<>(w.args());
        if (traceId != null) {
            long issued = Ids.createdAtMs(traceId, "trc_");
            sql.append(" AND trace_id = ? AND response_id >= ? AND response_id < ?");
            args.add(traceId);
            args.add(Ids.lowerBound("rsp_", issued - 60_000));
            args.add(Ids.lowerBound("rsp_", issued + 86_400_000L));
        }
        if (status != null) {
            sql.append(" AND status = ?");
            args.add((long) status);
        }
        if (outcome != null) {
            sql.append(" AND outcome = ?");
            args.add(outcome);
        }
        if (beforeId != null) {
            sql.append(" AND response_id < ?");
            args.add(beforeId);
        }
        sql.append(" ORDER BY response_id DESC LIMIT ").append(limit);
        Where all = new Where(sql.toString(), args);
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(all.sql())) {
                all.bind(ps);
                ResultSet rs = ps.executeQuery();
                List<UsageEvent> out = new ArrayList<>();
                while (rs.next()) out.add(read(rs));
                return out;
            }
        });
    }

    /**
     * Drops one response's output text; its numbers stay (what a purge does to the responses it
     * reaches). For a response whose state was purged while it ran, which the purge could not see.
     */
    public void forgetOutput(String projectId, String responseId) {
        meter.awaitVisible();
        db.call(c -> forgetOutput(c, projectId, responseId));
    }

    /** {@link #forgetOutput} on the caller's connection (a purge's transaction): the rows touched, 0 or 1. */
    public static int forgetOutput(Connection c, String projectId, String responseId) throws SQLException {
        return Database.execute(c, "UPDATE usage_events SET output = NULL WHERE project_id = ? AND response_id = ?", projectId, responseId);
    }

    /** Looks one response's event up (tenant-scoped). */
    public UsageEvent byResponse(String projectId, String responseId) {
        meter.awaitVisible();
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT_RECORDS + " WHERE project_id = ? AND response_id = ?")) {
                ps.setString(1, projectId);
                ps.setString(2, responseId);
                ResultSet rs = ps.executeQuery();
                return rs.next() ? read(rs) : null;
            }
        });
    }

    private static UsageEvent read(ResultSet rs) throws SQLException {
        return new UsageEvent(rs.getString("response_id"), rs.getString("trace_id"),
                rs.getString("project_id"), rs.getString("key_id"), rs.getString("endpoint"),
                rs.getString("requested_model"), rs.getString("provider"), rs.getString("model"),
                rs.getString("execution_mode"), rs.getString("execution_profile"), rs.getInt("stream") != 0,
                rs.getInt("status"), rs.getString("outcome"), rs.getString("error_code"),
                Rows.longOrNull(rs, "prompt_tokens"), Rows.longOrNull(rs, "cached_tokens"),
                Rows.longOrNull(rs, "cache_write_tokens"), Rows.longOrNull(rs, "completion_tokens"),
                Rows.longOrNull(rs, "reasoning_tokens"), Rows.longOrNull(rs, "ttft_ms"), rs.getLong("latency_ms"),
                rs.getLong("created_at"), rs.getString("surface"), rs.getString("alias_release_id"),
                template(rs.getString("decision_template_id"), rs.getString("decision_template")),
                rs.getString("decision"), rs.getString("attempts"), rs.getString("qos"), rs.getString("output"),
                rs.getInt("charged") != 0, Rows.longOrNull(rs, "cost_nanos"), rs.getString("price_revision"), reuse(rs));
    }

    private static ReuseAccount reuse(ResultSet rs) throws SQLException {
        Long candidate = Rows.longOrNull(rs, "candidate_reuse_tokens");
        if (candidate == null) return null;
        return new ReuseAccount(rs.getLong("eligible_reuse_tokens"), candidate,
                ReuseAccount.counted(rs.getString("reuse_evidence_level")) ? Rows.longOrNull(rs, "cached_tokens") : null,
                rs.getString("prefix_family_id"), rs.getString("cache_tier"), rs.getString("reuse_evidence_level"),
                rs.getLong("reuse_window_ms"));
    }

    private static DecisionTemplate template(String id, String json) {
        return id == null ? null : new DecisionTemplate(id, json);
    }


    private record Where(String sql, List<Object> args) {
        void bind(PreparedStatement ps) throws SQLException {
            for (int i = 0; i < args.size(); i++) {
                Object a = args.get(i);
                if (a instanceof Long l) ps.setLong(i + 1, l);
                else ps.setString(i + 1, (String) a);
            }
        }
    }

    private static Where where(Filter f) {
        StringBuilder sb = new StringBuilder(" WHERE project_id = ?");
        List<Object> args = new ArrayList<>();
        args.add(f.projectId());
        // Response ids begin with their creation time: a time range is a primary-key range.
        if (f.sinceMs() != null) {
            sb.append(" AND response_id >= ?");
            args.add(Ids.lowerBound("rsp_", f.sinceMs()));
        }
        if (f.untilMs() != null) {
            sb.append(" AND response_id < ?");
            args.add(Ids.lowerBound("rsp_", f.untilMs()));
        }
        if (f.provider() != null) {
            sb.append(" AND provider = ?");
            args.add(f.provider());
        }
        if (f.model() != null) {
            sb.append(" AND model = ?");
            args.add(f.model());
        }
        if (f.keyId() != null) {
            sb.append(" AND key_id = ?");
            args.add(f.keyId());
        }
        return new Where(sb.toString(), args);
    }
}
