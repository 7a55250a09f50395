import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Open-loop load at a fixed rate (requests start on schedule whether or not earlier ones have
 * finished), recording per-request latency; for streams also time to first content event and
 * the gap between events, and the number of events per response (to see coalescing).
 *
 * Latency is measured from each request's intended send time (start + i / RATE), not from when
 * the generator got round to sending it: a stall in the generator or a queue in front of the
 * server then shows as latency instead of silently delaying (and omitting) the requests that
 * should have gone out meanwhile (coordinated omission). send_lag_us reports how late the
 * generator itself was, so a busy generator is visible.
 *
 * A URL ending in /v1/responses is sent the same prompt as a Responses API request. -Dbody=FILE
 * sends that file's chat request instead (to the chat URLs).
 *
 * The first WARMUP seconds (default 5) run at the same rate and are not recorded: they pay for
 * connection set-up, class loading and JIT compilation in the generator itself.
 *
 * Usage: java -cp zumik.jar:classes LoadGen URL RATE SECONDS stream|plain [BEARER_KEY]
 * Prints one JSON object.
 *
 * Interleaved: URL and BEARER_KEY may be comma-separated lists (a key of "-" sends none). Time is
 * then cut into slices of -Dslice seconds (default 1) that go to each URL in turn, always at RATE,
 * so a noisy spell on a shared machine lands on every path alike; SECONDS is per URL. Prints one
 * JSON object per URL, keyed by -Dlabels (comma-separated) or the URL.
 */
