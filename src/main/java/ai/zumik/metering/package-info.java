/**
 * The usage meter: one {@link ai.zumik.metering.UsageEvent} per response, made durable by group
 * commit ({@link ai.zumik.metering.UsageMeter}) before the response's last byte is sent, and read
 * back by {@link ai.zumik.metering.UsageQueries} for {@code /v2/usage}.
 */
package ai.zumik.metering;
