package ai.zumik.keys;

/**
 * What a key and its project may consume, as configured when the key was loaded (null: no limit),
 * and what they had spent by then according to the database (the starting point of the live spend
 * counters, see {@code limits.Governor}).
 *
 * @param cycle the billing month the project's cycle spend belongs to, e.g. {@code 2026-12}
 * @param overageAllowed the project's {@code overage_mode} is {@code allow}: the monthly budget only alerts
 * @param creditGrantsMicros prepaid credit ever granted to the project
 * @param keySpentNanos the key's spend over its lifetime
 * @param projectCycleSpentNanos the project's spend in {@code cycle}
 * @param projectSpentNanos the project's spend over its lifetime (the balance is grants less this)
 */
public record Quotas(Long keyRpm, Long keyTpm, Long keyBudgetMicros, Long projectRpm, Long projectTpm,
                     Long monthlyBudgetMicros, boolean overageAllowed, String cycle, long creditGrantsMicros,
                     long keySpentNanos, long projectCycleSpentNanos, long projectSpentNanos) {

    /** No limits and nothing spent (keys built in tests, and the project-less CLI). */
    public static Quotas none(String cycle) {
        return new Quotas(null, null, null, null, null, null, false, cycle, 0, 0, 0, 0);
    }
}
