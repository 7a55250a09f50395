package ai.zumik.http;

import ai.zumik.telemetry.AccessLog;
import ai.zumik.telemetry.AccessRecord;
import ai.zumik.telemetry.Metrics;

/** Where a finished exchange reports itself: the access log and the metrics. */
public record Telemetry(AccessLog accessLog, Metrics metrics) {
    void record(AccessRecord r) {
        metrics.record(r);
        accessLog.write(r);
    }
}
