-- The part of a routing decision that every request planned alike shares (requested model, alias
-- release, manifest revision, candidates with their verdicts, regional policy), stored once and
-- keyed by its content (dtp_ + 128 bits of its SHA-256). A usage row keeps the template's id and its
-- own part (seed, order): ~1.5 KB less per row for the thousands of near-identical requests agents
-- send. Rows written before V4 keep their whole decision and no template id.
CREATE TABLE decision_templates (
    template_id TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
ALTER TABLE usage_events ADD COLUMN decision_template_id TEXT;
