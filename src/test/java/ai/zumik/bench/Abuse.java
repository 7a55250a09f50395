package ai.zumik.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Attacks a running Zumik the way a hostile client with a valid key would, and says per attack
 * whether Zumik held: header-only bodies announcing 2 MiB, slow headers, idle keep-alive
 * connections, stalled uploads, oversized bodies, a flood of silent connections and many large
 * bodies uploaded slowly. While an attack runs, a probe sends ordinary chat requests on a
 * connection opened before it and records their status and latency; with the server's pid, its
 * RSS is sampled too. {@code bench/abuse.sh} runs it from the shell; {@code HardeningTest} runs
 * it against a real Zumik process.
 */
public final class Abuse {
    /**
     * What Zumik is expected to enforce (its configuration), and the RSS the process must stay under
     * whatever happens: for {@code bin/zumik} (a 384 MiB heap) the heap plus ~150 MB of JVM outside it.
     * Run the server with {@code -XX:+AlwaysPreTouch} to read RSS growth as memory retained: its heap
     * starts at full size, so otherwise RSS also grows as the young generation first touches its pages.
     */
    public record Limits(Duration idle, Duration header, Duration body, int perIpUnauthenticated, long bodyBudgetBytes,
                         long rssCeilingMb) {}

    /** One attack's verdict, with the memory and latency it saw. */
    public record Outcome(String attack, boolean pass, String detail, long rssBeforeMb, long rssPeakMb, long bodyHeldPeakMb,
                          int probes, int probeFailures, long probeP50Ms, long probeMaxMs) {
        public String line() {
            return String.format(Locale.ROOT, "%-15s %-4s rss %4s -> %4s MB  bodies held %3d MB  probes %3d ok %3d failed  "
                            + "p50 %4d ms max %5d ms  %s",
                    attack, pass ? "PASS" : "FAIL", rssBeforeMb < 0 ? "?" : Long.toString(rssBeforeMb),
                    rssPeakMb < 0 ? "?" : Long.toString(rssPeakMb), bodyHeldPeakMb, probes - probeFailures, probeFailures,
                    probeP50Ms, probeMaxMs, detail);
        }
    }

    private static final Duration SLACK = Duration.ofMillis(2_500);
    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"probe\"}]}";

    private final String host;
    private final int port;
    private final String key;
    private final long pid;
    private final Limits limits;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** @param pid the server's process id for RSS sampling, or -1 */
    public Abuse(String host, int port, String key, long pid, Limits limits) {
        this.host = host;
        this.port = port;
        this.key = key;
        this.pid = pid;
        this.limits = limits;
    }

    public List<Outcome> all() throws Exception {
        List<Outcome> out = new ArrayList<>();
        out.add(headerOnly(300, Duration.ofSeconds(10)));
        out.add(slowHeaders(30));
        out.add(idle(30));
        out.add(stalledUploads(30));
        out.add(oversize());
        out.add(silentFlood(1_100));
        out.add(largeBodies(60));
        return out;
    }

