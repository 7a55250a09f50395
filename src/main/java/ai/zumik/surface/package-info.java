/**
 * What the /v1 and /v2 surfaces share around the broker: QoS hint resolution, refusal rendering
 * and the {@code Agent-*} response headers.
 */
package ai.zumik.surface;
