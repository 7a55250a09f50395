package ai.zumik.evidence;

import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The published key set, {@code {"keys":[JWK…]}}: each key an RFC 8037 OKP JWK
 * ({@code kty:"OKP", crv:"Ed25519", x}) with {@code kid}, {@code status} and {@code created_at}
 * (RFC 3339), plus {@code retired_at} once retired. Rendered for {@code GET /v2/signing-keys} and
 * read back by verifiers.
 */
public final class Jwks {
    private Jwks() {}

    public static ObjectNode render(List<SigningKey> keys) {
        ObjectNode out = Json.object();
        ArrayNode list = out.putArray("keys");
        for (SigningKey k : keys) {
            ObjectNode jwk = list.addObject();
            jwk.put("kty", "OKP");
            jwk.put("crv", Ed25519.ALG);
            jwk.put("x", Ed25519.base64url(k.x()));
            jwk.put("kid", k.kid());
            jwk.put("status", k.status().wire());
            jwk.put("created_at", Instant.ofEpochMilli(k.createdAtMs()).toString());
            if (k.retiredAtMs() != null) jwk.put("retired_at", Instant.ofEpochMilli(k.retiredAtMs()).toString());
        }
        return out;
    }

    /**
     * The Ed25519 keys of a key set. Keys of other types are skipped (a set may hold them);
     * IllegalArgumentException when the set, or one of its Ed25519 keys, is malformed.
     */
    public static KeyRing parse(JsonNode set) {
        if (set == null || !set.isObject() || !set.path("keys").isArray()) {
            throw new IllegalArgumentException("not a key set: expected {\"keys\":[…]}");
        }
        List<KeyRing.Entry> entries = new ArrayList<>();
        int i = 0;
        for (JsonNode jwk : set.get("keys")) {
            String where = "keys[" + i++ + "]";
            if (!"OKP".equals(Json.string(jwk, "kty")) || !Ed25519.ALG.equals(Json.string(jwk, "crv"))) continue;
            String kid = Json.string(jwk, "kid");
            String x = Json.string(jwk, "x");
            if (kid == null || kid.isEmpty()) throw new IllegalArgumentException(where + " has no kid");
            if (x == null) throw new IllegalArgumentException(where + " (" + kid + ") has no x");
            try {
                entries.add(new KeyRing.Entry(kid, Ed25519.publicKey(Ed25519.base64urlStrict(x)), Json.string(jwk, "status")));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + " (" + kid + "): x is " + e.getMessage());
            }
        }
        return KeyRing.of(entries);
    }
}
