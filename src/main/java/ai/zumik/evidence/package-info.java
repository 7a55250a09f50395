/**
 * Signed evidence: what makes a purge receipt (later, diagnostic and replay reports) checkable by
 * anyone, offline. {@link ai.zumik.evidence.Jcs} is RFC 8785 canonical JSON;
 * {@link ai.zumik.evidence.Signer} adds {@code alg: "Ed25519"}, {@code key_id} and
 * {@code signature} (base64url of the raw 64-byte Ed25519 signature over the canonical form of the
 * document without {@code signature}); {@link ai.zumik.evidence.Verifier} checks one against a
 * {@link ai.zumik.evidence.KeyRing}. {@link ai.zumik.evidence.SigningKeys} keeps the keys in the
 * database, the private halves sealed under {@code ZUMIK_MASTER_KEY}: one active, retired ones
 * still published ({@link ai.zumik.evidence.Jwks}, {@code GET /v2/signing-keys}) so what they
 * signed keeps verifying after a rotation.
 */
package ai.zumik.evidence;
