package ai.zumik.credentials;

import ai.zumik.http.UpstreamUrls;
import ai.zumik.ids.Ids;
import ai.zumik.provider.ProviderId;
import ai.zumik.secrets.MasterKey;
import ai.zumik.store.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The BYOK credentials of every project, in {@code provider_credentials}. Writes are blocking and
 * each is one statement (so one transaction: a credential is stored whole or not at all); reads
 * for routing ({@link #live}) come from memory — the sealed rows, never an opened secret — so the
 * planner does no I/O. This replica sees its own changes at once and other replicas' within
 * {@link #refresh()}'s period (5 s): a credential deleted elsewhere may still serve for that long.
 *
 * <p>Without an explicit {@code ZUMIK_MASTER_KEY} the store is disabled ({@link #enabled()} false):
 * a key file generated next to the database would protect customer secrets from nobody who can
 * read the database's disk, so BYOK asks the operator for a real key first.
 */
public final class ProviderCredentials {
    public static final String PREFIX = "pcr_";
    private static final Logger LOG = LoggerFactory.getLogger(ProviderCredentials.class);
    private static final int ROTATE_ATTEMPTS = 10;
    private static final String COLUMNS = "id, project_id, provider, name, base_url, version, secret_fingerprint, "
            + "created_at, rotated_at, wrapped_data_key, sealed_secret";

    private final Database db;
    private final Envelope envelope;
    private final Clock clock;
    private final Map<String, ProviderCredential> byId = new ConcurrentHashMap<>();
    private final AtomicLong changes = new AtomicLong();
    /** Stored base URLs that failed {@link UpstreamUrls#check} at the last {@link #recheckBaseUrls}. */
    private volatile Set<String> refusedBaseUrls = Set.of();

    public ProviderCredentials(Database db, MasterKey master, Clock clock) {
        this.db = db;
        this.envelope = master == null || master.fromFile() ? null : new Envelope(master);
        this.clock = clock;
    }

    /** Whether BYOK can be used: an explicit {@code ZUMIK_MASTER_KEY} was given. */
    public boolean enabled() {
        return envelope != null;
    }

    /** Stores a new credential (version 1). The caller wipes {@code secret}. Blocking. */
    public ProviderCredential create(String projectId, ProviderId provider, String name, String baseUrl, byte[] secret) {
        Envelope env = requireEnabled();
        long now = clock.millis();
        String id = Ids.next(PREFIX, now);
        Envelope.Sealed sealed = env.seal(projectId, id, 1, secret);
        ProviderCredential c = new ProviderCredential(id, projectId, provider, name, baseUrl, 1, sealed.fingerprint(), now,
                null, sealed.wrappedDataKey(), sealed.sealedSecret());
        db.call(conn -> {
            try (PreparedStatement ps = conn.prepareStatement("INSERT INTO provider_credentials (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, c.id());
                ps.setString(2, c.projectId());
                ps.setString(3, c.provider().wireId());
                ps.setString(4, c.name());
                ps.setString(5, c.baseUrl());
                ps.setLong(6, c.version());
                ps.setString(7, c.fingerprint());
                ps.setLong(8, c.createdAtMs());
                ps.setObject(9, null, java.sql.Types.BIGINT);
                ps.setString(10, c.wrappedDataKey());
                ps.setString(11, c.sealedSecret());
                return ps.executeUpdate();
            }
        });
        remember(c);
        return c;
    }

    /**
     * Replaces the secret of the project's credential {@code id}: same id, version + 1, a new data
     * key. Empty when the project has no such credential. The caller wipes {@code secret}. Blocking.
     */
    public Optional<ProviderCredential> rotate(String projectId, String id, byte[] secret) {
        Envelope env = requireEnabled();
        for (int attempt = 0; attempt < ROTATE_ATTEMPTS; attempt++) {
            Optional<ProviderCredential> current = get(projectId, id);
            if (current.isEmpty()) return Optional.empty();
            ProviderCredential old = current.get();
            long version = old.version() + 1;
            long now = clock.millis();
            Envelope.Sealed sealed = env.seal(projectId, id, version, secret);
            // Compare-and-swap on the version: a concurrent rotation makes this one start again on top of it.
            int updated = db.call(conn -> {
                try (PreparedStatement ps = conn.prepareStatement("UPDATE provider_credentials SET version = ?, "
                        + "secret_fingerprint = ?, wrapped_data_key = ?, sealed_secret = ?, rotated_at = ? "
                        + "WHERE id = ? AND project_id = ? AND version = ?")) {
                    ps.setLong(1, version);
                    ps.setString(2, sealed.fingerprint());
                    ps.setString(3, sealed.wrappedDataKey());
                    ps.setString(4, sealed.sealedSecret());
                    ps.setLong(5, now);
                    ps.setString(6, id);
                    ps.setString(7, projectId);
                    ps.setLong(8, old.version());
                    return ps.executeUpdate();
                }
            });
            if (updated == 1) {
                ProviderCredential c = new ProviderCredential(id, projectId, old.provider(), old.name(), old.baseUrl(), version,
                        sealed.fingerprint(), old.createdAtMs(), now, sealed.wrappedDataKey(), sealed.sealedSecret());
                remember(c);
                return Optional.of(c);
            }
        }
        throw new IllegalStateException("could not rotate the credential: too many concurrent rotations");
    }

    /** Deletes the project's credential {@code id} (its data key with it); false when there is none. Blocking. */
    public boolean delete(String projectId, String id) {
        int deleted = db.call(conn -> {
            try (PreparedStatement ps = conn.prepareStatement("DELETE FROM provider_credentials WHERE id = ? AND project_id = ?")) {
                ps.setString(1, id);
                ps.setString(2, projectId);
                return ps.executeUpdate();
            }
        });
        synchronized (this) {
            ProviderCredential c = byId.get(id);
            if (c != null && c.projectId().equals(projectId)) byId.remove(id);
            changes.incrementAndGet();
        }
        return deleted == 1;
    }

    /** The project's credentials, oldest first. Blocking. */
    public List<ProviderCredential> list(String projectId) {
        return db.call(conn -> {
            try (PreparedStatement ps = conn.prepareStatement("SELECT " + COLUMNS + " FROM provider_credentials "
                    + "WHERE project_id = ? ORDER BY id")) {
                ps.setString(1, projectId);
                return rows(ps.executeQuery());
            }
        });
    }

    /** The project's credential {@code id}; empty for a missing one and for another project's alike. Blocking. */
    public Optional<ProviderCredential> get(String projectId, String id) {
        if (!Ids.isValid(id, PREFIX)) return Optional.empty();
        return db.call(conn -> {
            try (PreparedStatement ps = conn.prepareStatement("SELECT " + COLUMNS + " FROM provider_credentials "
                    + "WHERE id = ? AND project_id = ?")) {
                ps.setString(1, id);
                ps.setString(2, projectId);
                return rows(ps.executeQuery()).stream().findFirst();
            }
        });
    }

    /**
     * The project's credential {@code id} as this replica knows it, for routing: empty when it does
     * not exist, was deleted, belongs to another project, or BYOK is disabled. Never blocks.
     */
    public Optional<ProviderCredential> live(String projectId, String id) {
        if (envelope == null || id == null) return Optional.empty();
        ProviderCredential c = byId.get(id);
        if (c == null || !c.projectId().equals(projectId)) return Optional.empty();
        return c.baseUrl() != null && refusedBaseUrls.contains(c.baseUrl()) ? Optional.empty() : Optional.of(c);
    }

    /**
     * Opens {@code c}'s secret for one upstream call; the caller wipes it when the call's request
     * is built. Never blocks (AES-GCM on a few hundred bytes).
     *
     * @throws ai.zumik.secrets.Sealer.OpenFailed when this replica's master key is not the one that wrapped it
     */
    public byte[] open(ProviderCredential c) {
        return requireEnabled().open(c.projectId(), c.id(), c.version(), c.wrappedDataKey(), c.sealedSecret());
    }

    /** The fingerprint {@code secret} would get here (to tell a caller which stored credential holds it). */
    public String fingerprint(byte[] secret) {
        return requireEnabled().fingerprint(secret);
    }

    /** Reloads every credential from the database (sealed rows only). Blocking; every 5 s off the event loop. */
    public void refresh() {
        if (envelope == null) return;
        long before = changes.get();
        Map<String, ProviderCredential> loaded = new HashMap<>();
        for (ProviderCredential c : db.call(conn -> {
            try (PreparedStatement ps = conn.prepareStatement("SELECT " + COLUMNS + " FROM provider_credentials")) {
                return rows(ps.executeQuery());
            }
        })) {
            loaded.put(c.id(), c);
        }
        synchronized (this) {
            if (changes.get() != before) return; // a local change raced the read: the next refresh applies
            byId.keySet().retainAll(loaded.keySet());
            byId.putAll(loaded);
        }
    }

    /**
     * Checks every stored base URL again (its host may resolve elsewhere now); one that is refused
     * makes its credentials unavailable until it passes again. Blocking (DNS); runs with {@link #refresh}.
     */
    public void recheckBaseUrls(UpstreamUrls urls) {
        Set<String> refused = new HashSet<>();
        for (ProviderCredential c : byId.values()) {
            if (c.baseUrl() == null || refused.contains(c.baseUrl())) continue;
            try {
                urls.check(c.baseUrl());
            } catch (UpstreamUrls.Refused r) {
                refused.add(c.baseUrl());
                LOG.warn("BYOK base URL of {} is refused now and its credentials are unavailable: {}", c.id(), r.getMessage());
            }
        }
        refusedBaseUrls = Set.copyOf(refused);
    }

    private synchronized void remember(ProviderCredential c) {
        byId.put(c.id(), c);
        changes.incrementAndGet();
    }

    private Envelope requireEnabled() {
        if (envelope == null) throw new IllegalStateException("BYOK needs an explicit ZUMIK_MASTER_KEY");
        return envelope;
    }

    static List<ProviderCredential> rows(ResultSet rs) throws SQLException {
        List<ProviderCredential> out = new ArrayList<>();
        while (rs.next()) {
            long rotated = rs.getLong(9);
            Long rotatedAt = rs.wasNull() ? null : rotated;
            out.add(new ProviderCredential(rs.getString(1), rs.getString(2),
                    ProviderId.parse(rs.getString(3)).orElseThrow(), rs.getString(4), rs.getString(5), rs.getLong(6),
                    rs.getString(7), rs.getLong(8), rotatedAt, rs.getString(10), rs.getString(11)));
        }
        return out;
    }
}
