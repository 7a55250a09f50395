package ai.zumik.v1.files;

import ai.zumik.store.Database;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * Where files' bytes live: the data directory when the store is SQLite (one node), the database
 * itself (1 MiB chunks) when it is PostgreSQL, so any replica can read what another stored. The
 * file's row exists (status {@code uploading}) before its content is written and becomes visible
 * only after, so a reader never meets a half-written file.
 */
sealed interface FileContents permits DirectoryContents, DatabaseContents {

    /** Produces a file's bytes. */
    @FunctionalInterface
    interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    static FileContents of(Database db, Path dataDir) {
        return db.dialect() == Database.Dialect.SQLITE
                ? new DirectoryContents(dataDir.resolve("files")) : new DatabaseContents(db);
    }

    /** Stores what {@code writer} produces as the content of {@code fileId}; returns its length. */
    long write(String fileId, Writer writer) throws IOException;

    InputStream open(String fileId) throws IOException;

    /** Removes the content of a file whose row is gone. */
    void delete(String fileId);

    /**
     * At start: removes content left behind with no row (a crash between the two), given every
     * file id the database holds. Only meaningful where this process is the store's only user.
     */
    void removeOrphans(java.util.Set<String> known);
}