    /** Many connections send headers announcing 2 MiB and one body byte, then hold. */
    public Outcome headerOnly(int connections, Duration hold) throws Exception {
        return underProbe("header-only", () -> {
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < connections; i++) {
                    Socket s = connect();
                    sockets.add(s);
                    s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                            + "\r\nContent-Type: application/json\r\nContent-Length: 2097152\r\n\r\n{")
                            .getBytes(StandardCharsets.US_ASCII));
                }
                Thread.sleep(hold.toMillis());
                return new Verdict(true, connections + " connections announcing 2 MiB held " + hold.toSeconds() + " s");
            } finally {
                for (Socket s : sockets) quietly(s);
            }
        }, limits.bodyBudgetBytes());
    }

    /** Connections that send their request head one byte at a time. */
    public Outcome slowHeaders(int connections) throws Exception {
        return underProbe("slow-header", () -> {
            byte[] head = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
            return verdict(parallel(connections, () -> {
                long start = System.nanoTime();
                try (Socket s = connect()) {
                    s.setSoTimeout(50);
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    for (int i = 0; System.nanoTime() - start < limits.header().plus(SLACK).toNanos(); i++) {
                        if (i == head.length) return "sent its whole head: not timed out";
                        try {
                            out.write(head[i]);
                            out.flush();
                        } catch (IOException closed) {
                            return closedAt(start, limits.header(), "write refused");
                        }
                        String reply = readSome(in);
                        if (reply == null || !reply.isEmpty()) {
                            return closedAt(start, limits.header(), reply == null ? "closed" : status(reply));
                        }
                        Thread.sleep(250);
                    }
                    return "still open after " + limits.header().plus(SLACK).toMillis() + " ms";
                }
            }, r -> r.startsWith("ok")));
        }, -1);
    }

    /** Connections that make one request, then sit idle on keep-alive. */
    public Outcome idle(int connections) throws Exception {
        return underProbe("idle", () -> verdict(parallel(connections, () -> {
            try (Socket s = connect()) {
                s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                s.setSoTimeout(5_000);
                String first = readResponse(s.getInputStream());
                if (!first.startsWith("HTTP/1.1 200")) return "first request failed: " + status(first);
                long start = System.nanoTime();
                s.setSoTimeout((int) limits.idle().plus(SLACK).toMillis());
                try {
                    int b = s.getInputStream().read();
                    return b < 0 ? closedAt(start, limits.idle(), "closed") : "unexpected byte";
                } catch (SocketTimeoutException e) {
                    return "still open after " + limits.idle().plus(SLACK).toMillis() + " ms";
                } catch (SocketException reset) {
                    return closedAt(start, limits.idle(), "reset");
                }
            }
        }, r -> r.startsWith("ok"))), -1);
    }

    /** Uploads that send a few body bytes of the length they announce, then stall. */
    public Outcome stalledUploads(int connections) throws Exception {
        return underProbe("stalled-upload", () -> verdict(parallel(connections, () -> {
            try (Socket s = connect()) {
                s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                        + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"model\":")
                        .getBytes(StandardCharsets.US_ASCII));
                long start = System.nanoTime();
                s.setSoTimeout((int) limits.body().plus(SLACK).toMillis());
                try {
                    String reply = readResponse(s.getInputStream());
                    if (!reply.contains("request_timeout")) return "answered " + status(reply) + " without request_timeout";
                    return closedAt(start, limits.body(), status(reply));
                } catch (SocketTimeoutException e) {
                    return "still open after " + limits.body().plus(SLACK).toMillis() + " ms";
                }
            }
        }, r -> r.startsWith("ok"))), -1);
    }

    /** A body announced over 2 MiB, and a chunked one that grows past it. */
    public Outcome oversize() throws Exception {
        return underProbe("oversize", () -> {
            String announced;
            try (Socket s = connect()) {
                s.setSoTimeout(5_000);
                long start = System.nanoTime();
                s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                        + "\r\nContent-Type: application/json\r\nContent-Length: 3145728\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                announced = status(readResponse(s.getInputStream())) + " in " + (System.nanoTime() - start) / 1_000_000 + " ms";
            }
            String chunked;
            try (Socket s = connect()) {
                s.setSoTimeout(5_000);
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                        + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] piece = new byte[64 * 1024];
                java.util.Arrays.fill(piece, (byte) ' ');
                try {
                    for (int i = 0; i < 48; i++) {
                        out.write(("10000\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(piece);
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                } catch (IOException closedEarly) {
                    // Zumik stopped reading at the limit: the answer is already there.
                }
                chunked = status(readResponse(s.getInputStream()));
            }
            boolean ok = announced.startsWith("413") && chunked.startsWith("413");
            return new Verdict(ok, "announced 3 MiB: " + announced + "; chunked 3 MiB: " + chunked);
        }, -1);
    }

    /** Many connections that say nothing at all. */
    public Outcome silentFlood(int connections) throws Exception {
        return underProbe("silent-flood", () -> {
            List<Socket> held = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger refused = new AtomicInteger();
            AtomicInteger answered429 = new AtomicInteger();
            try {
                for (int i = 0; i < connections; i++) {
                    try {
                        held.add(connect());
                    } catch (IOException e) {
                        refused.incrementAndGet();
                    }
                }
                long start = System.nanoTime();
                String result = parallel(held.size(), new java.util.function.Supplier<Attempt>() {
                    final AtomicInteger next = new AtomicInteger();

                    @Override
                    public Attempt get() {
                        Socket s = held.get(next.getAndIncrement());
                        return () -> {
                            s.setSoTimeout((int) limits.header().plus(SLACK).toMillis());
                            try {
                                String reply = readResponse(s.getInputStream());
                                if (reply.isEmpty()) return closedAt(start, limits.header(), "closed");
                                if (!reply.contains("too_many_connections")) return "answered " + status(reply);
                                answered429.incrementAndGet();
                                return "ok refused " + status(reply);
                            } catch (SocketTimeoutException e) {
                                return "still open after " + limits.header().plus(SLACK).toMillis() + " ms";
                            } catch (SocketException reset) {
                                return closedAt(start, limits.header(), "reset");
                            }
                        };
                    }
                }, r -> r.startsWith("ok"));
                int admitted = held.size() - answered429.get();
                return new Verdict(result.startsWith("all") && admitted <= limits.perIpUnauthenticated(), result + "; "
                        + answered429 + " refused at once (429), " + admitted + " admitted (cap " + limits.perIpUnauthenticated()
                        + ")" + (refused.get() > 0 ? "; " + refused + " connects failed" : ""));
            } finally {
                for (Socket s : held) quietly(s);
            }
        }, -1);
    }

    /** Many 2 MiB bodies uploaded slowly at once: more than the body budget. */
    public Outcome largeBodies(int connections) throws Exception {
        return underProbe("large-bodies", () -> {
            AtomicInteger busy = new AtomicInteger();
            String result = parallel(connections, () -> {
                try (Socket s = connect()) {
                    s.setSoTimeout(30_000);
                    OutputStream out = s.getOutputStream();
                    out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                            + "\r\nContent-Type: application/json\r\nContent-Length: 2097152\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    byte[] piece = new byte[64 * 1024];
                    java.util.Arrays.fill(piece, (byte) ' ');
                    try {
                        for (int i = 0; i < 32; i++) {
                            out.write(piece);
                            out.flush();
                            Thread.sleep(100);
                            if (s.getInputStream().available() > 0) break;
                        }
                    } catch (IOException refusedMidway) {
                        // answered and closed by Zumik
                    }
                    String reply = readResponse(s.getInputStream());
                    if (reply.contains("server_busy")) busy.incrementAndGet();
                    return reply.startsWith("HTTP/1.1 400") || reply.contains("server_busy") ? "ok " + status(reply)
                            : "answered " + status(reply);
                }
            }, r -> r.startsWith("ok"));
            return new Verdict(result.startsWith("all"), result + "; " + busy + " refused as server_busy");
        }, -1);
    }

    // ---- machinery ----

    private interface Attack {
        Verdict run() throws Exception;
    }

    private interface Attempt {
        String run() throws Exception;
    }

    private record Verdict(boolean pass, String detail) {}

    private static Verdict verdict(String summary) {
        return new Verdict(summary.startsWith("all"), summary);
    }

    /**
     * Runs {@code attack} while probing, sampling RSS and scraping how many body bytes Zumik holds.
     * Passes when the attack passes, every probe succeeded (during and right after), the bodies
     * held never exceeded the budget, RSS stayed under the ceiling, and it grew by less than
     * {@code rssGrowthLimit} bytes when one is given (RSS checks need the pid).
     */
    private Outcome underProbe(String name, Attack attack, long rssGrowthLimit) throws Exception {
        warmProbe();
        long rssBefore = rssMb();
        AtomicLong peak = new AtomicLong(rssBefore);
        AtomicLong heldPeak = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        AtomicInteger failures = new AtomicInteger();
        List<String> failureKinds = Collections.synchronizedList(new ArrayList<>());
        Thread prober = Thread.ofPlatform().daemon().start(() -> {
            while (!stop.get()) {
                probeOnce(latencies, failures, failureKinds);
                long r = rssMb();
                if (r > peak.get()) peak.set(r);
                long held = bodyBytesHeld();
                if (held > heldPeak.get()) heldPeak.set(held);
                sleep(50);
            }
        });
        Verdict v;
        try {
            v = attack.run();
        } finally {
            stop.set(true);
            prober.join();
        }
        for (int i = 0; i < 5; i++) probeOnce(latencies, failures, failureKinds);
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        long p50 = sorted.isEmpty() ? -1 : sorted.get(sorted.size() / 2);
        long max = sorted.isEmpty() ? -1 : sorted.getLast();
        List<String> memory = new ArrayList<>();
        if (rssGrowthLimit >= 0 && rssBefore >= 0 && (peak.get() - rssBefore) * 1024 * 1024 >= rssGrowthLimit) {
            memory.add("RSS grew past " + rssGrowthLimit / (1024 * 1024) + " MB");
        }
        if (rssBefore >= 0 && peak.get() >= limits.rssCeilingMb()) memory.add("RSS reached the " + limits.rssCeilingMb() + " MB ceiling");
        if (heldPeak.get() > limits.bodyBudgetBytes()) memory.add("bodies held past the budget");
        String detail = v.detail() + (failures.get() > 0 ? "; probe failures: " + failureKinds.subList(0, Math.min(3,
                failureKinds.size())) : "") + (memory.isEmpty() ? "" : "; " + String.join(", ", memory));
        return new Outcome(name, v.pass() && failures.get() == 0 && memory.isEmpty(), detail, rssBefore, peak.get(),
                heldPeak.get() / (1024 * 1024), latencies.size() + failures.get(), failures.get(), p50, max);
    }

    private void warmProbe() {
        probeOnce(new ConcurrentLinkedQueue<>(), new AtomicInteger(), new ArrayList<>());
    }

    private void probeOnce(ConcurrentLinkedQueue<Long> latencies, AtomicInteger failures, List<String> kinds) {
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port
                            + "/v1/chat/completions")).timeout(Duration.ofSeconds(10))
                    .header("authorization", "Bearer " + key).header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                latencies.add((System.nanoTime() - t0) / 1_000_000);
            } else {
                failures.incrementAndGet();
                kinds.add(r.statusCode() + " " + r.body().substring(0, Math.min(120, r.body().length())));
            }
        } catch (Exception e) {
            failures.incrementAndGet();
            kinds.add(e.getClass().getSimpleName());
        }
    }

    /** Runs {@code n} attempts at once on virtual threads; "all n ok" or the first failures. */
    private static String parallel(int n, Attempt attempt, java.util.function.Predicate<String> ok) throws Exception {
        return parallel(n, () -> attempt, ok);
    }

    private static String parallel(int n, java.util.function.Supplier<Attempt> attempts,
                                   java.util.function.Predicate<String> ok) throws Exception {
        List<String> results = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(n);
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                Attempt a = attempts.get();
                ex.execute(() -> {
                    try {
                        results.add(a.run());
                    } catch (Exception e) {
                        results.add("error " + e);
                    } finally {
                        done.countDown();
                    }
                });
            }
            done.await(10, TimeUnit.MINUTES);
        }
        List<String> bad = results.stream().filter(ok.negate()).toList();
        long maxMs = results.stream().filter(r -> r.startsWith("ok in ")).mapToLong(r -> Long.parseLong(r.split(" ")[2]))
                .max().orElse(-1);
        return bad.isEmpty() ? "all " + n + " ok" + (maxMs >= 0 ? " (closed by Zumik within " + maxMs + " ms)" : "")
                : bad.size() + " of " + n + " failed, e.g. " + bad.subList(0, Math.min(3, bad.size()));
    }

    /** "ok in N ms" when the server ended the connection within {@code limit} (plus sweep slack). */
    private static String closedAt(long startNanos, Duration limit, String how) {
        long ms = (System.nanoTime() - startNanos) / 1_000_000;
        return ms <= limit.plus(SLACK).toMillis() ? "ok in " + ms + " ms (" + how + ")" : "closed late: " + ms + " ms (" + how + ")";
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(host, port), 5_000);
        return s;
    }

    /** Whatever is readable now: "" when nothing, null when the server closed. */
    private static String readSome(InputStream in) throws IOException {
        byte[] buf = new byte[4096];
        try {
            int n = in.read(buf);
            return n < 0 ? null : new String(buf, 0, n, StandardCharsets.ISO_8859_1);
        } catch (SocketTimeoutException e) {
            return "";
        } catch (SocketException reset) {
            return null;
        }
    }

    /** One whole response (head and Content-Length body), or what arrived before the server closed. */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        byte[] buf = new byte[8192];
        int need = -1;
        while (true) {
            int n;
            try {
                n = in.read(buf);
            } catch (SocketException reset) {
                return sb.toString();
            }
            if (n < 0) return sb.toString();
            sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            int end = sb.indexOf("\r\n\r\n");
            if (end >= 0 && need < 0) {
                var m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(sb.substring(0, end));
                need = end + 4 + (m.find() ? Integer.parseInt(m.group(1)) : 0);
            }
            if (need >= 0 && sb.length() >= need) return sb.toString();
        }
    }

    private static String status(String reply) {
        if (reply == null || reply.isEmpty()) return "closed without a reply";
        int sp = reply.indexOf(' ');
        int code = reply.indexOf("\"code\":");
        String c = code < 0 ? "" : " " + reply.substring(code + 7, Math.min(reply.length(), reply.indexOf('}', code)));
        return (sp > 0 ? reply.substring(sp + 1, Math.min(reply.length(), sp + 4)) : reply) + c;
    }

    /** Zumik's own count of request-body bytes held ({@code /metrics}, served to loopback); -1 if unreadable. */
    private long bodyBytesHeld() {
        try {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            var m = java.util.regex.Pattern.compile("(?m)^zumik_http_body_bytes_held (\\d+)").matcher(r.body());
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    private long rssMb() {
        if (pid <= 0) return -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D+", "")) / 1024;
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static void quietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing an attacker socket
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@code Abuse HOST PORT KEY [--pid PID] [--idle-ms N] [--header-ms N] [--body-ms N]
     * [--per-ip N] [--budget-mb N] [--rss-ceiling-mb N] [--only NAME,...]}: prints one line per attack and exits 1 if
     * any failed.
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: Abuse HOST PORT KEY [--pid PID] [--idle-ms N] [--header-ms N] [--body-ms N] "
                    + "[--per-ip N] [--budget-mb N] [--rss-ceiling-mb N] [--only header-only,slow-header,idle,stalled-upload,oversize,silent-flood,large-bodies]");
            System.exit(2);
        }
        long pid = -1;
        long idle = 120_000;
        long header = 10_000;
        long body = 30_000;
        int perIp = 256;
        long budgetMb = 64;
        long ceilingMb = 600;
        List<String> only = null;
        for (int i = 3; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--pid" -> pid = Long.parseLong(args[i + 1]);
                case "--idle-ms" -> idle = Long.parseLong(args[i + 1]);
                case "--header-ms" -> header = Long.parseLong(args[i + 1]);
                case "--body-ms" -> body = Long.parseLong(args[i + 1]);
                case "--per-ip" -> perIp = Integer.parseInt(args[i + 1]);
                case "--budget-mb" -> budgetMb = Long.parseLong(args[i + 1]);
                case "--rss-ceiling-mb" -> ceilingMb = Long.parseLong(args[i + 1]);
                case "--only" -> only = List.of(args[i + 1].split(","));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Abuse a = new Abuse(args[0], Integer.parseInt(args[1]), args[2], pid, new Limits(Duration.ofMillis(idle),
                Duration.ofMillis(header), Duration.ofMillis(body), perIp, budgetMb * 1024 * 1024, ceilingMb));
        List<Outcome> results = new ArrayList<>();
        for (String name : only != null ? only : List.of("header-only", "slow-header", "idle", "stalled-upload", "oversize",
                "silent-flood", "large-bodies")) {
            Outcome o = switch (name) {
                case "header-only" -> a.headerOnly(300, Duration.ofSeconds(10));
                case "slow-header" -> a.slowHeaders(30);
                case "idle" -> a.idle(30);
                case "stalled-upload" -> a.stalledUploads(30);
                case "oversize" -> a.oversize();
                case "silent-flood" -> a.silentFlood(1_100);
                case "large-bodies" -> a.largeBodies(60);
                default -> throw new IllegalArgumentException("unknown attack " + name);
            };
            System.out.println(o.line());
            results.add(o);
        }
        System.exit(results.stream().allMatch(Outcome::pass) ? 0 : 1);
    }
}
