/**
 * Observability: the structured access log (one JSON line per request, written off the event
 * loop, never a body or secret); Prometheus metrics, including the overhead histogram that
 * isolates Zumik's own cost from time spent waiting on providers and the per-provider/model
 * families whose labels come only from closed sets ({@link ai.zumik.telemetry.InferenceMetrics});
 * and OpenTelemetry traces ({@link ai.zumik.telemetry.Tracing}): a request span per inference
 * request and an attempt span per upstream call, built only when an OTLP endpoint is configured.
 */
package ai.zumik.telemetry;
