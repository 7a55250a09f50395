import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * State on the hot path (issue 13, item 8). Against a running Zumik whose OpenAI upstream is the
 * instant BenchUpstream:
 *
 * <ol>
 *   <li>turns: a session on a 3-block bundle whose default branch holds 50 events; each turn forks
 *       a branch at that 50th event and runs {@code POST /v2/responses {branch_id}} on it, so every
 *       turn compiles a snapshot of a 51-block line, materializes it, executes, and appends its two
 *       events with compare-and-swap. Prints the client-side latency of the turns; Zumik's own time
 *       comes from its /metrics overhead histogram (bench/state.sh takes the difference);</li>
 *   <li>cas: appends per second on one branch, one writer that always knows the head, then
 *       {@code WRITERS} writers racing (each rebases on the head a 409 carries).</li>
 * </ol>
 *
 * Turns run from {@code WRITERS} clients at once, each on its own session, so the machine is busy
 * as it is in production (a lone sequential client on these VMs measures mostly how late idle
 * vCPUs wake); {@code plain} runs the same prompt as a stateless /v2 response, the baseline.
 *
 * Each client first runs {@code -Dwarm=W} unrecorded requests of its kind (default 20), so its own
 * JIT and Zumik's have settled; with {@code -Dmetrics=PREFIX} the /metrics text is saved to
 * {@code PREFIX-before} once every client has warmed up and to {@code PREFIX-after} once every
 * client has finished, so the server-side numbers cover exactly the measured requests.
 *
 * Usage: java [-Dwarm=W] [-Dmetrics=PREFIX] StateBench BASE_URL KEY turns|plain|cas [N=500] [WRITERS=4]
 */
public final class StateBench {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static String base;
    static String key;

    public static void main(String[] args) throws Exception {
        base = args[0];
        key = args[1];
        int n = args.length > 3 ? Integer.parseInt(args[3]) : 500;
        int writers = args.length > 4 ? Integer.parseInt(args[4]) : 4;
        switch (args[2]) {
            case "turns" -> concurrently(writers, n, true);
            case "plain" -> concurrently(writers, n, false);
            default -> cas(n, writers);
        }
    }

