-- Native agent state (/v2): artifacts, bundles, sessions, branches, events, snapshots. Every row
-- names its project and every read is scoped by it. A DELETE revokes the handle (revoked_at); a
-- purge removes the content and the rows. Artifacts and bundles are immutable once created.
CREATE TABLE artifacts (
    id                 TEXT PRIMARY KEY,
    project_id         TEXT NOT NULL,
    artifact_type      TEXT NOT NULL,
    content_media_type TEXT NOT NULL,
    retention_class    TEXT NOT NULL,
    metadata           TEXT NOT NULL,
    content            TEXT,
    size_bytes         BIGINT NOT NULL,
    content_sha256     TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    revoked_at         BIGINT
);
CREATE INDEX artifacts_by_project ON artifacts (project_id, id);

-- items: the ordered [{artifact_id, role}] exactly as supplied, never re-sorted.
CREATE TABLE bundles (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    bundle_type TEXT NOT NULL,
    items       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX bundles_by_project ON bundles (project_id, id);

CREATE TABLE sessions (
    id                TEXT PRIMARY KEY,
    project_id        TEXT NOT NULL,
    default_branch_id TEXT NOT NULL,
    status            TEXT NOT NULL,
    base_bundle_ids   TEXT NOT NULL,
    metadata          TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    revoked_at        BIGINT
);
CREATE INDEX sessions_by_project ON sessions (project_id, id);

-- A branch is an append-only line of events. version counts the events on its line (inherited
-- ones included): a fork starts at the sequence of the event it forks from and copies nothing.
-- Appends are compare-and-swap on (version, head_event_id).
CREATE TABLE branches (
    id                   TEXT PRIMARY KEY,
    project_id           TEXT NOT NULL,
    session_id           TEXT NOT NULL,
    parent_branch_id     TEXT,
    forked_from_event_id TEXT,
    fork_sequence        BIGINT NOT NULL,
    head_event_id        TEXT,
    version              BIGINT NOT NULL,
    label                TEXT,
    created_at           BIGINT NOT NULL,
    revoked_at           BIGINT
);
CREATE INDEX branches_by_session ON branches (session_id, id);

-- sequence is the branch version the append produced; one event per (branch, sequence).
CREATE TABLE events (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL,
    session_id      TEXT NOT NULL,
    branch_id       TEXT NOT NULL,
    sequence        BIGINT NOT NULL,
    parent_event_id TEXT,
    event_type      TEXT NOT NULL,
    payload_ref     TEXT,
    created_at      BIGINT NOT NULL,
    UNIQUE (branch_id, sequence)
);

-- A snapshot pins the compiled, ordered logical state of a branch head: the block manifest, the
-- content digest of every artifact it reaches (artifact_versions), the compiler revision, and
-- (blocks) the role each block plays, so it materializes the same way after its bundles are gone.
CREATE TABLE snapshots (
    id                       TEXT PRIMARY KEY,
    project_id               TEXT NOT NULL,
    session_id               TEXT NOT NULL,
    branch_id                TEXT NOT NULL,
    branch_version           BIGINT NOT NULL,
    head_event_id            TEXT,
    prompt_compiler_revision TEXT NOT NULL,
    ordered_block_manifest   TEXT NOT NULL,
    artifact_versions        TEXT NOT NULL,
    blocks                   TEXT NOT NULL,
    created_at               BIGINT NOT NULL,
    revoked_at               BIGINT
);
CREATE INDEX snapshots_by_branch ON snapshots (branch_id, id);

-- What a /v2 response ran against: its snapshot, the materialization key of the bytes the target
-- was sent, and the events it appended (or why it could not).
CREATE TABLE response_state (
    response_id         TEXT PRIMARY KEY,
    project_id          TEXT NOT NULL,
    session_id          TEXT,
    branch_id           TEXT,
    snapshot_id         TEXT NOT NULL,
    materialization_key TEXT,
    user_event_id       TEXT,
    assistant_event_id  TEXT,
    append_status       TEXT NOT NULL,
    created_at          BIGINT NOT NULL
);

-- The tenant's isolation-namespace generation: every purge bumps it, and nothing realised under an
-- older generation is ever served again.
ALTER TABLE projects ADD COLUMN namespace_generation BIGINT NOT NULL DEFAULT 0;
