/**
 * Quality of service: the request's class, targets and deadline; admission control with
 * per-class concurrency limits and priority queues (interactive served first); and the formal
 * outcome with its closed set of reason codes, returned on every request.
 */
package ai.zumik.qos;
