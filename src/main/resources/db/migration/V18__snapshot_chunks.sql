-- A snapshot's blocks and artifact versions, in chunks of 16 blocks (issue 13, turn cost and
-- storage): each chunk is stored once per session under the SHA-256 of its JSON, and a snapshot
-- lists its chunks' digests. Successive turns on one line share every full chunk, so a snapshot
-- costs its digest list and its last, partial chunk instead of a copy of the whole line (12.6 KB
-- per turn at 51 blocks before, growing with the line).
CREATE TABLE snapshot_chunks (
    project_id        TEXT NOT NULL,
    session_id        TEXT NOT NULL,
    digest            TEXT NOT NULL,
    blocks            TEXT NOT NULL,
    artifact_versions TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    PRIMARY KEY (project_id, session_id, digest)
) ${without_rowid};

-- NULL: the three JSON columns hold the snapshot whole (rows written before chunks); otherwise a
-- JSON array of chunk digests, in order, and the three JSON columns are empty strings.
ALTER TABLE snapshots ADD COLUMN chunks TEXT;
