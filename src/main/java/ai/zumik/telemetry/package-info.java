/**
 * Observability: the structured access log (one JSON line per request, written off the event
 * loop, never a body or secret) and Prometheus metrics, including the overhead histogram that
 * isolates Zumik's own cost from time spent waiting on providers.
 */
package ai.zumik.telemetry;
