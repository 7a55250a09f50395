package ai.zumik.cli;

import ai.zumik.config.ZumikConfig;
import ai.zumik.evidence.Jwks;
import ai.zumik.evidence.KeyRing;
import ai.zumik.evidence.SigningKeys;
import ai.zumik.evidence.Verification;
import ai.zumik.evidence.Verifier;
import ai.zumik.json.Json;
import ai.zumik.store.Database;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code zumik verify-receipt FILE [--keys URL|FILE]}: checks a signed receipt or report offline.
 * The public keys come from a Zumik ({@code --keys https://host}, which reads
 * {@code /v2/signing-keys}, or the full URL), from a file holding that answer, or by default from
 * the configured database. Exit 0: valid; 1: it does not verify (changed, unknown key, malformed);
 * 2: usage error; 3: the document or the keys could not be read.
 */
final class VerifyReceiptCommand {
    static final int INVALID = 1;
    static final int CANNOT_CHECK = 3;

    private VerifyReceiptCommand() {}

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Cli.Parsed p = Cli.parse(args, 1, List.of("keys", "data-dir"));
        if (p.positional().size() != 1) throw new Cli.UsageError("verify-receipt needs exactly one FILE");
        Path file = Path.of(p.positional().getFirst());
        byte[] document;
        try {
            document = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            err.println("zumik: no such file: " + file);
            return CANNOT_CHECK;
        } catch (IOException e) {
            err.println("zumik: cannot read " + file + ": " + e.getMessage());
            return CANNOT_CHECK;
        }
        KeyRing keys;
        try {
            String source = p.flags().get("keys");
            keys = source == null ? fromDatabase(env, p.flags().get("data-dir"))
                    : source.startsWith("http://") || source.startsWith("https://") ? fromUrl(source) : fromFile(Path.of(source));
        } catch (KeysUnavailable e) {
            err.println("zumik: " + e.getMessage());
            return CANNOT_CHECK;
        }
        Verification result = Verifier.verify(document, keys);
        switch (result) {
            case Verification.Valid v -> {
                out.println("OK: " + describe(document) + "signed by " + v.keyId() + (v.status() == null ? "" : " (" + v.status() + ")"));
                return 0;
            }
            case Verification.Invalid i -> {
                out.println("FAILED (" + i.failure().name().toLowerCase(Locale.ROOT) + "): " + i.detail());
                return INVALID;
            }
        }
    }

    /** "pur_… (purge_receipt) " when the document says what it is. */
    private static String describe(byte[] document) {
        JsonNode doc = Json.parseOrNull(document);
        String id = Json.string(doc, "id");
        String object = Json.string(doc, "object");
        if (id == null && object == null) return "";
        return (id == null ? "" : id + " ") + (object == null ? "" : "(" + object + ") ");
    }

    private static KeyRing fromUrl(String url) {
        URI uri;
        try {
            uri = URI.create(url.endsWith("/signing-keys") ? url : url.replaceAll("/+$", "") + "/v2/signing-keys");
        } catch (IllegalArgumentException e) {
            throw new KeysUnavailable("--keys is not a valid URL: " + url);
        }
        HttpResponse<byte[]> response;
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new KeysUnavailable("cannot fetch keys from " + uri + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeysUnavailable("interrupted while fetching keys from " + uri);
        }
        if (response.statusCode() != 200) throw new KeysUnavailable(uri + " answered " + response.statusCode());
        return parse(response.body(), uri.toString());
    }

    private static KeyRing fromFile(Path path) {
        try {
            return parse(Files.readAllBytes(path), path.toString());
        } catch (IOException e) {
            throw new KeysUnavailable("cannot read keys from " + path + ": " + e.getMessage());
        }
    }

    private static KeyRing parse(byte[] body, String where) {
        try {
            return Jwks.parse(Json.parse(body));
        } catch (IOException | IllegalArgumentException e) {
            throw new KeysUnavailable(where + " does not hold a signing key set: " + e.getMessage());
        }
    }

    private static KeyRing fromDatabase(Map<String, String> env, String dataDirFlag) {
        ZumikConfig config = ZumikConfig.from(env, Map.of("data-dir",
                dataDirFlag != null ? dataDirFlag : env.getOrDefault("ZUMIK_DATA_DIR", "data")));
        if (config.databaseUrl() == null && !Files.exists(config.dataDir().resolve("zumik.db"))) {
            throw new KeysUnavailable("no Zumik database in " + config.dataDir() + "; pass --keys URL|FILE");
        }
        try (Database db = Database.open(config.databaseUrl(), config.dataDir(), config.usageFsync())) {
            return KeyRing.ofKeys(SigningKeys.readOnly(db, Clock.systemUTC()).list());
        } catch (RuntimeException e) {
            throw new KeysUnavailable("cannot read keys from the database: " + e.getMessage());
        }
    }

    private static final class KeysUnavailable extends RuntimeException {
        KeysUnavailable(String message) {
            super(message);
        }
    }
}
