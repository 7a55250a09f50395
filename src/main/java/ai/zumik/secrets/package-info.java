/**
 * Secrets at rest: {@link ai.zumik.secrets.MasterKey} is the platform data key
 * ({@code ZUMIK_MASTER_KEY}, or a {@code master.key} generated once into the data directory), and
 * {@link ai.zumik.secrets.Sealer} seals a secret for the database with AES-256-GCM under a key
 * derived from it per purpose (HKDF-SHA256), bound to the row it belongs to. Signing keys are
 * sealed this way; BYOK provider credentials use it to wrap their own data keys (see
 * {@code credentials.Envelope}).
 */
package ai.zumik.secrets;
