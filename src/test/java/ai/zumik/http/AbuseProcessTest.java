package ai.zumik.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.bench.Abuse;
import ai.zumik.testing.ZumikProcess;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The attacks of {@code bench/abuse.sh}, against Zumik run as {@code bin/zumik} runs it (its JVM
 * options, its 384 MiB heap) with short connection timeouts: each must leave ordinary requests
 * succeeding, the bodies held within the budget and the process's RSS under its ceiling. And when
 * memory does run out anyway (a budget set far past the heap), the process ends instead of
 * limping on with a dead event loop.
 */
@Timeout(300)
class AbuseProcessTest {
    private static final String KEY = "zk_live_ABUSEabuseABUSEabuseABUSEabuse12";

    @Test
    void everyAttackLeavesZumikServing() throws Exception {
        Path dir = Files.createTempDirectory("zumik-abuse-");
        // The heap touched before the attacks (Abuse.Limits): RSS then grows only by what is retained.
        try (ZumikProcess z = ZumikProcess.start(dir, "server.log", Map.of("ZUMIK_BOOTSTRAP_KEY", KEY,
                "ZUMIK_HTTP_IDLE_TIMEOUT_MS", "2000", "ZUMIK_HTTP_HEADER_TIMEOUT_MS", "1500",
                "ZUMIK_HTTP_BODY_TIMEOUT_MS", "1500"), List.of("-XX:+AlwaysPreTouch")).awaitHealthy()) {
            Abuse abuse = new Abuse("127.0.0.1", z.port(), KEY, z.pid(), new Abuse.Limits(Duration.ofMillis(2000),
                    Duration.ofMillis(1500), Duration.ofMillis(1500), 256, 64L * 1024 * 1024, 600));
            List<Abuse.Outcome> outcomes = new ArrayList<>();
            // The issue's own test: 300 header-only connections for 10 s; RSS may not grow by the budget.
            outcomes.add(abuse.headerOnly(300, Duration.ofSeconds(10)));
            outcomes.add(abuse.slowHeaders(20));
            outcomes.add(abuse.idle(20));
            outcomes.add(abuse.stalledUploads(20));
            outcomes.add(abuse.oversize());
            outcomes.add(abuse.silentFlood(1_100));
            outcomes.add(abuse.largeBodies(60));
            outcomes.forEach(o -> System.out.println(o.line())); // in the test report: memory and latency per attack
            for (Abuse.Outcome o : outcomes) assertThat(o.pass()).as(o.line()).isTrue();
            assertThat(z.process().isAlive()).isTrue();
        }
    }

    @Test
    void anOutOfMemoryErrorEndsTheProcess() throws Exception {
        Path dir = Files.createTempDirectory("zumik-oom-");
        // A body budget far past a small heap: the budget is off, so uploads can exhaust memory.
        try (ZumikProcess z = ZumikProcess.start(dir, "server.log", Map.of("ZUMIK_BOOTSTRAP_KEY", KEY,
                "ZUMIK_HTTP_BODY_BUDGET_MB", "8192", "ZUMIK_HTTP_BODY_TIMEOUT_MS", "60000"), List.of("-Xms96m", "-Xmx96m")).awaitHealthy()) {
            List<Socket> uploads = new ArrayList<>();
            byte[] piece = new byte[256 * 1024];
            java.util.Arrays.fill(piece, (byte) ' ');
            try {
                for (int i = 0; i < 120 && z.process().isAlive(); i++) {
                    Socket s;
                    try {
                        s = new Socket("127.0.0.1", z.port());
                    } catch (java.net.ConnectException gone) {
                        break;
                    }
                    uploads.add(s);
                    OutputStream out = s.getOutputStream();
                    out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY
                            + "\r\nContent-Type: application/json\r\nContent-Length: 2097152\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    try {
                        for (int k = 0; k < 7; k++) out.write(piece);
                    } catch (java.io.IOException gone) {
                        break;
                    }
                }
                assertThat(z.process().waitFor(60, TimeUnit.SECONDS)).as("the process ended").isTrue();
                assertThat(z.process().exitValue()).as("ExitOnOutOfMemoryError's status").isEqualTo(3);
                assertThat(z.output()).contains("OutOfMemoryError");
            } finally {
                for (Socket s : uploads) s.close();
            }
        }
    }
}
