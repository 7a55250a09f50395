-- Bring your own cluster (issue 15): customer inference clusters, their heartbeats and their
-- replay-gated activations. Portable between SQLite and PostgreSQL.
--
-- A cluster is a project's OpenAI-compatible endpoint. Its API key is sealed (AES-256-GCM under a
-- key derived from ZUMIK_MASTER_KEY, bound to the cluster id) and shown only as key_fingerprint.
-- models is a JSON array of the model paths it serves. The latest heartbeat lives on the row
-- (heartbeat_at is the receiving replica's clock): a cluster is in rotation while that heartbeat
-- is healthy and younger than ZUMIK_BYOC_HEARTBEAT_TIMEOUT_MS, judged by each reader at read time.
CREATE TABLE byoc_clusters (
    id                      TEXT PRIMARY KEY,
    project_id              TEXT NOT NULL,
    name                    TEXT NOT NULL,
    base_url                TEXT NOT NULL,
    flavour                 TEXT NOT NULL,
    region                  TEXT NOT NULL,
    models                  TEXT NOT NULL,
    sealed_api_key          TEXT NOT NULL,
    key_fingerprint         TEXT NOT NULL,
    created_at              BIGINT NOT NULL,
    heartbeat_at            BIGINT,
    healthy                 INTEGER,
    load_fraction           DOUBLE PRECISION,
    queue_depth             BIGINT,
    cached_tokens_reporting INTEGER,
    reported_models         TEXT,
    ttft_p50_ms             BIGINT,
    latency_p50_ms          BIGINT
);
CREATE INDEX byoc_clusters_by_project ON byoc_clusters (project_id, id);

-- An activation puts one model path of a cluster in service after a replay run showed it wins.
-- status: active -> deactivated (kept: routing history stays explainable). criteria and evidence
-- are JSON: the thresholds applied and the report's numbers they were applied to. alias_release_id
-- is the release the activation installed (null without an alias); deactivation_release_id the
-- one its deactivation installed. One active activation per (cluster, model).
CREATE TABLE byoc_activations (
    id                      TEXT PRIMARY KEY,
    project_id              TEXT NOT NULL,
    cluster_id              TEXT NOT NULL,
    model                   TEXT NOT NULL,
    replay_run_id           TEXT NOT NULL,
    alias                   TEXT,
    weight                  INTEGER,
    status                  TEXT NOT NULL,
    criteria                TEXT NOT NULL,
    evidence                TEXT NOT NULL,
    alias_release_id        TEXT,
    created_at              BIGINT NOT NULL,
    created_by              TEXT,
    deactivated_at          BIGINT,
    deactivation_release_id TEXT
);
CREATE INDEX byoc_activations_by_cluster ON byoc_activations (cluster_id, id);
CREATE UNIQUE INDEX byoc_activations_one_active ON byoc_activations (cluster_id, model) WHERE status = 'active';
