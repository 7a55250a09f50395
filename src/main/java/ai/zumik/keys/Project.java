package ai.zumik.keys;

/**
 * A tenant: every key, response and object belongs to exactly one project.
 *
 * @param rpmLimit requests per minute across the project's keys, null: none (likewise {@code tpmLimit})
 * @param monthlyBudgetMicros the hard monthly cap, null: none
 * @param overageMode {@code pause} (the cap refuses inference) or {@code allow} (it only alerts)
 */
public record Project(String id, String name, long createdAtMs, Long rpmLimit, Long tpmLimit, Long monthlyBudgetMicros,
                      String overageMode, Long updatedAtMs) {}
