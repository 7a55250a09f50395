-- Files and batches (/v1/files, /v1/batches). Times are epoch milliseconds.
--
-- A file row is inserted first with status 'uploading' (so it counts against its project's limits
-- at once and two uploads cannot both squeeze under them), then its content is stored, then it
-- becomes 'processed' and visible. Content lives in the data directory on SQLite (one node) and
-- in file_chunks (1 MiB pieces) on PostgreSQL, where every replica can read it. A row left
-- 'uploading' by a crash is swept after an hour; expired files are swept too.
CREATE TABLE files (
    id         TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id),
    purpose    TEXT NOT NULL,
    filename   TEXT NOT NULL,
    bytes      BIGINT NOT NULL,
    status     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT
);
CREATE INDEX files_by_project ON files (project_id, id);
CREATE INDEX files_by_expiry ON files (expires_at);

-- BYTEA is PostgreSQL's byte string; SQLite accepts the type name and stores the value as a BLOB.
CREATE TABLE file_chunks (
    file_id TEXT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    data    BYTEA NOT NULL,
    PRIMARY KEY (file_id, seq)
);

-- One row per batch. The replica that runs a batch holds a lease (lease_owner until lease_until,
-- renewed every second while it runs); another replica takes the batch over only once the lease
-- has lapsed. The counters and token sums are updated in the transaction that records a line's
-- result, so they always equal what batch_lines says.
CREATE TABLE batches (
    id                   TEXT PRIMARY KEY,
    project_id           TEXT NOT NULL REFERENCES projects (id),
    key_id               TEXT NOT NULL,
    endpoint             TEXT NOT NULL,
    input_file_id        TEXT NOT NULL,
    completion_window    TEXT NOT NULL,
    status               TEXT NOT NULL,
    model                TEXT,
    metadata             TEXT,
    errors               TEXT,
    output_file_id       TEXT,
    error_file_id        TEXT,
    output_expires_after BIGINT,
    created_at           BIGINT NOT NULL,
    in_progress_at       BIGINT,
    expires_at           BIGINT NOT NULL,
    finalizing_at        BIGINT,
    completed_at         BIGINT,
    failed_at            BIGINT,
    expired_at           BIGINT,
    cancelling_at        BIGINT,
    cancelled_at         BIGINT,
    total_count          BIGINT NOT NULL DEFAULT 0,
    completed_count      BIGINT NOT NULL DEFAULT 0,
    failed_count         BIGINT NOT NULL DEFAULT 0,
    input_tokens         BIGINT NOT NULL DEFAULT 0,
    cached_tokens        BIGINT NOT NULL DEFAULT 0,
    output_tokens        BIGINT NOT NULL DEFAULT 0,
    reasoning_tokens     BIGINT NOT NULL DEFAULT 0,
    lease_owner          TEXT,
    lease_until          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX batches_by_project ON batches (project_id, id);
CREATE INDEX batches_by_status ON batches (status, lease_until);

-- One row per request line of a batch's input file (line_no: 1-based, as in the file). state goes
-- pending -> started -> done and never back once started: a line is marked started durably before
-- it is sent, so after a crash a started line is reported as interrupted, never sent again. body
-- is the request to run (cleared once the line is done); a done line has either an HTTP answer
-- (status_code, response: the body the endpoint answered) or an error without one (error_code,
-- error_message).
CREATE TABLE batch_lines (
    batch_id      TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    line_no       INTEGER NOT NULL,
    custom_id     TEXT,
    state         TEXT NOT NULL,
    body          TEXT,
    request_id    TEXT,
    status_code   INTEGER,
    response      TEXT,
    error_code    TEXT,
    error_message TEXT,
    PRIMARY KEY (batch_id, line_no)
);
CREATE INDEX batch_lines_by_state ON batch_lines (batch_id, state, line_no);
