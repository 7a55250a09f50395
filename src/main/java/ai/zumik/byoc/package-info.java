/**
 * Bring your own cluster (digest §6.8, SPEC §10): a project registers its own OpenAI-compatible
 * inference clusters ({@code byoc_dynamo}, {@code byoc_epp}), their operators heartbeat, and a
 * cluster's model path goes into service only through a replay-gated activation.
 * {@link ai.zumik.byoc.ClusterRegistry} keeps the registry (API keys sealed under the master key,
 * shown only as fingerprints) and, from memory, the {@link ai.zumik.byoc.ClusterDirectory} routing
 * reads: a cluster is in rotation while its last heartbeat is healthy and younger than
 * {@code ZUMIK_BYOC_HEARTBEAT_TIMEOUT_MS}, judged at each read. {@link ai.zumik.byoc.Activations}
 * checks a replay run's signed report against {@link ai.zumik.byoc.Criteria}
 * ({@link ai.zumik.byoc.ActivationGate}), records the activation, installs the alias release that
 * adds (or, on deactivation, removes) the cluster target, and audits both.
 */
package ai.zumik.byoc;
