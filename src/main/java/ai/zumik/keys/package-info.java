/**
 * Projects and API keys: the {@code zk_live_} format, SHA-256 hashing (the raw key is shown once
 * and never stored), scopes, revocation, the bootstrap key, and the authentication cache that keeps
 * key checks off the database on the hot path.
 */
package ai.zumik.keys;
