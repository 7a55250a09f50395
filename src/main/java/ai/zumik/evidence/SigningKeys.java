package ai.zumik.evidence;

import ai.zumik.ids.Ids;
import ai.zumik.secrets.MasterKey;
import ai.zumik.secrets.Sealer;
import ai.zumik.store.Database;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The signing keys, in the {@code signing_keys} table: exactly one active key (made on first use),
 * any number of retired ones. The private key is stored sealed (AES-256-GCM under a key derived
 * from {@code ZUMIK_MASTER_KEY} for this purpose, bound to the kid) and is opened only in memory, to
 * sign.
 *
 * <p>Replicas: a unique partial index admits one {@code status = 'active'} row. {@link #rotate}
 * retires the active key and inserts its successor in one transaction; if another replica's
 * rotation committed a successor first, the insert conflicts, the transaction rolls back and the
 * rotation runs again on top of the other one, so two rotations at once leave two new keys, one of
 * them active. Every signature reads which key is active, so a rotation anywhere (the CLI included)
 * takes effect on the next signature everywhere. All methods block.
 */
public final class SigningKeys {
    public static final String SEAL_PURPOSE = "signing-keys";
    private static final String PREFIX = "sig_";
    private static final long LIST_CACHE_MS = 1_000;
    private static final int ATTEMPTS = 20;

    /** The active key with its private half, opened. */
    record Active(String kid, PrivateKey key) {}

    private final Database db;
    private final Sealer sealer;
    private final Clock clock;
    private final ConcurrentHashMap<String, PrivateKey> opened = new ConcurrentHashMap<>();
    private volatile Listing cached;

    private record Listing(List<SigningKey> keys, long atMs) {}

    public SigningKeys(Database db, MasterKey master, Clock clock) {
        this.db = db;
        this.sealer = master == null ? null : master.sealer(SEAL_PURPOSE);
        this.clock = clock;
    }

    /** Public keys only, for verifying: listing works, signing and rotating need the master key. */
    public static SigningKeys readOnly(Database db, Clock clock) {
        return new SigningKeys(db, null, clock);
    }

    /** Every key, newest first. */
    public List<SigningKey> list() {
        List<SigningKey> keys = db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT kid, public_x, status, created_at, retired_at "
                    + "FROM signing_keys ORDER BY created_at DESC, kid DESC")) {
                ResultSet rs = ps.executeQuery();
                List<SigningKey> out = new ArrayList<>();
                while (rs.next()) {
                    long retiredAt = rs.getLong(5);
                    Long retired = rs.wasNull() ? null : retiredAt;
                    out.add(new SigningKey(rs.getString(1), Ed25519.base64urlStrict(rs.getString(2)),
                            SigningKey.Status.parse(rs.getString(3)), rs.getLong(4), retired));
                }
                return out;
            }
        });
        cached = new Listing(List.copyOf(keys), clock.millis());
        return keys;
    }

    /**
     * {@link #list()} at most 1 s old, for the public key endpoint (which needs no key to call, so it
     * should not cost a query each time). A rotation made by this process shows at once; one made
     * elsewhere within 1 s.
     */
    public List<SigningKey> listCached() {
        Listing l = cached;
        if (l != null && clock.millis() - l.atMs < LIST_CACHE_MS) return l.keys;
        return list();
    }

    /** The active key, opened; made now if there is none yet. */
    Active active() {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            String[] row = db.call(SigningKeys::activeRow);
            if (row != null) return open(row[0], row[1]);
            Fresh fresh = fresh();
            int inserted = db.call(c -> insert(c, fresh));
            cached = null;
            if (inserted == 1) return remember(fresh);
            // Another replica made the first key at the same moment: use that one.
        }
        throw new IllegalStateException("could not read or create the active signing key");
    }

    /** Retires the active key (if any) and makes a new one active; returns the new key. */
    public SigningKey rotate() {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Fresh fresh = fresh();
            long now = fresh.createdAtMs;
            try {
                db.transaction(c -> {
                    try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE signing_keys SET status = 'retired', retired_at = ? WHERE status = 'active'")) {
                        ps.setLong(1, now);
                        ps.executeUpdate();
                    }
                    // 0: a concurrent rotation committed its key after this transaction's update
                    // looked; rolling back and rotating again puts this one on top of it.
                    if (insert(c, fresh) == 0) throw new LostRace();
                    return null;
                });
            } catch (LostRace again) {
                continue;
            } finally {
                cached = null;
            }
            remember(fresh);
            return new SigningKey(fresh.kid, fresh.x, SigningKey.Status.ACTIVE, now, null);
        }
        throw new IllegalStateException("could not rotate the signing key: too many concurrent rotations");
    }

    /** A key made in memory, not yet stored. */
    private record Fresh(String kid, byte[] x, PrivateKey key, String sealed, long createdAtMs) {}

    private Fresh fresh() {
        if (sealer == null) throw new IllegalStateException("these signing keys were opened read-only (no master key)");
        long now = clock.millis();
        String kid = Ids.next(PREFIX, now);
        KeyPair pair = Ed25519.generate();
        byte[] seed = Ed25519.rawPrivate(pair.getPrivate());
        try {
            return new Fresh(kid, Ed25519.rawPublic(pair.getPublic()), pair.getPrivate(), sealer.seal(seed, kid), now);
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    private static int insert(Connection c, Fresh k) throws SQLException {
        // ON CONFLICT without a target: the unique index on the active status is the one that can fire.
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO signing_keys (kid, public_x, private_sealed, status, "
                + "created_at, retired_at) VALUES (?, ?, ?, 'active', ?, NULL) ON CONFLICT DO NOTHING")) {
            ps.setString(1, k.kid);
            ps.setString(2, Ed25519.base64url(k.x));
            ps.setString(3, k.sealed);
            ps.setLong(4, k.createdAtMs);
            return ps.executeUpdate();
        }
    }

    /** Makes {@link Database#transaction} roll back a rotation that another one overtook. */
    private static final class LostRace extends RuntimeException {
        LostRace() {
            super(null, null, false, false);
        }
    }

    private static String[] activeRow(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT kid, private_sealed FROM signing_keys WHERE status = 'active'")) {
            ResultSet rs = ps.executeQuery();
            return rs.next() ? new String[] {rs.getString(1), rs.getString(2)} : null;
        }
    }

    private Active open(String kid, String sealed) {
        if (sealer == null) throw new IllegalStateException("these signing keys were opened read-only (no master key)");
        PrivateKey key = opened.computeIfAbsent(kid, k -> {
            byte[] seed;
            try {
                seed = sealer.open(sealed, k);
            } catch (Sealer.OpenFailed e) {
                throw new IllegalStateException("the active signing key " + k + " cannot be used: " + e.getMessage(), e);
            }
            try {
                return Ed25519.privateKey(seed);
            } finally {
                Arrays.fill(seed, (byte) 0);
            }
        });
        return new Active(kid, key);
    }

    private Active remember(Fresh k) {
        opened.put(k.kid, k.key);
        return new Active(k.kid, k.key);
    }
}
