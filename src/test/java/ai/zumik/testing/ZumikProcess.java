package ai.zumik.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Zumik as a separate process, started the way {@code bin/zumik} starts it (the JVM options of
 * {@code bin/jvm.options}, then any extra ones, which win; the heap starts at its maximum, so a
 * smaller {@code -Xmx} needs its {@code -Xms} beside it), on the test classpath. For what an
 * in-process gateway cannot show: a crash, the process's own memory, how it ends.
 */
public final class ZumikProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final int port;
    private final Path log;

    private ZumikProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts a server on a free port with {@code env}, writing its output to {@code dataDir/logName}. */
    public static ZumikProcess start(Path dataDir, String logName, Map<String, String> env, List<String> extraJvmOptions)
            throws IOException {
        return start(freePort(), dataDir, logName, env, extraJvmOptions);
    }

    public static ZumikProcess start(int port, Path dataDir, String logName, Map<String, String> env,
                                     List<String> extraJvmOptions) throws IOException {
        Files.createDirectories(dataDir);
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(jvmOptions());
        cmd.addAll(extraJvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "ai.zumik.Main", "serve", "--port",
                Integer.toString(port), "--data-dir", dataDir.toString()));
        Path log = dataDir.resolve(logName);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("ZUMIK_ACCESS_LOG", "off");
        pb.environment().putAll(env);
        return new ZumikProcess(pb.start(), port, log);
    }

    /** bin/jvm.options without its comments: the options every Zumik server runs with. */
    public static List<String> jvmOptions() throws IOException {
        return Files.readAllLines(Path.of("bin/jvm.options")).stream().map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    /** Waits until {@code /healthz} answers 200; fails with the server's output if it dies or takes 30 s. */
    public ZumikProcess awaitHealthy() throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < until) {
            if (!process.isAlive()) throw new AssertionError("server died: " + output());
            try {
                var r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return this;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("server did not become healthy: " + output());
    }

    public Process process() {
        return process;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public String output() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
