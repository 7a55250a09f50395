-- Immutable alias releases. A release row never changes except its status: installing a new one
-- retires the previous active release of the same alias and scope in the same transaction.
-- project_id NULL = the platform catalogue; a project's own release overrides it for that project.
CREATE TABLE alias_releases (
    id                           TEXT PRIMARY KEY,
    project_id                   TEXT,
    alias                        TEXT NOT NULL,
    status                       TEXT NOT NULL,
    policy_revision              TEXT NOT NULL,
    capability_manifest_revision TEXT NOT NULL,
    targets                      TEXT NOT NULL,
    created_at                   BIGINT NOT NULL,
    installed_by                 TEXT
);
CREATE INDEX alias_releases_by_alias ON alias_releases (alias, created_at);

-- The per-response record rides on the usage row (one write per response): routing decision,
-- attempts, QoS outcome, and for /v2 responses the output.
ALTER TABLE usage_events ADD COLUMN surface TEXT;
ALTER TABLE usage_events ADD COLUMN alias_release_id TEXT;
ALTER TABLE usage_events ADD COLUMN decision TEXT;
ALTER TABLE usage_events ADD COLUMN attempts TEXT;
ALTER TABLE usage_events ADD COLUMN qos TEXT;
ALTER TABLE usage_events ADD COLUMN output TEXT;
ALTER TABLE usage_events ADD COLUMN charged SMALLINT NOT NULL DEFAULT 1;

CREATE TABLE audit_events (
    id         TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    type       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    details    TEXT NOT NULL
);
CREATE INDEX audit_events_by_project ON audit_events (project_id, created_at);

CREATE TABLE agent_hints (
    id         TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    hints      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
