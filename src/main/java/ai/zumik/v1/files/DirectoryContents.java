package ai.zumik.v1.files;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Content as one file per id under {@code <data-dir>/files}: written to a temporary name, flushed
 * to disk, then renamed into place, so a crash never leaves a torn file under a real id.
 */
final class DirectoryContents implements FileContents {
    private static final Logger LOG = LoggerFactory.getLogger(DirectoryContents.class);
    private static final String PARTIAL = ".partial";

    private final Path dir;

    DirectoryContents(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    @Override
    public long write(String fileId, Writer writer) throws IOException {
        Path partial = dir.resolve(fileId + PARTIAL);
        long length;
        try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 64 * 1024);
            writer.writeTo(out);
            out.flush();
            ch.force(true);
            length = ch.size();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        Files.move(partial, path(fileId), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return length;
    }

    @Override
    public InputStream open(String fileId) throws IOException {
        return Files.newInputStream(path(fileId));
    }

    @Override
    public void delete(String fileId) {
        try {
            Files.deleteIfExists(path(fileId));
        } catch (IOException e) {
            LOG.warn("could not delete the content of {}: {}", fileId, e.getMessage());
        }
    }

    @Override
    public void removeOrphans(Set<String> known) {
        try (Stream<Path> entries = Files.list(dir)) {
            entries.filter(p -> {
                String name = p.getFileName().toString();
                return name.endsWith(PARTIAL) || !known.contains(name);
            }).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.warn("could not remove {}: {}", p, e.getMessage());
                }
            });
        } catch (IOException e) {
            LOG.warn("could not list {}: {}", dir, e.getMessage());
        }
    }

    /** Ids are validated before they get here; a stray separator could still never leave the directory. */
    private Path path(String fileId) {
        if (fileId.indexOf('/') >= 0 || fileId.indexOf('\\') >= 0 || fileId.startsWith(".")) {
            throw new IllegalArgumentException("not a file id: " + fileId);
        }
        return dir.resolve(fileId);
    }
}
