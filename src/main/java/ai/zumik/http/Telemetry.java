package ai.zumik.http;

import ai.zumik.telemetry.AccessLog;
import ai.zumik.telemetry.AccessRecord;
import ai.zumik.telemetry.Metrics;
import ai.zumik.telemetry.Tracing;

/**
 * Where a finished exchange reports itself: the access log and the metrics; and how inference
 * requests are traced ({@code tracing} is null when tracing is off).
 */
public record Telemetry(AccessLog accessLog, Metrics metrics, Tracing tracing) {
    void record(AccessRecord r) {
        metrics.record(r);
        accessLog.write(r);
    }
}
