package ai.zumik.metering;

import ai.zumik.ids.Ids;
import ai.zumik.store.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Aggregations of the usage table for the console: time series, latency percentiles, the targets
 * that recent attempts went to, and response search. Every query is bounded: a time range is a
 * primary-key range (response ids begin with their creation time), grouped results are capped in
 * SQL, and scans of rows stop at a row limit.
 *
 * <p>Latency percentiles come from a histogram computed in the same pass as the counts: each
 * response's {@code latency_ms} falls into one of {@link #LATENCY_EDGES_MS} (log-spaced, each edge
 * 1.25 times the last, from 1 ms to about 2.6 hours), and p50/p99 are the upper edge of the bin
 * holding the 50th/99th percentile response, so they are never below the exact value and at most
 * 25 % above it. One SQL statement, {@code buckets x bins} rows at most, and no row is sorted.
 */
public final class UsageAnalytics {
    /** Upper bin edges in ms; a latency above the last edge counts in the last bin. */
    public static final long[] LATENCY_EDGES_MS = edges();

    /** Rows one grouped query may return. */
    static final int MAX_GROUP_ROWS = 20_000;

    public record Point(long bucket, String provider, String model, long requests, long failed, long costNanos) {}

    /** Per time bucket: requests, failures, cost, and the latency histogram's p50/p99 (null with no rows). */
    public record Bucket(long bucket, long requests, long failed, long costNanos, Long p50Ms, Long p99Ms) {}

    /** One attempt's target and outcome, from the response's stored attempts (JSON text). */
    public record AttemptRow(String responseId, String traceId, long createdAtMs, String attempts) {}

    private final Database db;
    private final UsageMeter meter;

    public UsageAnalytics(Database db, UsageMeter meter) {
        this.db = db;
        this.meter = meter;
    }

    private static long[] edges() {
        List<Long> out = new ArrayList<>();
        double e = 1;
        while (e < 10_000_000) {
            long v = Math.round(e);
            if (out.isEmpty() || v > out.getLast()) out.add(v);
            e *= 1.25;
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    private static String binExpression() {
        StringBuilder sb = new StringBuilder("CASE");
        for (int i = 0; i < LATENCY_EDGES_MS.length - 1; i++) {
            sb.append(" WHEN latency_ms <= ").append(LATENCY_EDGES_MS[i]).append(" THEN ").append(i);
        }
        return sb.append(" ELSE ").append(LATENCY_EDGES_MS.length - 1).append(" END").toString();
    }

    private static final String BIN = binExpression();

    /** Totals and percentiles per bucket of {@code bucketMs} in [sinceMs, untilMs), oldest first. */
    public List<Bucket> buckets(String projectId, long sinceMs, long untilMs, long bucketMs) {
        meter.awaitVisible();
        String sql = "SELECT created_at / ? AS b, " + BIN + " AS bin, COUNT(*), "
                + "SUM(CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END), COALESCE(SUM(cost_nanos), 0) "
                + "FROM usage_events WHERE project_id = ? AND response_id >= ? AND response_id < ? "
                + "GROUP BY created_at / ?, " + BIN + " ORDER BY 1, 2 LIMIT " + rowsFor(sinceMs, untilMs, bucketMs);
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                bindRange(ps, projectId, sinceMs, untilMs, bucketMs);
                ResultSet rs = ps.executeQuery();
                List<Bucket> out = new ArrayList<>();
                long current = Long.MIN_VALUE;
                long[] hist = new long[LATENCY_EDGES_MS.length];
                long requests = 0, failed = 0, cost = 0;
                while (rs.next()) {
                    long b = rs.getLong(1);
                    if (b != current && current != Long.MIN_VALUE) {
                        out.add(bucket(current, requests, failed, cost, hist));
                        hist = new long[LATENCY_EDGES_MS.length];
                        requests = failed = cost = 0;
                    }
                    current = b;
                    long n = rs.getLong(3);
                    hist[rs.getInt(2)] += n;
                    requests += n;
                    failed += rs.getLong(4);
                    cost += rs.getLong(5);
                }
                if (current != Long.MIN_VALUE) out.add(bucket(current, requests, failed, cost, hist));
                return out;
            }
        });
    }

    /** The parameters both grouped queries share: bucket width, project, the range as response-id bounds, bucket width. */
    private static void bindRange(PreparedStatement ps, String projectId, long sinceMs, long untilMs, long bucketMs)
            throws SQLException {
        ps.setLong(1, bucketMs);
        ps.setString(2, projectId);
        ps.setString(3, Ids.lowerBound("rsp_", sinceMs));
        ps.setString(4, Ids.lowerBound("rsp_", untilMs));
        ps.setLong(5, bucketMs);
    }

    /** Every (bucket, bin) pair of the range: the grouped rows can never be more, so none is cut. */
    private static long rowsFor(long sinceMs, long untilMs, long bucketMs) {
        return (Math.floorDiv(untilMs - 1, bucketMs) - Math.floorDiv(sinceMs, bucketMs) + 1) * LATENCY_EDGES_MS.length;
    }

    private static Bucket bucket(long b, long requests, long failed, long cost, long[] hist) {
        return new Bucket(b, requests, failed, cost, percentile(hist, requests, 0.50), percentile(hist, requests, 0.99));
    }

    /** The upper edge of the bin holding the response at rank ceil(q * n). */
    static Long percentile(long[] hist, long n, double q) {
        if (n == 0) return null;
        long rank = Math.max(1, (long) Math.ceil(q * n));
        long seen = 0;
        for (int i = 0; i < hist.length; i++) {
            seen += hist[i];
            if (seen >= rank) return LATENCY_EDGES_MS[i];
        }
        return LATENCY_EDGES_MS[hist.length - 1];
    }

    /**
     * Requests, failures and cost per bucket and provider/model, oldest first; at most
     * {@link #MAX_GROUP_ROWS} rows (a project with more distinct models than that over the range
     * loses its newest buckets' breakdown, never the totals of {@link #buckets}).
     */
    public List<Point> byTarget(String projectId, long sinceMs, long untilMs, long bucketMs) {
        meter.awaitVisible();
        String sql = "SELECT created_at / ?, provider, model, COUNT(*), SUM(CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END), "
                + "COALESCE(SUM(cost_nanos), 0) FROM usage_events WHERE project_id = ? AND response_id >= ? AND response_id < ? "
                + "GROUP BY created_at / ?, provider, model ORDER BY 1, 2, 3 LIMIT " + MAX_GROUP_ROWS;
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                bindRange(ps, projectId, sinceMs, untilMs, bucketMs);
                ResultSet rs = ps.executeQuery();
                List<Point> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new Point(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5),
                            rs.getLong(6)));
                }
                return out;
            }
        });
    }

    /** The attempts of the project's newest responses since {@code sinceMs}, at most {@code limit}, newest first. */
    public List<AttemptRow> recentAttempts(String projectId, long sinceMs, int limit) {
        meter.awaitVisible();
        String sql = "SELECT response_id, trace_id, created_at, attempts FROM usage_events WHERE project_id = ? "
                + "AND response_id >= ? AND attempts IS NOT NULL ORDER BY response_id DESC LIMIT " + limit;
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, projectId);
                ps.setString(2, Ids.lowerBound("rsp_", sinceMs));
                ResultSet rs = ps.executeQuery();
                List<AttemptRow> out = new ArrayList<>();
                while (rs.next()) out.add(new AttemptRow(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4)));
                return out;
            }
        });
    }
}
