package ai.zumik.v2;

import ai.zumik.evidence.Jwks;
import ai.zumik.evidence.SigningKeys;
import ai.zumik.http.Exchange;

/**
 * {@code GET /v2/signing-keys}, public: the keys that sign receipts and reports, current and
 * retired, as a JWK set ({@code {"keys":[{"kty":"OKP","crv":"Ed25519","x","kid","status",
 * "created_at"…}]}}), newest first. It needs no key, so it is served from a listing at most 1 s old.
 */
public final class SigningKeysHandler {
    public static final String PATH = "/v2/signing-keys";

    private final SigningKeys keys;

    public SigningKeysHandler(SigningKeys keys) {
        this.keys = keys;
    }

    public void list(Exchange ex) {
        ex.offload(keys::listCached, list -> ex.sendJson(200, Jwks.render(list)));
    }
}
