-- Replay runs (/v2/replay-runs): baseline vs candidate over a fixed set of trace envelopes.
--
-- A run stores what it will compare, frozen at creation: the traces themselves (metadata only:
-- token shapes, timings, routing; never text) and its plan (the alias releases it pinned, the
-- price table and capability manifest revisions), so its report depends on nothing that changes
-- later. status: queued -> running -> completed | failed, or queued -> canceled. A queued run is
-- due at due_at (its scheduled_for, else its creation). The replica running it holds a lease
-- (lease_owner until lease_until, renewed every second); a running run whose lease lapsed lost
-- its runner and is failed (failure_code runner_restarted), never resumed. report is the signed
-- report in canonical JSON.
CREATE TABLE replay_runs (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL,
    status          TEXT NOT NULL,
    replay_class    TEXT NOT NULL,
    baseline        TEXT NOT NULL,
    candidate       TEXT NOT NULL,
    seed            BIGINT NOT NULL,
    traffic_source  TEXT NOT NULL,
    trace_count     INTEGER NOT NULL,
    plan            TEXT NOT NULL,
    traces          TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    scheduled_for   BIGINT,
    due_at          BIGINT NOT NULL,
    started_at      BIGINT,
    completed_at    BIGINT,
    canceled_at     BIGINT,
    failure_code    TEXT,
    failure_message TEXT,
    report          TEXT,
    lease_owner     TEXT,
    lease_until     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX replay_runs_by_project ON replay_runs (project_id, id);
CREATE INDEX replay_runs_by_status ON replay_runs (status, due_at);
