-- Governance: rate limits, budgets, credits and money.
-- Limits and budgets are NULL when unset (no limit). Money columns are integer micro-USD in the
-- API's terms; usage cost is kept in nano-USD so per-token prices stay exact when summed.
ALTER TABLE projects ADD COLUMN rpm_limit BIGINT;
ALTER TABLE projects ADD COLUMN tpm_limit BIGINT;
ALTER TABLE projects ADD COLUMN monthly_budget_micros BIGINT;
ALTER TABLE projects ADD COLUMN overage_mode TEXT NOT NULL DEFAULT 'pause';
-- The alert ladder: the highest step (50, 80, 100) already announced in alert_cycle ('2026-12').
ALTER TABLE projects ADD COLUMN alert_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN alert_cycle TEXT;
ALTER TABLE projects ADD COLUMN updated_at BIGINT;

ALTER TABLE api_keys ADD COLUMN rpm_limit BIGINT;
ALTER TABLE api_keys ADD COLUMN tpm_limit BIGINT;
ALTER TABLE api_keys ADD COLUMN budget_micros BIGINT;

-- NULL cost: not priced (an unknown model, or usage the provider did not report).
ALTER TABLE usage_events ADD COLUMN cost_nanos BIGINT;
ALTER TABLE usage_events ADD COLUMN price_revision TEXT;

-- Prepaid credit granted to a project (POST /v2/billing/credits). The balance is the sum of the
-- grants less the project's spend.
CREATE TABLE credit_grants (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL REFERENCES projects (id),
    amount_micros BIGINT NOT NULL,
    note          TEXT,
    granted_by    TEXT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX credit_grants_by_project ON credit_grants (project_id, created_at);

-- Spend per key and month, kept by the usage writer in the transaction that inserts the events, so
-- it is exactly the sum of the stored events' cost (an event replayed from the journal twice is
-- inserted, and counted, once). Budgets read it instead of summing the usage table.
CREATE TABLE spend_totals (
    project_id TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    cycle      TEXT NOT NULL,
    cost_nanos BIGINT NOT NULL,
    requests   BIGINT NOT NULL,
    PRIMARY KEY (project_id, key_id, cycle)
);
