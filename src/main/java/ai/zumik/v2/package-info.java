/**
 * The native surface: Zumik's own objects (keys, usage, and later responses, sessions, state),
 * RFC 3339 timestamps, tenant-scoped lookups where another project's object is a 404.
 */
package ai.zumik.v2;
