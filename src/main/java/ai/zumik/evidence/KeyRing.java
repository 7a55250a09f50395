package ai.zumik.evidence;

import java.security.PublicKey;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The public keys a verifier trusts, by {@code kid}: read from the database, from a
 * {@code GET /v2/signing-keys} answer, or from a file holding one ({@link Jwks#parse}).
 */
public final class KeyRing {
    /** One trusted key; {@code status} is what its source said ({@code active}, {@code retired}), or null. */
    public record Entry(String kid, PublicKey key, String status) {}

    private final Map<String, Entry> byKid;

    private KeyRing(Map<String, Entry> byKid) {
        this.byKid = byKid;
    }

    public static KeyRing of(Collection<Entry> entries) {
        Map<String, Entry> m = new LinkedHashMap<>();
        for (Entry e : entries) {
            if (m.putIfAbsent(e.kid(), e) != null) throw new IllegalArgumentException("key " + e.kid() + " is listed twice");
        }
        return new KeyRing(Map.copyOf(m));
    }

    /** Every key, active and retired, from the store's listing. */
    public static KeyRing ofKeys(Collection<SigningKey> keys) {
        return of(keys.stream().map(k -> new Entry(k.kid(), k.publicKey(), k.status().wire())).toList());
    }

    public Entry get(String kid) {
        return byKid.get(kid);
    }

    public int size() {
        return byKid.size();
    }

    public boolean isEmpty() {
        return byKid.isEmpty();
    }
}
