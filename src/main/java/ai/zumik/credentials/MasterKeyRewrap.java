package ai.zumik.credentials;

import ai.zumik.byoc.ClusterRegistry;
import ai.zumik.evidence.SigningKeys;
import ai.zumik.reuse.FingerprintKeys;
import ai.zumik.secrets.MasterKey;
import ai.zumik.secrets.Sealer;
import ai.zumik.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Moves everything sealed under one master key to another, in one transaction: the data key of
 * every BYOK credential is unwrapped and wrapped again (the sealed secrets themselves are not
 * touched, and each fingerprint is recomputed under the new key), and the few secrets other
 * packages seal directly under the master key — signing keys, fingerprint keys, BYOC cluster keys
 * (with their fingerprints recomputed) — are opened and sealed again. Nothing is half-done: any value that opens under neither key aborts it all. A
 * value that already opens under the new key is left as it is, so running it twice is harmless.
 *
 * <p>Servers hold sealed values in memory and open them with the key they started with: run this
 * with them stopped (or accept that BYOK calls, receipts and fingerprints fail) and start them
 * again with {@code ZUMIK_MASTER_KEY} set to the new key.
 */
public final class MasterKeyRewrap {
    /** How many values were moved to the new key, per kind, and how many already were under it. */
    public record Result(int credentials, int signingKeys, int fingerprintKeys, int clusterKeys, int alreadyNew) {}

    /** A value that opens under neither key: the message names the row, never a secret. */
    public static final class Unopenable extends RuntimeException {
        Unopenable(String what) {
            super(what + " does not open under the old master key (ZUMIK_MASTER_KEY) nor the new one "
                    + "(ZUMIK_NEW_MASTER_KEY): was it sealed under a third key? Nothing was changed.", null, false, false);
        }
    }

    private MasterKeyRewrap() {}

    public static Result run(Database db, MasterKey from, MasterKey to) {
        Envelope oldEnvelope = new Envelope(from);
        Envelope newEnvelope = new Envelope(to);
        return db.writeTransaction(c -> {
            int[] already = {0};
            int credentials = rewrapCredentials(c, oldEnvelope, newEnvelope, already);
            int signing = reseal(c, "signing_keys", "kid", "private_sealed", from.sealer(SigningKeys.SEAL_PURPOSE),
                    to.sealer(SigningKeys.SEAL_PURPOSE), "signing key", null, already);
            int fingerprint = reseal(c, "fingerprint_keys", "id", "sealed_key", from.sealer(FingerprintKeys.SEAL_PURPOSE),
                    to.sealer(FingerprintKeys.SEAL_PURPOSE), "fingerprint key", null, already);
            // A cluster's key is shown by its fingerprint, which is keyed by the master key too.
            int clusters = reseal(c, "byoc_clusters", "id", "sealed_api_key", from.sealer(ClusterRegistry.SEAL_PURPOSE),
                    to.sealer(ClusterRegistry.SEAL_PURPOSE), "BYOC cluster key",
                    new Refingerprint("key_fingerprint", plain -> to.fingerprint(ClusterRegistry.FINGERPRINT_PURPOSE, plain)),
                    already);
            return new Result(credentials, signing, fingerprint, clusters, already[0]);
        });
    }

    private static int rewrapCredentials(Connection c, Envelope from, Envelope to, int[] already) throws SQLException {
        record Row(String id, String project, long version, String wrapped, String sealed) {}
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, project_id, version, wrapped_data_key, sealed_secret "
                + "FROM provider_credentials ORDER BY id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) rows.add(new Row(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5)));
        }
        int moved = 0;
        try (PreparedStatement up = c.prepareStatement("UPDATE provider_credentials SET wrapped_data_key = ?, "
                + "secret_fingerprint = ? WHERE id = ?")) {
            for (Row r : rows) {
                byte[] secret;
                String wrapped;
                try {
                    secret = from.open(r.project, r.id, r.version, r.wrapped, r.sealed);
                    wrapped = from.rewrap(to, r.project, r.id, r.version, r.wrapped);
                } catch (Sealer.OpenFailed notOld) {
                    try {
                        Arrays.fill(to.open(r.project, r.id, r.version, r.wrapped, r.sealed), (byte) 0);
                    } catch (Sealer.OpenFailed notNew) {
                        throw new Unopenable("provider credential " + r.id);
                    }
                    already[0]++;
                    continue;
                }
                try {
                    up.setString(1, wrapped);
                    up.setString(2, to.fingerprint(secret));
                    up.setString(3, r.id);
                    up.executeUpdate();
                    moved++;
                } finally {
                    Arrays.fill(secret, (byte) 0);
                }
            }
        }
        return moved;
    }

    /** A column holding a fingerprint of the sealed value, recomputed under the new key. */
    private record Refingerprint(String column, java.util.function.Function<byte[], String> of) {}

    private static int reseal(Connection c, String table, String idColumn, String sealedColumn, Sealer from, Sealer to,
                              String what, Refingerprint fingerprint, int[] already) throws SQLException {
        List<String[]> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + idColumn + ", " + sealedColumn + " FROM " + table
                + " ORDER BY " + idColumn);
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) rows.add(new String[] {rs.getString(1), rs.getString(2)});
        }
        int moved = 0;
        try (PreparedStatement up = c.prepareStatement("UPDATE " + table + " SET " + sealedColumn + " = ?"
                + (fingerprint == null ? "" : ", " + fingerprint.column() + " = ?") + " WHERE " + idColumn + " = ?")) {
            for (String[] r : rows) {
                byte[] plain;
                try {
                    plain = from.open(r[1], r[0]);
                } catch (Sealer.OpenFailed notOld) {
                    try {
                        Arrays.fill(to.open(r[1], r[0]), (byte) 0);
                    } catch (Sealer.OpenFailed notNew) {
                        throw new Unopenable(what + " " + r[0]);
                    }
                    already[0]++;
                    continue;
                }
                try {
                    int i = 1;
                    up.setString(i++, to.seal(plain, r[0]));
                    if (fingerprint != null) up.setString(i++, fingerprint.of().apply(plain));
                    up.setString(i, r[0]);
                    up.executeUpdate();
                    moved++;
                } finally {
                    Arrays.fill(plain, (byte) 0);
                }
            }
        }
        return moved;
    }
}
