package ai.zumik.v1.files;

import ai.zumik.store.Database;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Set;

/**
 * Content as 1 MiB rows of {@code file_chunks} (seq 0, 1, ...), written and read a chunk at a time
 * so neither side ever holds more than one chunk. Deleting the file's row deletes its chunks
 * ({@code ON DELETE CASCADE}).
 */
final class DatabaseContents implements FileContents {
    static final int CHUNK = 1024 * 1024;

    private final Database db;

    DatabaseContents(Database db) {
        this.db = db;
    }

    @Override
    public long write(String fileId, Writer writer) throws IOException {
        ChunkWriter out = new ChunkWriter(fileId);
        writer.writeTo(out);
        out.close();
        return out.total;
    }

    @Override
    public InputStream open(String fileId) {
        return new ChunkReader(fileId);
    }

    @Override
    public void delete(String fileId) {
        // The chunks went with the row.
    }

    @Override
    public void removeOrphans(Set<String> known) {
        // Chunks cannot outlive their row.
    }

    private final class ChunkWriter extends OutputStream {
        private final String fileId;
        private final byte[] buf = new byte[CHUNK];
        private int used;
        private int seq;
        private long total;
        private boolean closed;

        ChunkWriter(String fileId) {
            this.fileId = fileId;
        }

        @Override
        public void write(int b) throws IOException {
            if (used == buf.length) flushChunk();
            buf[used++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (used == buf.length) flushChunk();
                int n = Math.min(len, buf.length - used);
                System.arraycopy(b, off, buf, used, n);
                used += n;
                off += n;
                len -= n;
            }
        }

        private void flushChunk() throws IOException {
            if (used == 0) return;
            byte[] data = used == buf.length ? buf : java.util.Arrays.copyOf(buf, used);
            int s = seq++;
            try {
                db.call(c -> {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO file_chunks (file_id, seq, data) VALUES (?, ?, ?)")) {
                        ps.setString(1, fileId);
                        ps.setInt(2, s);
                        ps.setBytes(3, data);
                        return ps.executeUpdate();
                    }
                });
            } catch (RuntimeException e) {
                throw new IOException("could not store a chunk of " + fileId, e);
            }
            total += used;
            used = 0;
        }

        @Override
        public void close() throws IOException {
            if (closed) return;
            closed = true;
            flushChunk();
        }
    }

    private final class ChunkReader extends InputStream {
        private final String fileId;
        private byte[] chunk = new byte[0];
        private int pos;
        private int seq;
        private boolean end;

        ChunkReader(String fileId) {
            this.fileId = fileId;
        }

        private boolean fill() throws IOException {
            while (pos >= chunk.length) {
                if (end) return false;
                int s = seq++;
                byte[] next;
                try {
                    next = db.call(c -> {
                        try (PreparedStatement ps = c.prepareStatement("SELECT data FROM file_chunks WHERE file_id = ? AND seq = ?")) {
                            ps.setString(1, fileId);
                            ps.setInt(2, s);
                            ResultSet rs = ps.executeQuery();
                            return rs.next() ? rs.getBytes(1) : null;
                        }
                    });
                } catch (RuntimeException e) {
                    throw new IOException("could not read a chunk of " + fileId, e);
                }
                if (next == null) {
                    end = true;
                    return false;
                }
                chunk = next;
                pos = 0;
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            return fill() ? chunk[pos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (!fill()) return -1;
            int n = Math.min(len, chunk.length - pos);
            System.arraycopy(chunk, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
