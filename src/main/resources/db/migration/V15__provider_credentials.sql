-- BYOK (issue 15): a project's own provider credentials, envelope-encrypted. Each credential has
-- its own random 256-bit data key; sealed_secret is the secret under that data key (AES-256-GCM,
-- the credential id, project and version authenticated with it) and wrapped_data_key is the data
-- key sealed under a key derived from ZUMIK_MASTER_KEY (bound to the same three). Rotating the
-- master key ('zumik master-key rewrap') rewrites wrapped_data_key and secret_fingerprint only.
-- secret_fingerprint is 'zfp_' + 16 hex of an HMAC of the secret: equal secrets look equal, and
-- nothing more is ever shown. A deleted credential's row is removed (its data key with it).
CREATE TABLE provider_credentials (
    id                 TEXT PRIMARY KEY,
    project_id         TEXT NOT NULL,
    provider           TEXT NOT NULL,
    name               TEXT,
    base_url           TEXT,
    version            BIGINT NOT NULL,
    wrapped_data_key   TEXT NOT NULL,
    sealed_secret      TEXT NOT NULL,
    secret_fingerprint TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    rotated_at         BIGINT
);
CREATE INDEX provider_credentials_by_project ON provider_credentials (project_id, id);

-- A project's execution policy: byok_defaults is a JSON object {provider: credential id} naming the
-- credential a concrete model request for that provider runs on (one row per project; PUT replaces it).
CREATE TABLE execution_policies (
    project_id    TEXT PRIMARY KEY,
    id            TEXT NOT NULL,
    byok_defaults TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);
