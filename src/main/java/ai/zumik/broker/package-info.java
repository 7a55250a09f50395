/**
 * The execution broker: for each logical response it selects the target (profile, adapter,
 * execution mode), runs the upstream attempt, meters the outcome through the group-commit meter
 * and delivers canonical events to the surface only after the usage is durable
 * ({@link ai.zumik.broker.Execution} is the per-response state machine).
 */
package ai.zumik.broker;
