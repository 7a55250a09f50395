/**
 * {@code /v1/batches}: OpenAI's Batch API, run through the same broker as live requests (limits,
 * budgets, QoS class {@code batch}, failover, metering) at the batch price. The
 * {@link ai.zumik.v1.batches.BatchRunner} claims batches under a lease (one replica runs a batch;
 * another takes over only when it dies), a {@link ai.zumik.v1.batches.BatchJob} runs one batch
 * with a few lines in flight, and {@link ai.zumik.v1.batches.BatchStore} keeps every line's state
 * and result durable, so a restart resumes where the batch stopped and never sends a line twice.
 * {@link ai.zumik.v1.batches.BatchEndpoint} is what each target endpoint contributes.
 */
package ai.zumik.v1.batches;
