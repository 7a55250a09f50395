package ai.zumik.cli;

import ai.zumik.proxy.LocalFingerprintKey;
import ai.zumik.proxy.TraceProxy;
import ai.zumik.proxy.TraceWriter;
import ai.zumik.reuse.FingerprintKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code zumik proxy}: see {@link TraceProxy}. Runs until the process is stopped. */
@Command(name = "proxy", mixinStandardHelpOptions = true, version = "zumik " + Cli.VERSION,
        description = {"An OpenAI-compatible pass-through that appends one metadata-only trace per /v1/chat/completions "
                + "and /v1/responses request to a JSONL file (token counts, timings, target, status, prompt fingerprints; "
                + "never prompt or completion text). Point clients' base URL at http://HOST:PORT/v1. Score the file with "
                + "zumik diagnose.",
                "Exit codes: 0 stopped; 2 usage error, bad upstream URL, unreadable key or output file, port in use."})
final class ProxyCommand implements Callable<Integer> {
    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    @Option(names = "--upstream", required = true, paramLabel = "URL", description = "the OpenAI-compatible endpoint, e.g. https://api.openai.com")
    String upstream;

    @Option(names = "--listen", paramLabel = "[HOST:]PORT", description = "where to listen (default: ${DEFAULT-VALUE})")
    String listen = "127.0.0.1:8080";

    @Option(names = "--out", paramLabel = "FILE", description = "the trace file, appended (default: ${DEFAULT-VALUE})")
    Path out = Path.of("zumik-traces.jsonl");

    @Option(names = "--fingerprint-key", paramLabel = "FILE", description = "32-byte fingerprint key, created with mode 0600 "
            + "when missing (default: $XDG_CONFIG_HOME/zumik/fingerprint.key, else ~/.config/zumik/fingerprint.key)")
    Path fingerprintKey;

    @Option(names = "--provider", paramLabel = "NAME", description = "the provider named in each trace's resolved_target "
            + "(default: ${DEFAULT-VALUE})")
    String provider = "openai";

    ProxyCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        URI uri;
        try {
            uri = URI.create(upstream);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("expected an http or https URL");
            }
        } catch (IllegalArgumentException e) {
            err.println("zumik: --upstream " + upstream + ": " + e.getMessage());
            return DiagnoseCommand.INPUT_ERROR;
        }
        int colon = listen.lastIndexOf(':');
        String host = colon < 0 ? "127.0.0.1" : listen.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(colon < 0 ? listen : listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            err.println("zumik: --listen expects [HOST:]PORT, got " + listen);
            return DiagnoseCommand.INPUT_ERROR;
        }
        Path keyFile = fingerprintKey != null ? fingerprintKey : LocalFingerprintKey.defaultPath(env);
        FingerprintKey key;
        TraceWriter writer;
        try {
            key = LocalFingerprintKey.loadOrCreate(keyFile);
            writer = new TraceWriter(out);
        } catch (IOException e) {
            err.println("zumik: " + e.getMessage());
            return DiagnoseCommand.INPUT_ERROR;
        }
        TraceProxy proxy;
        try {
            proxy = TraceProxy.start(host, port, uri, provider, key, writer);
        } catch (RuntimeException e) {
            writer.close();
            err.println("zumik: cannot listen on " + listen + ": " + e.getMessage());
            return DiagnoseCommand.INPUT_ERROR;
        }
        o.println("zumik proxy: http://" + host + ":" + proxy.port() + " -> " + upstream + "; traces appended to " + out
                + " (fingerprint key " + keyFile + ")");
        o.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.close();
            stopped.countDown();
        }, "zumik-proxy-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
