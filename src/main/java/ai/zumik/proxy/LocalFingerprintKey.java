package ai.zumik.proxy;

import ai.zumik.ids.Sha256;
import ai.zumik.reuse.FingerprintKey;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Map;

/**
 * The proxy's fingerprint key: 32 random bytes in a file, created on first use with mode 0600. Its
 * default place is {@code $XDG_CONFIG_HOME/zumik/fingerprint.key} (else
 * {@code ~/.config/zumik/fingerprint.key}); the same key across runs keeps fingerprints comparable,
 * a new key breaks equality with every older trace on purpose.
 */
public final class LocalFingerprintKey {
    static final int BYTES = 32;

    private LocalFingerprintKey() {}

    public static Path defaultPath(Map<String, String> env) {
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("zumik").resolve("fingerprint.key");
    }

    /** Reads the key at {@code file}, creating it (and its directory) when missing. */
    public static FingerprintKey loadOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            if (file.getParent() != null) Files.createDirectories(file.getParent());
            byte[] secret = new byte[BYTES];
            new SecureRandom().nextBytes(secret);
            try {
                Files.write(Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                        secret, StandardOpenOption.TRUNCATE_EXISTING);
            } catch (FileAlreadyExistsException raced) {
                // another process made it first: use theirs
            } catch (UnsupportedOperationException noPosix) {
                Files.write(file, secret, StandardOpenOption.CREATE_NEW);
            }
        }
        byte[] secret = Files.readAllBytes(file);
        if (secret.length != BYTES) throw new IOException(file + " must hold exactly " + BYTES + " bytes (it holds " + secret.length + ")");
        String id = "fpk_" + Sha256.hexPrefix(secret, 6);
        return FingerprintKey.of(id, secret);
    }
}