    /** {@code n} turns in all from {@code clients} clients; prints the client-side latency. */
    static void concurrently(int clients, int n, boolean state) throws Exception {
        int each = Math.max(1, n / clients);
        List<Long> all = java.util.Collections.synchronizedList(new ArrayList<>());
        String metrics = System.getProperty("metrics");
        CyclicBarrier start = new CyclicBarrier(clients, () -> saveMetrics(metrics, "before"));
        CyclicBarrier end = new CyclicBarrier(clients, () -> saveMetrics(metrics, "after"));
        try (var pool = Executors.newFixedThreadPool(clients)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                fs.add(pool.submit(() -> {
                    all.addAll(state ? turns(each, start, end) : plain(each, start, end));
                    return null;
                }));
            }
            for (var f : fs) f.get();
        }
        long[] lat = all.stream().mapToLong(Long::longValue).sorted().toArray();
        int m = lat.length;
        System.out.printf("{\"%s\":%d,\"clients\":%d,\"client_latency_us\":{\"p50\":%d,\"p90\":%d,\"p99\":%d}}%n",
                state ? "turns" : "stateless_responses", m, clients, lat[m / 2] / 1000, lat[m * 9 / 10] / 1000, lat[m * 99 / 100] / 1000);
    }

    static final int WARM = Integer.getInteger("warm", 20);

    /** Saves the /metrics text to {@code prefix-name} (nothing without a prefix). */
    static void saveMetrics(String prefix, String name) {
        if (prefix == null) return;
        try {
            java.nio.file.Files.writeString(java.nio.file.Path.of(prefix + "-" + name), get("/metrics"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Long> plain(int n, CyclicBarrier start, CyclicBarrier end) throws Exception {
        List<Long> out = new ArrayList<>();
        for (int i = -WARM; i < n; i++) {
            if (i == 0) start.await();
            long t0 = System.nanoTime();
            post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"instructions\":\"You are the repository assistant.\","
                    + "\"input\":\"What changed in turn " + i + "?\"}");
            if (i >= 0) out.add(System.nanoTime() - t0);
        }
        end.await();
        return out;
    }

    /** A session on a 3-block bundle with a 50-event branch, then {@code n} turns on forks of it. */
    static List<Long> turns(int n, CyclicBarrier start, CyclicBarrier end) throws Exception {
        List<String> arts = new ArrayList<>();
        for (String[] a : new String[][] {{"policy", "You are the repository assistant. Answer briefly and cite files."},
                {"tool_bundle_source", "[{\"type\":\"function\",\"function\":{\"name\":\"read_file\",\"parameters\":{\"type\":\"object\","
                        + "\"properties\":{\"path\":{\"type\":\"string\"}},\"required\":[\"path\"]}}}]"},
                {"text_context", "The repository is a Java 25 gateway with packages http, broker, provider, state and evidence."}}) {
            arts.add(field(post("/v2/artifacts", "{\"artifact_type\":\"" + a[0] + "\",\"content\":" + quote(a[1]) + "}"), "id"));
        }
        String bundle = field(post("/v2/bundles", "{\"items\":[{\"artifact_id\":\"" + arts.get(0) + "\",\"role\":\"system\"},"
                + "{\"artifact_id\":\"" + arts.get(1) + "\",\"role\":\"tools\"},{\"artifact_id\":\"" + arts.get(2) + "\",\"role\":\"context\"}]}"),
                "id");
        String session = post("/v2/sessions", "{\"base_bundle_ids\":[\"" + bundle + "\"]}");
        String sid = field(session, "id");
        String main = field(session, "default_branch_id");
        String head = null;
        for (int i = 0; i < 50; i++) {
            head = field(append(sid, main, i, head, i % 2 == 0 ? "user_message" : "assistant_message",
                    "turn " + i + ": " + "a sentence of earlier conversation. ".repeat(3)), "id");
        }
        List<Long> lat = new ArrayList<>();
        for (int i = -WARM; i < n; i++) { // unrecorded turns warm the path
            if (i == 0) start.await();
            String fork = field(post("/v2/sessions/" + sid + "/branches", "{\"fork_from_branch_id\":\"" + main + "\"}"), "id");
            long t0 = System.nanoTime();
            String r = post("/v2/responses", "{\"model\":\"gpt-4o-mini\",\"branch_id\":\"" + fork + "\",\"input\":\"What changed in turn "
                    + i + "?\"}");
            long t = System.nanoTime() - t0;
            if (!r.contains("\"append_status\":\"appended\"")) throw new IllegalStateException("turn not appended: " + r);
            if (i >= 0) lat.add(t);
        }
        end.await();
        return lat;
    }

    static void cas(int n, int writers) throws Exception {
        String session = post("/v2/sessions", "{}");
        String sid = field(session, "id");
        String br = field(session, "default_branch_id");
        String head = null;
        for (int i = 0; i < 50; i++) head = field(append(sid, br, i, head, "note", "warm"), "id");
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) head = field(append(sid, br, 50 + i, head, "note", "x"), "id");
        double single = n / ((System.nanoTime() - t0) / 1e9);

        String racing = field(post("/v2/sessions", "{}"), "id");
        String rbr = field(get("/v2/sessions/" + racing), "default_branch_id");
        AtomicLong conflicts = new AtomicLong();
        int each = Math.max(1, n / writers);
        long t1 = System.nanoTime();
        try (var pool = Executors.newFixedThreadPool(writers)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                fs.add(pool.submit(() -> {
                    long v = 0;
                    String h = null;
                    for (int i = 0; i < each; i++) {
                        while (true) {
                            // A lost swap's 409 carries the branch's head: rebase on it, no re-read.
                            HttpResponse<String> r = send("POST", "/v2/sessions/" + racing + "/branches/" + rbr + "/events",
                                    body(v, h, "note", "race"));
                            if (r.statusCode() == 200) {
                                v = Long.parseLong(field(r.body(), "sequence"));
                                h = field(r.body(), "id");
                                break;
                            }
                            if (r.statusCode() != 409) throw new IllegalStateException(r.statusCode() + " " + r.body());
                            conflicts.incrementAndGet();
                            v = Long.parseLong(field(r.body(), "current_version"));
                            h = v == 0 ? null : field(r.body(), "current_head_event_id");
                        }
                    }
                    return null;
                }));
            }
            for (var f : fs) f.get();
        }
        double racingRate = each * writers / ((System.nanoTime() - t1) / 1e9);
        System.out.printf("{\"single_writer_appends_per_s\":%.0f,\"racing\":{\"writers\":%d,\"appends_per_s\":%.0f,"
                + "\"conflicts\":%d,\"appends\":%d}}%n", single, writers, racingRate, conflicts.get(), each * writers);
    }

    static String append(String sid, String br, long version, String head, String type, String content) throws Exception {
        return post("/v2/sessions/" + sid + "/branches/" + br + "/events", body(version, head, type, content));
    }

    static String body(long version, String head, String type, String content) {
        return "{\"expected_version\":" + version + ",\"expected_head_event_id\":" + (head == null ? "null" : "\"" + head + "\"")
                + ",\"event\":{\"event_type\":\"" + type + "\",\"content\":" + quote(content) + "}}";
    }

    static String post(String path, String body) throws Exception {
        HttpResponse<String> r = send("POST", path, body);
        if (r.statusCode() != 200) throw new IllegalStateException(path + " -> " + r.statusCode() + " " + r.body());
        return r.body();
    }

    static String get(String path) throws Exception {
        HttpResponse<String> r = send("GET", path, null);
        if (r.statusCode() != 200) throw new IllegalStateException(path + " -> " + r.statusCode() + " " + r.body());
        return r.body();
    }

    static HttpResponse<String> send(String method, String path, String body) throws Exception {
        var b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).header("authorization", "Bearer " + key)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("content-type", "application/json");
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(\"([^\"]*)\"|(-?[0-9]+))").matcher(json);
        if (!m.find()) throw new IllegalStateException("no " + name + " in " + json);
        return m.group(2) != null ? m.group(2) : m.group(3);
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
