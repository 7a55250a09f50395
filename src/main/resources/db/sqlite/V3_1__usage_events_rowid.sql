-- SQLite only (PostgreSQL always keeps rows apart from their key). Since V2 a usage row also carries
-- the routing decision, the attempts and the QoS outcome, ~2 KB. WITHOUT ROWID stores whole rows
-- inside the primary-key b-tree, which SQLite's documentation advises only for rows well under
-- 1/20 of a page; a rowid table appends the row and keeps the key in a small unique index, and a
-- time range is still a key range. Measured with bench/src/UsageWriterBench.java (see
-- bench/RESULTS.md): together with the writer's 20-ms commit interval, the writer's CPU per event at
-- 1,000 events/s fell from 191-252 µs to 89-139 µs on the 2-vCPU VM.
CREATE TABLE usage_events_rowid (
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
    surface            TEXT,
    alias_release_id   TEXT,
    decision           TEXT,
    attempts           TEXT,
    qos                TEXT,
    output             TEXT,
    charged            SMALLINT NOT NULL DEFAULT 1,
    PRIMARY KEY (project_id, response_id)
);
INSERT INTO usage_events_rowid SELECT project_id, response_id, trace_id, key_id, endpoint, requested_model, provider,
    model, execution_mode, execution_profile, stream, status, outcome, error_code, prompt_tokens, cached_tokens,
    cache_write_tokens, completion_tokens, reasoning_tokens, ttft_ms, latency_ms, created_at, surface,
    alias_release_id, decision, attempts, qos, output, charged FROM usage_events ORDER BY project_id, response_id;
DROP TABLE usage_events;
ALTER TABLE usage_events_rowid RENAME TO usage_events;
