package ai.zumik.v2;

import ai.zumik.http.Exchange;
import ai.zumik.http.Params;
import ai.zumik.http.Query;
import ai.zumik.json.Json;
import ai.zumik.metering.UsageAnalytics;
import ai.zumik.surface.AgentHeaders;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /v2/analytics/timeseries?since&until&bucket=hour|day}: the project's requests, failures,
 * error rate, cost and p50/p99 latency per time bucket, and the same counts per provider and model
 * (the 20 busiest). Computed in SQL over the usage table's key range (see {@link UsageAnalytics});
 * at most {@link #MAX_HOURS} hourly or {@link #MAX_DAYS} daily buckets, every bucket present (zeros
 * where nothing ran). Defaults: the last 24 hours by hour, the last 30 days by day.
 */
public final class AnalyticsHandler {
    public static final String PATH = "/v2/analytics/timeseries";
    static final int MAX_HOURS = 24 * 31;
    static final int MAX_DAYS = 400;
    static final int TOP_TARGETS = 20;
    private static final long HOUR = 3_600_000L;
    private static final long DAY = 24 * HOUR;

    private final UsageAnalytics analytics;
    private final Clock clock;

    public AnalyticsHandler(UsageAnalytics analytics, Clock clock) {
        this.analytics = analytics;
        this.clock = clock;
    }

    public void timeseries(Exchange ex) {
        Query q = ex.query();
        String bucket = q.get("bucket") == null ? "hour" : Params.oneOf(q.get("bucket"), "bucket", Set.of("hour", "day"));
        long size = bucket.equals("hour") ? HOUR : DAY;
        int max = bucket.equals("hour") ? MAX_HOURS : MAX_DAYS;
        Long untilArg = Rfc3339.parse(q.get("until"), "until");
        Long sinceArg = Rfc3339.parse(q.get("since"), "since");
        long until = untilArg != null ? untilArg : clock.millis();
        long since = sinceArg != null ? sinceArg : until - (bucket.equals("hour") ? 24 * HOUR : 30 * DAY);
        if (since >= until) throw Params.invalidValue("since", "Invalid 'since': it must be before 'until'.");
        long first = Math.floorDiv(since, size);
        long last = Math.floorDiv(until - 1, size);
        if (last - first + 1 > max) {
            throw Params.invalidValue("since", "Invalid 'since': " + (last - first + 1) + " " + bucket + " buckets asked for; "
                    + "at most " + max + " are served (narrow 'since'/'until' or use a larger bucket).");
        }
        String project = ex.principal().projectId();
        ex.offload(() -> render(bucket, size, first, last,
                analytics.buckets(project, first * size, (last + 1) * size, size),
                analytics.byTarget(project, first * size, (last + 1) * size, size)), json -> ex.sendJson(200, json));
    }

    private static ObjectNode render(String bucket, long size, long first, long last, List<UsageAnalytics.Bucket> rows,
                                     List<UsageAnalytics.Point> points) {
        ObjectNode root = Json.object();
        root.put("object", "analytics.timeseries");
        root.put("bucket", bucket);
        root.put("since", Rfc3339.format(first * size));
        root.put("until", Rfc3339.format((last + 1) * size));
        root.put("latency_percentiles", "histogram_upper_edge");
        Map<Long, UsageAnalytics.Bucket> byBucket = new LinkedHashMap<>();
        for (var r : rows) byBucket.put(r.bucket(), r);
        ArrayNode out = root.putArray("buckets");
        long requests = 0, failed = 0, cost = 0;
        for (long b = first; b <= last; b++) {
            var r = byBucket.get(b);
            ObjectNode o = out.addObject();
            o.put("start", Rfc3339.format(b * size));
            long n = r == null ? 0 : r.requests();
            long f = r == null ? 0 : r.failed();
            o.put("requests", n);
            o.put("failed", f);
            o.put("error_rate", n == 0 ? null : Math.round(f * 10_000.0 / n) / 10_000.0);
            o.put("cost_micros", r == null ? 0 : AgentHeaders.micros(r.costNanos()));
            o.put("p50_latency_ms", r == null ? null : r.p50Ms());
            o.put("p99_latency_ms", r == null ? null : r.p99Ms());
            requests += n;
            failed += f;
            cost += r == null ? 0 : r.costNanos();
        }
        ObjectNode totals = root.putObject("totals");
        totals.put("requests", requests);
        totals.put("failed", failed);
        totals.put("error_rate", requests == 0 ? null : Math.round(failed * 10_000.0 / requests) / 10_000.0);
        totals.put("cost_micros", AgentHeaders.micros(cost));
        root.set("by_target", byTarget(points, size));
        return root;
    }

    private record Series(String provider, String model, List<UsageAnalytics.Point> points) {
        long requests() {
            return points.stream().mapToLong(UsageAnalytics.Point::requests).sum();
        }
    }

    private static ArrayNode byTarget(List<UsageAnalytics.Point> points, long size) {
        Map<String, Series> series = new LinkedHashMap<>();
        for (var p : points) {
            series.computeIfAbsent(p.provider() + "\u0000" + p.model(), k -> new Series(p.provider(), p.model(), new ArrayList<>()))
                    .points().add(p);
        }
        List<Series> busiest = new ArrayList<>(series.values());
        busiest.sort((a, b) -> Long.compare(b.requests(), a.requests()));
        ArrayNode out = Json.array();
        for (Series s : busiest.subList(0, Math.min(TOP_TARGETS, busiest.size()))) {
            ObjectNode o = out.addObject();
            o.put("provider", s.provider());
            o.put("model", s.model());
            o.put("requests", s.requests());
            o.put("failed", s.points().stream().mapToLong(UsageAnalytics.Point::failed).sum());
            o.put("cost_micros", AgentHeaders.micros(s.points().stream().mapToLong(UsageAnalytics.Point::costNanos).sum()));
            ArrayNode pts = o.putArray("points");
            for (var p : s.points()) {
                pts.addObject().put("start", Rfc3339.format(p.bucket() * size)).put("requests", p.requests())
                        .put("failed", p.failed()).put("cost_micros", AgentHeaders.micros(p.costNanos()));
            }
        }
        return out;
    }
}
