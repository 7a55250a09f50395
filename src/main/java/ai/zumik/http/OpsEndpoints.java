package ai.zumik.http;

import ai.zumik.telemetry.Metrics;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * {@code /healthz} and {@code /metrics}. Metrics are guarded by {@code METRICS_TOKEN} (bearer) when
 * it is set, and otherwise served only to loopback clients.
 */
public final class OpsEndpoints {
    private static final byte[] HEALTHY = "{\"status\":\"ok\"}".getBytes(StandardCharsets.US_ASCII);

    private final Metrics metrics;
    private final byte[] metricsToken;

    public OpsEndpoints(Metrics metrics, String metricsToken) {
        this.metrics = metrics;
        this.metricsToken = metricsToken == null ? null : metricsToken.getBytes(StandardCharsets.UTF_8);
    }

    public void health(Exchange ex) {
        ex.sendJson(200, HEALTHY);
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
