-- Ed25519 keys that sign receipts and reports (evidence.SigningKeys). public_x is the raw 32-byte
-- public key in base64url (the JWK's x); private_sealed the 32-byte private key sealed with
-- AES-256-GCM under a key derived from ZUMIK_MASTER_KEY, bound to kid. status is 'active' or
-- 'retired'; a retired key signs nothing new but is still published, so what it signed verifies.
CREATE TABLE signing_keys (
    kid            TEXT PRIMARY KEY,
    public_x       TEXT NOT NULL,
    private_sealed TEXT NOT NULL,
    status         TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    retired_at     BIGINT
);
-- At most one active key, whatever replicas do at once: a second 'active' row is a conflict.
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (status) WHERE status = 'active';
