/**
 * Relational storage: {@link ai.zumik.store.Database} opens embedded SQLite (default, one node) or
 * PostgreSQL (multi-replica), runs the Flyway migrations under {@code db/migration} (one portable
 * set for both), and hands out pooled connections. Callers block, so they run off the event loops.
 */
package ai.zumik.store;
