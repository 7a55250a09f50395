package ai.zumik.keys;

import java.util.Set;

/** A stored key record. The raw key is never part of it: only its hash is stored. */
public record ApiKey(
        String id,
        String projectId,
        String name,
        String masked,
        Set<Scope> scopes,
        boolean active,
        long createdAtMs,
        Long lastUsedAtMs,
        Long revokedAtMs) {}
