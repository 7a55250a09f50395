/**
 * The usage meter: one {@link ai.zumik.metering.UsageEvent} per response, made durable before the
 * response's last byte is sent ({@link ai.zumik.metering.UsageMeter}: by the memory-mapped
 * {@link ai.zumik.metering.UsageJournal} on SQLite, by group commit otherwise), and read back by
 * {@link ai.zumik.metering.UsageQueries} for {@code /v2/usage} and the response records.
 */
package ai.zumik.metering;