public final class LoadGen {
    public static void main(String[] args) throws Exception {
        String[] urlList = args[0].split(",");
        java.net.URI[] urls = Arrays.stream(urlList).map(java.net.URI::create).toArray(java.net.URI[]::new);
        int targets = urls.length;
        int rate = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]) * targets;
        boolean stream = args[3].equals("stream");
        String[] keys = args.length > 4 ? args[4].split(",", -1) : new String[targets];
        int sliceRequests = Math.max(1, (int) (Double.parseDouble(System.getProperty("slice", "1")) * rate));
        String[] labels = System.getProperty("labels", args[0]).split(",");
        String bodyFile = System.getProperty("body");
        String body = bodyFile != null ? java.nio.file.Files.readString(java.nio.file.Path.of(bodyFile))
                : "{\"model\":\"gpt-4o-mini\"," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"system\",\"content\":\"You are a benchmark.\"},"
                + "{\"role\":\"user\",\"content\":\"Say something short about foxes.\"}]}";
        String responsesBody = "{\"model\":\"gpt-4o-mini\"," + (stream ? "\"stream\":true," : "")
                + "\"store\":false,\"instructions\":\"You are a benchmark.\",\"input\":\"Say something short about foxes.\"}";
        Buffer[] payloads = Arrays.stream(urls).map(u -> Buffer.buffer(u.getPath().endsWith("/responses") ? responsesBody : body))
                .toArray(Buffer[]::new);
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(1));
        HttpClient client = vertx.httpClientBuilder()
                .with(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true))
                .with(new PoolOptions().setHttp1MaxSize(256)).build();
        int warmup = Integer.getInteger("warmup", 5) * rate;
        int total = rate * seconds + warmup;
        long[] latency = new long[total];
        long[] ttft = new long[total];
        long[] gaps = new long[total * 24];
        int[] events = new int[total];
        int[] targetOf = new int[total];
        long[] sendLag = new long[total];
        int[] gapTarget = new int[gaps.length];
        Arrays.fill(latency, -1); // a request that never ends counts as an error
        Arrays.fill(ttft, -1);
        AtomicInteger gapCount = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        CountDownLatch finished = new CountDownLatch(total);
        long start = System.nanoTime() + 50_000_000;
        long intervalNanos = 1_000_000_000L / rate;
        // A sender thread sleeps until each request's intended time and hands it to the client's event
        // loop (a 1-ms periodic timer would send up to a millisecond late); the request is made there,
        // so its response handlers are set before any of the response can arrive.
        io.vertx.core.Context loop = vertx.getOrCreateContext();
        Thread sender = Thread.ofPlatform().name("loadgen-sender").start(() -> {
            for (int k = 0; k < total; k++) {
                long intended = start + k * intervalNanos;
                long now;
                while ((now = System.nanoTime()) < intended) java.util.concurrent.locks.LockSupport.parkNanos(intended - now);
                final int i = k;
                loop.runOnContext(ignored -> {
                int target = (i / sliceRequests) % targets;
                targetOf[i] = target;
                java.net.URI url = urls[target];
                String key = keys.length > target ? keys[target] : null;
                long t0 = start + i * intervalNanos; // the intended send time
                sendLag[i] = System.nanoTime() - t0;
                RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setHost(url.getHost())
                        .setPort(url.getPort()).setURI(url.getPath()).putHeader("content-type", "application/json");
                if (key != null && !key.isEmpty() && !key.equals("-")) ro.putHeader("authorization", "Bearer " + key);
                client.request(ro).compose(req -> req.send(payloads[target])).onComplete(ar -> {
                    if (ar.failed() || ar.result().statusCode() != 200) {
                        errors.incrementAndGet();
                        latency[i] = -1;
                        ttft[i] = -1;
                        if (ar.succeeded()) ar.result().body();
                        finished.countDown();
                        return;
                    }
                    var res = ar.result();
                    long[] last = {0};
                    boolean[] endedWithNewline = {false};
                    res.handler(buf -> {
                        long t = System.nanoTime();
                        int n = count(buf, endedWithNewline[0]);
                        endedWithNewline[0] = buf.length() > 0 && buf.getByte(buf.length() - 1) == '\n';
                        if (n > 0) {
                            if (events[i] == 0) ttft[i] = t - t0;
                            else if (last[0] > 0) {
                                int g = gapCount.getAndIncrement();
                                if (g < gaps.length) {
                                    gaps[g] = t - last[0];
                                    gapTarget[g] = target;
                                }
                            }
                            events[i] += n;
                            last[0] = t;
                        }
                    });
                    res.endHandler(v -> {
                        latency[i] = System.nanoTime() - t0;
                        done.incrementAndGet();
                        finished.countDown();
                    });
                    res.exceptionHandler(t -> {
                        errors.incrementAndGet();
                        latency[i] = -1;
                        finished.countDown();
                    });
                });
                });
            }
        });
        if (!finished.await(seconds + 60L, TimeUnit.SECONDS)) errors.addAndGet((int) finished.getCount());
        long elapsed = System.nanoTime() - start;
        StringBuilder out = new StringBuilder(targets > 1 ? "{" : "");
        for (int t = 0; t < targets; t++) {
            if (targets > 1) out.append(t > 0 ? "," : "").append('"').append(labels[t]).append("\":");
            final int only = t;
            int[] mine = java.util.stream.IntStream.range(warmup, total).filter(i -> targetOf[i] == only).toArray();
            long ok = Arrays.stream(mine).filter(i -> latency[i] >= 0).count();
            out.append("{\"requests\":").append(mine.length).append(",\"warmup_requests\":").append(warmup)
                    .append(",\"ok\":").append(ok)
                    .append(",\"errors\":").append(mine.length - ok)
                    .append(",\"achieved_rps\":").append(Math.round(done.get() / (elapsed / 1e9)));
            append(out, "latency_us", Arrays.stream(mine).mapToLong(i -> latency[i]).toArray());
            append(out, "send_lag_us", Arrays.stream(mine).mapToLong(i -> sendLag[i]).toArray());
            if (stream) {
                append(out, "ttft_us", Arrays.stream(mine).mapToLong(i -> ttft[i]).toArray());
                append(out, "chunk_gap_us", java.util.stream.IntStream.range(0, Math.min(gapCount.get(), gaps.length))
                        .filter(g -> gapTarget[g] == only).mapToLong(g -> gaps[g]).toArray());
                out.append(",\"events_min\":").append(Arrays.stream(mine).map(i -> events[i]).min().orElse(0))
                        .append(",\"events_max\":").append(Arrays.stream(mine).map(i -> events[i]).max().orElse(0));
            }
            out.append('}');
        }
        System.out.println(out.append(targets > 1 ? "}" : ""));
        vertx.close().await();
    }

    /** Counts SSE event terminators ("\n\n"), including one split across two buffers. */
    static int count(Buffer b, boolean previousEndedWithNewline) {
        int n = previousEndedWithNewline && b.length() > 0 && b.getByte(0) == '\n' ? 1 : 0;
        for (int i = 1; i < b.length(); i++) if (b.getByte(i) == '\n' && b.getByte(i - 1) == '\n') n++;
        return n;
    }

    static void append(StringBuilder out, String name, long[] values) {
        long[] v = Arrays.stream(values).filter(x -> x >= 0).sorted().toArray();
        if (v.length == 0) return;
        out.append(",\"").append(name).append("\":{\"p50\":").append(v[(int) (v.length * 0.50)] / 1000)
                .append(",\"p90\":").append(v[(int) (v.length * 0.90)] / 1000)
                .append(",\"p99\":").append(v[(int) (v.length * 0.99)] / 1000)
                .append(",\"p999\":").append(v[Math.min(v.length - 1, (int) (v.length * 0.999))] / 1000)
                .append(",\"max\":").append(v[v.length - 1] / 1000).append('}');
    }
}
