package ai.zumik.testing;

import ai.zumik.Zumik;
import ai.zumik.config.ZumikConfig;
import ai.zumik.keys.RawKeys;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A real Zumik, in process, on a free loopback port with its own temporary data directory and a
 * known admin key. Environment variables are passed explicitly, so each test decides which
 * providers exist and where they live.
 */
public final class TestGateway implements AutoCloseable {
    public static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** Fatal exits the gateways of this JVM asked for (a wedged or dead event loop). */
    public static final java.util.concurrent.atomic.AtomicInteger FATAL_EXITS = new java.util.concurrent.atomic.AtomicInteger();

    private final Zumik zumik;
    private final Path dataDir;
    private final String adminKey;

    private TestGateway(Zumik zumik, Path dataDir, String adminKey) {
        this.zumik = zumik;
        this.dataDir = dataDir;
        this.adminKey = adminKey;
    }

    public static TestGateway start(Map<String, String> env) {
        try {
            return start(Files.createTempDirectory("zumik-test-"), env);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Starts on an existing data directory, e.g. one the CLI has already written keys into. */
    public static TestGateway start(Path dir, Map<String, String> env) {
        try {
            Files.createDirectories(dir);
            String key = RawKeys.generate();
            Map<String, String> all = new HashMap<>();
            all.put("ZUMIK_ACCESS_LOG", dir.resolve("access.log").toString());
            all.put("ZUMIK_SHUTDOWN_GRACE_MS", "5000");
            all.putAll(env);
            all.putIfAbsent("ZUMIK_BOOTSTRAP_KEY", key);
            ZumikConfig config = ZumikConfig.from(all, Map.of("port", "0", "data-dir", dir.toString()));
            // A fatal fault must fail the test, not halt the test JVM.
            return new TestGateway(Zumik.start(config, () -> FATAL_EXITS.incrementAndGet()), dir, all.get("ZUMIK_BOOTSTRAP_KEY"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static TestGateway start(String... envPairs) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < envPairs.length; i += 2) env.put(envPairs[i], envPairs[i + 1]);
        return start(env);
    }

    public Zumik zumik() {
        return zumik;
    }

    public String adminKey() {
        return adminKey;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path accessLog() {
        return dataDir.resolve("access.log");
    }

    public String url() {
        return "http://127.0.0.1:" + zumik.port();
    }

    public URI uri(String path) {
        return URI.create(url() + path);
    }

    public HttpResponse<String> post(String path, String json) {
        return post(path, json, adminKey);
    }

    public HttpResponse<String> post(String path, String json, String key) {
        var b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (key != null) b.header("authorization", "Bearer " + key);
        return send(b.build());
    }

    /** POSTs raw bytes (a body that is not, or not quite, UTF-8 JSON). */
    public HttpResponse<String> post(String path, byte[] body, String key) {
        var b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (key != null) b.header("authorization", "Bearer " + key);
        return send(b.build());
    }

    public HttpResponse<String> get(String path) {
        return get(path, adminKey);
    }

    public HttpResponse<String> get(String path, String key) {
        var b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET();
        if (key != null) b.header("authorization", "Bearer " + key);
        return send(b.build());
    }

    public HttpResponse<String> delete(String path, String key) {
        var b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).DELETE();
        if (key != null) b.header("authorization", "Bearer " + key);
        return send(b.build());
    }

    public static HttpResponse<String> send(HttpRequest r) {
        try {
            return HTTP.send(r, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Creates a key with the given scopes through the API and returns the raw key. */
    public String createKey(String name, String... scopes) {
        String body = "{\"name\":\"" + name + "\",\"scopes\":[" + String.join(",",
                java.util.Arrays.stream(scopes).map(s -> "\"" + s + "\"").toList()) + "]}";
        HttpResponse<String> r = post("/v2/api-keys", body);
        if (r.statusCode() != 200) throw new AssertionError("key creation failed: " + r.statusCode() + " " + r.body());
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).get("key").asText();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        zumik.close();
    }
}
