/**
 * {@code /v1/files}: OpenAI's Files API for batch input and output. {@link ai.zumik.v1.files.FileStore}
 * owns the rows and the three-step write (claim under the project's limits, store the content,
 * publish); {@link ai.zumik.v1.files.FileContents} keeps the bytes in the data directory (SQLite)
 * or in the database (PostgreSQL, readable by every replica); {@link ai.zumik.v1.files.FilesHandler}
 * is the HTTP surface.
 */
package ai.zumik.v1.files;
