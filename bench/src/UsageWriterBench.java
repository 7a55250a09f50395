import ai.zumik.metering.DecisionTemplate;
import ai.zumik.metering.UsageEvent;
import ai.zumik.metering.UsageMeter;
import ai.zumik.store.Database;
import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;

/**
 * The usage writer's own cost: records realistic usage events (a ~1.8 KB routing decision,
 * attempts and QoS outcome) through the real meter into a fresh SQLite database and reports, per
 * round, commits and the writer thread's CPU time per event.
 *
 * Usage: java -cp zumik.jar:classes UsageWriterBench EVENTS_PER_SECOND|0 EVENTS [journal|group-commit] [shared|whole]
 * (0 events/s: as fast as possible.) {@code shared} (the default, as Zumik records them): every
 * event names one decision template and keeps only its seed and order; {@code whole}: every event
 * carries the whole decision, as rows did before V4.
 */
public final class UsageWriterBench {
    public static void main(String[] args) throws Exception {
        int rate = Integer.parseInt(args[0]);
        int n = Integer.parseInt(args[1]);
        boolean journal = args.length < 3 || args[2].equals("journal");
        Path dir = Files.createTempDirectory("zumik-writer-bench");
        boolean whole = args.length > 3 && args[3].equals("whole");
        String shared = "{\"strategy\":\"priority\",\"targets\":["
                + "{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\",\"verdict\":\"selected\",\"why\":\"primary\"},".repeat(20) + "{}]}";
        String own = "{\"seed\":\"a8a6ce9f9321b551\",\"order\":[\"openai/gpt-4o-mini via direct:openai\"],"
                + "\"execution_profile\":\"managed_provider\"}";
        DecisionTemplate template = whole ? null : DecisionTemplate.of(shared);
        String decision = whole ? DecisionTemplate.of(shared).merge(own) : own;
        String attempts = "[{\"provider\":\"openai\",\"model\":\"gpt-4o-mini\",\"status\":200,\"latency_ms\":3,\"usage\":{\"prompt_tokens\":12}}]";
        String qos = "{\"qos_class\":\"standard\",\"admission\":\"accepted\",\"completion\":\"completed\",\"reason_code\":\"ok\"}";
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Database db = Database.open(null, dir, false);
             UsageMeter meter = new UsageMeter(db, journal ? dir.resolve("usage-journal") : null)) {
            Thread writer = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("zumik-usage-writer")).findFirst().orElseThrow();
            for (int round = 0; round < 3; round++) {
                long commits0 = meter.commits();
                long cpu0 = mx.getThreadCpuTime(writer.threadId());
                long t0 = System.nanoTime();
                CountDownLatch done = new CountDownLatch(n);
                for (int i = 0; i < n; i++) {
                    String id = String.format("resp_%d_%08d", round, i);
                    meter.record(new UsageEvent(id, "trc_" + id, "prj_1", "key_1", "/v1/chat/completions", "gpt-4o-mini",
                            "openai", "gpt-4o-mini", "live", "managed_provider", false, 200, "completed", null, 12L, 3L, null,
                            7L, 0L, 41L, 120L, System.currentTimeMillis(), "v1", null, template, decision, attempts, qos, null,
                            true, 1_000L, "prc_bench", new ai.zumik.reuse.ReuseAccount(8L, 6L, 3L, "pf_0123456789abcdef",
                                    "provider", "provider_reported", 300_000L)),
                            null, e -> done.countDown());
                    if (rate > 0) LockSupport.parkNanos(t0 + (i + 1) * 1_000_000_000L / rate - System.nanoTime());
                }
                done.await();
                meter.awaitVisible();
                double seconds = (System.nanoTime() - t0) / 1e9;
                System.out.printf("round %d: %d events in %.1f s, %d commits, writer CPU %.1f µs/event%n", round, n, seconds,
                        meter.commits() - commits0, (mx.getThreadCpuTime(writer.threadId()) - cpu0) / 1e3 / n);
            }
        }
    }
}
