-- The project's state epoch (issue 13, turn latency): bumped in the transaction that revokes a
-- bundle and in the purge transactions that revoke and that delete, and read with a branch head in
-- the same query as the namespace generation, so what any replica's StateCache holds stops being
-- served the moment any replica deletes or purges what it was read from.
ALTER TABLE projects ADD COLUMN state_epoch BIGINT NOT NULL DEFAULT 0;
