-- Reuse accounting (issue 14): each project's fingerprint keys, sealed under the master key; one
-- active key per project (the partial unique index), any number of retired ones.
CREATE TABLE fingerprint_keys (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    sealed_key  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    retired_at  BIGINT
);
CREATE UNIQUE INDEX fingerprint_keys_one_active ON fingerprint_keys (project_id) WHERE retired_at IS NULL;

-- Each response's reuse account. Realized reuse is cached_tokens (the provider's own counter);
-- missed is candidate - realized, derived when read.
ALTER TABLE usage_events ADD COLUMN eligible_reuse_tokens BIGINT;
ALTER TABLE usage_events ADD COLUMN candidate_reuse_tokens BIGINT;
ALTER TABLE usage_events ADD COLUMN prefix_family_id TEXT;
ALTER TABLE usage_events ADD COLUMN cache_tier TEXT;
ALTER TABLE usage_events ADD COLUMN reuse_evidence_level TEXT;
ALTER TABLE usage_events ADD COLUMN reuse_window_ms BIGINT;
