-- One regional policy per project (installing replaces it). allowed_regions is a JSON array.
CREATE TABLE regional_policies (
    project_id      TEXT PRIMARY KEY,
    id              TEXT NOT NULL,
    region_policy   TEXT NOT NULL,
    allowed_regions TEXT NOT NULL,
    data_boundary   TEXT NOT NULL,
    updated_at      BIGINT NOT NULL
);
