-- Diagnostic runs (POST /v2/diagnostics): the signed document in its RFC 8785 canonical form, as
-- served. Traces are not kept: the report holds aggregates and opaque family ids, never text.
CREATE TABLE diagnostics (
    id         TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    document   TEXT NOT NULL
);
CREATE INDEX diagnostics_by_project ON diagnostics (project_id, id);
