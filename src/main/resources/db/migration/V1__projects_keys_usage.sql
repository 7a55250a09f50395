-- Portable across SQLite and PostgreSQL: TEXT ids, BIGINT epoch milliseconds, SMALLINT booleans.

CREATE TABLE zumik_meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE projects (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL REFERENCES projects (id),
    name         TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    masked       TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    status       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_keys_by_project ON api_keys (project_id, created_at);

-- One row per response, written by the group-commit meter before the response's last byte.
-- NULL token counts mean "not reported by the provider", which is different from zero.
-- Response ids start with their creation time, so the primary key is append-only per project
-- and doubles as the time index (a time range is an id range); no secondary index to maintain.
CREATE TABLE usage_events (
    project_id         TEXT NOT NULL,
    response_id        TEXT NOT NULL,
    trace_id           TEXT NOT NULL,
    key_id             TEXT NOT NULL,
    endpoint           TEXT NOT NULL,
    requested_model    TEXT NOT NULL,
    provider           TEXT,
    model              TEXT,
    execution_mode     TEXT NOT NULL,
    execution_profile  TEXT NOT NULL,
    stream             SMALLINT NOT NULL,
    status             INTEGER NOT NULL,
    outcome            TEXT NOT NULL,
    error_code         TEXT,
    prompt_tokens      BIGINT,
    cached_tokens      BIGINT,
    cache_write_tokens BIGINT,
    completion_tokens  BIGINT,
    reasoning_tokens   BIGINT,
    ttft_ms            BIGINT,
    latency_ms         BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    PRIMARY KEY (project_id, response_id)
) ${without_rowid};
