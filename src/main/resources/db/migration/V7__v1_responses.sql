-- /v1/responses objects kept for GET, input_items and previous_response_id chaining (store=true,
-- and every background response). id is the client-facing resp_… id; response_id the rsp_… id of
-- the usage record; input_items this turn's input as items (JSON array), response the Response
-- object as last rendered (JSON). A chain is followed through previous_id.
CREATE TABLE v1_responses (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL,
    response_id TEXT NOT NULL,
    previous_id TEXT,
    status      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    input_items TEXT NOT NULL,
    response    TEXT NOT NULL
);
CREATE INDEX v1_responses_by_project ON v1_responses (project_id, created_at);
