package ai.zumik.http;

import ai.zumik.telemetry.Metrics;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.Supplier;

/**
 * {@code /healthz} and {@code /metrics}. Metrics are guarded by {@code METRICS_TOKEN} (bearer) when
 * it is set, and otherwise served only to loopback clients.
 */
public final class OpsEndpoints {
    private static final byte[] HEALTHY = "{\"status\":\"ok\"}".getBytes(StandardCharsets.US_ASCII);

    private final Metrics metrics;
    private final byte[] metricsToken;
    private final Supplier<String> problem;

    /** @param problem what makes this process unhealthy right now, or null (see {@link LoopWatchdog}) */
    public OpsEndpoints(Metrics metrics, String metricsToken, Supplier<String> problem) {
        this.metrics = metrics;
        this.metricsToken = metricsToken == null ? null : metricsToken.getBytes(StandardCharsets.UTF_8);
        this.problem = problem;
    }

    /** 200 {@code {"status":"ok"}}, or 503 {@code {"status":"unhealthy","reason":…}} while an event loop is stuck. */
    public void health(Exchange ex) {
        String wrong = problem.get();
        if (wrong == null) {
            ex.sendJson(200, HEALTHY);
            return;
        }
        var body = ai.zumik.json.Json.object();
        body.put("status", "unhealthy");
        body.put("reason", wrong);
        ex.sendJson(503, body);
    }

    public void metrics(Exchange ex) {
        if (metricsToken != null) {
            String header = ex.request().getHeader(HttpHeaders.AUTHORIZATION);
            byte[] presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                    ? header.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
            if (!MessageDigest.isEqual(presented, metricsToken)) {
                ex.sendError(new ApiError(401, "invalid_request_error", "invalid_metrics_token", null,
                        "The metrics endpoint needs 'Authorization: Bearer <METRICS_TOKEN>'.", null));
                return;
            }
        } else if (!loopback(ex.request().remoteAddress())) {
            ex.sendError(new ApiError(403, "invalid_request_error", "metrics_loopback_only", null,
                    "Without METRICS_TOKEN, /metrics is served to loopback clients only.", null));
            return;
        }
        ex.response().setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        ex.endStream(Buffer.buffer(metrics.render()));
    }

    private static boolean loopback(SocketAddress a) {
        if (a == null || a.hostAddress() == null) return false;
        String h = a.hostAddress();
        return h.startsWith("127.") || h.equals("0:0:0:0:0:0:0:1") || h.equals("::1");
    }
}
