package ai.zumik.keys;

import java.util.Set;

/**
 * A stored key record. The raw key is never part of it: only its hash is stored.
 *
 * @param rpmLimit requests per minute, null: no per-key limit (likewise {@code tpmLimit})
 * @param budgetMicros lifetime spend allowed to this key, null: none
 */
public record ApiKey(
        String id,
        String projectId,
        String name,
        String masked,
        Set<Scope> scopes,
        boolean active,
        long createdAtMs,
        Long lastUsedAtMs,
        Long revokedAtMs,
        Long rpmLimit,
        Long tpmLimit,
        Long budgetMicros) {}
