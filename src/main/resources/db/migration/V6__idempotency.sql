-- Agent-Idempotency-Key: one row per (project, path, key). A first request claims it (running, for
-- at most 60 s); a 2xx answer is kept for 24 h and replayed byte for byte to a retry with the same
-- body; anything else releases the key. body holds the answer as text (JSON or SSE), headers the
-- Agent-* headers it carried (JSON).
CREATE TABLE idempotency_keys (
    project_id   TEXT NOT NULL,
    path         TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    body_hash    TEXT NOT NULL,
    state        TEXT NOT NULL,
    response_id  TEXT,
    status       INTEGER,
    content_type TEXT,
    body         TEXT,
    headers      TEXT,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    PRIMARY KEY (project_id, path, idem_key)
);
