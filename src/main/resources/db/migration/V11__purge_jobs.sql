-- Purge jobs and their signed receipts. scope and receipt are JSON; the receipt names what was
-- deleted by counts and ids, never by content.
CREATE TABLE purge_jobs (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL,
    status       TEXT NOT NULL,
    scope        TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    completed_at BIGINT,
    receipt      TEXT
);
CREATE INDEX purge_jobs_by_project ON purge_jobs (project_id, id);
