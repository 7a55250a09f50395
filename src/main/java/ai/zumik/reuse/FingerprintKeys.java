package ai.zumik.reuse;

import ai.zumik.ids.Ids;
import ai.zumik.secrets.MasterKey;
import ai.zumik.secrets.Sealer;
import ai.zumik.store.Database;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each project's fingerprint key, in {@code fingerprint_keys}: 32 random bytes sealed (AES-256-GCM)
 * under the master key, bound to the key's id; made on first use, one active per project (a unique
 * partial index, so replicas making the first key at once agree on one), rotated on request.
 *
 * <p>The event loop never waits for the database: {@link #cached} answers from memory or starts a
 * load and answers null (that request is fingerprinted by none, and says so). Keys are re-read
 * every {@value #REFRESH_SECONDS} s in the background, so a rotation on another replica takes effect
 * here within that time; on this replica at once.
 */
public final class FingerprintKeys {
    public static final String SEAL_PURPOSE = "fingerprint-keys";
    static final int REFRESH_SECONDS = 60;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int ATTEMPTS = 10;

    /** A key as listed: never its bytes. */
    public record Listed(String id, long createdAtMs, Long retiredAtMs) {}

    private static final Logger LOG = LoggerFactory.getLogger(FingerprintKeys.class);
    private final Database db;
    private final Sealer sealer;
    private final Clock clock;
    private final LoadingCache<String, FingerprintKey> byProject;
    private final java.util.concurrent.ConcurrentHashMap<String, Long> failedUntil = new java.util.concurrent.ConcurrentHashMap<>();

    public FingerprintKeys(Database db, MasterKey master, Clock clock, Executor blocking) {
        this.db = db;
        this.sealer = master.sealer(SEAL_PURPOSE);
        this.clock = clock;
        this.byProject = Caffeine.newBuilder().executor(blocking).maximumSize(100_000)
                .refreshAfterWrite(Duration.ofSeconds(REFRESH_SECONDS)).build(this::load);
    }

    /**
     * The project's key if this replica holds it; otherwise starts loading it and returns null. A
     * project whose key could not be loaded is not tried again for {@value #REFRESH_SECONDS} s, so
     * a broken key (say, another master key) costs one attempt a minute, not one per request.
     */
    public FingerprintKey cached(String projectId) {
        FingerprintKey k = byProject.getIfPresent(projectId);
        if (k == null) {
            Long until = failedUntil.get(projectId);
            if (until == null || clock.millis() >= until) byProject.refresh(projectId);
        }
        return k;
    }

    private FingerprintKey load(String projectId) {
        try {
            FingerprintKey k = active(projectId);
            failedUntil.remove(projectId);
            return k;
        } catch (RuntimeException e) {
            failedUntil.put(projectId, clock.millis() + REFRESH_SECONDS * 1000L);
            throw e;
        }
    }

    /**
     * Loads the project's key into memory unless it is there. Blocking. A key that cannot be read
     * (the database, or a master key other than the one that sealed it) leaves the project's
     * requests without fingerprints, not without answers.
     */
    public void warm(String projectId) {
        try {
            byProject.get(projectId);
        } catch (RuntimeException e) {
            LOG.warn("no fingerprint key for project {}: its responses carry no reuse candidates ({})", projectId,
                    e.getClass().getSimpleName());
        }
    }

    /** The project's active key, made now if it has none. Blocking. */
    public FingerprintKey active(String projectId) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            String[] row = db.call(c -> activeRow(c, projectId));
            if (row != null) return open(row[0], row[1]);
            String id = Ids.next("fpk_", clock.millis());
            byte[] secret = new byte[32];
            RANDOM.nextBytes(secret);
            try {
                String sealed = sealer.seal(secret, id);
                int inserted = db.call(c -> insert(c, id, projectId, sealed, clock.millis()));
                if (inserted == 1) return FingerprintKey.of(id, secret);
                // Another replica made the project's first key at the same moment: use that one.
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
        }
        throw new IllegalStateException("could not read or create the project's fingerprint key");
    }

    /**
     * Retires the project's active key and makes a new one: every fingerprint made from now on is
     * unrelated to every older one. Blocking.
     */
    public Listed rotate(String projectId) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            long now = clock.millis();
            String id = Ids.next("fpk_", now);
            byte[] secret = new byte[32];
            RANDOM.nextBytes(secret);
            try {
                String sealed = sealer.seal(secret, id);
                db.transaction(c -> {
                    try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE fingerprint_keys SET retired_at = ? WHERE project_id = ? AND retired_at IS NULL")) {
                        ps.setLong(1, now);
                        ps.setString(2, projectId);
                        ps.executeUpdate();
                    }
                    // 0: a concurrent rotation committed its key after this update looked; rolling
                    // back and rotating again puts this one on top of it.
                    if (insert(c, id, projectId, sealed, now) == 0) throw new LostRace();
                    return null;
                });
                byProject.put(projectId, FingerprintKey.of(id, secret));
                return new Listed(id, now, null);
            } catch (LostRace again) {
                // rotate again
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
        }
        throw new IllegalStateException("could not rotate the fingerprint key: too many concurrent rotations");
    }

    /** The project's keys, newest first (ids and dates only). Blocking. */
    public List<Listed> list(String projectId) {
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, created_at, retired_at FROM fingerprint_keys "
                    + "WHERE project_id = ? ORDER BY created_at DESC, id DESC")) {
                ps.setString(1, projectId);
                ResultSet rs = ps.executeQuery();
                List<Listed> out = new ArrayList<>();
                while (rs.next()) {
                    long retired = rs.getLong(3);
                    Long retiredAt = rs.wasNull() ? null : retired;
                    out.add(new Listed(rs.getString(1), rs.getLong(2), retiredAt));
                }
                return out;
            }
        });
    }

    /**
     * Destroys the project's keys (a project purge): fingerprints already made, here or in a trace
     * file, can no longer be linked to anything the project sends. Returns how many were destroyed.
     */
    public long purgeProject(String projectId) {
        byProject.invalidate(projectId);
        return db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM fingerprint_keys WHERE project_id = ?")) {
                ps.setString(1, projectId);
                return (long) ps.executeUpdate();
            }
        });
    }

    private static final class LostRace extends RuntimeException {
        LostRace() {
            super(null, null, false, false);
        }
    }

    private FingerprintKey open(String id, String sealed) {
        byte[] secret = sealer.open(sealed, id);
        try {
            return FingerprintKey.of(id, secret);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    private static String[] activeRow(Connection c, String projectId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id, sealed_key FROM fingerprint_keys WHERE project_id = ? AND retired_at IS NULL")) {
            ps.setString(1, projectId);
            ResultSet rs = ps.executeQuery();
            return rs.next() ? new String[] {rs.getString(1), rs.getString(2)} : null;
        }
    }

    private static int insert(Connection c, String id, String projectId, String sealed, long now) throws SQLException {
        // ON CONFLICT without a target: the one-active-per-project index is the one that can fire.
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO fingerprint_keys (id, project_id, sealed_key, created_at) "
                + "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, id);
            ps.setString(2, projectId);
            ps.setString(3, sealed);
            ps.setLong(4, now);
            return ps.executeUpdate();
        }
    }
}
