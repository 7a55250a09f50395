package ai.zumik.proxy;

import ai.zumik.json.Json;
import ai.zumik.traces.TraceEnvelope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends trace envelopes to a JSONL file, one compact line each, written whole with one append so
 * a crash leaves only complete lines behind. Thread-safe.
 */
public final class TraceWriter implements AutoCloseable {
    private final FileChannel out;
    private long written;

    public TraceWriter(Path file) throws IOException {
        this.out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    public synchronized void append(TraceEnvelope trace) {
        byte[] json = Json.bytes(trace.toJson());
        ByteBuffer line = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
        try {
            while (line.hasRemaining()) out.write(line);
            written++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized long written() {
        return written;
    }

    @Override
    public synchronized void close() {
        try {
            if (out.isOpen()) out.close();
        } catch (IOException ignored) {
            // nothing left to write
        }
    }
}
