package ai.zumik.billing;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.TestGateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The alert ladder's webhook: each step once, in order (50 then 80 then 100 as spend crosses them),
 * signed with HMAC-SHA256 so the receiver can check it, retried when the receiver fails, and never
 * in the way of inference while the receiver hangs.
 */
@Timeout(90)
class BudgetAlertsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "whsec-test-ladder";
    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    /** A gpt-4o-mini completion costing exactly {@code nanos} (input at 150 nano-USD per token). */
    private static Script.Reply costing(long nanos) {
        long prompt = nanos / 150;
        return Script.json("{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":"
                + "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":0,\"total_tokens\":" + prompt + "}}");
    }

    private record Delivery(String body, String signature) {}

    @Test
    void eachStepIsPostedOnceSignedAndRetriedUntilTheReceiverTakesIt() throws Exception {
        List<Delivery> delivered = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/alerts", x -> {
            byte[] body = x.getRequestBody().readAllBytes();
            // The first delivery fails: the next call must be a retry of the same alert.
            int status = calls.incrementAndGet() == 1 ? 500 : 204;
            if (status == 204) {
                delivered.add(new Delivery(new String(body, StandardCharsets.UTF_8), x.getRequestHeaders().getFirst("Zumik-Signature")));
            }
            x.sendResponseHeaders(status, -1);
            x.close();
        });
        receiver.start();
        try (FakeProvider openai = FakeProvider.start();
             TestGateway gw = TestGateway.start(Map.of("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-alerts",
                     "ZUMIK_ALERT_WEBHOOK_URL", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/alerts",
                     "ZUMIK_ALERT_WEBHOOK_SECRET", SECRET))) {
            assertThat(gw.post("/v2/billing/budget", "{\"monthly_budget_usd\":1,\"overage_mode\":\"allow\"}").statusCode())
                    .isEqualTo(200);
            int[] expected = {50, 80, 100};
            long[] spendNanos = {600_000_000L, 250_000_000L, 200_000_000L}; // 60 %, then 85 %, then 105 % in all
            for (int i = 0; i < 3; i++) {
                openai.enqueue(costing(spendNanos[i]));
                assertThat(gw.post("/v1/chat/completions", CHAT).statusCode()).isEqualTo(200);
                int want = i + 1;
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (delivered.size() < want && System.nanoTime() < end) Thread.sleep(50);
                assertThat(delivered).hasSize(want);
                JsonNode alert = JSON.readTree(delivered.get(i).body());
                assertThat(alert.get("threshold_percent").asInt()).isEqualTo(expected[i]);
                assertThat(alert.get("type").asText()).isEqualTo("budget.threshold_reached");
                assertThat(alert.get("monthly_budget_micros").asLong()).isEqualTo(1_000_000);
                assertSigned(delivered.get(i));
            }
            assertThat(calls.get()).as("one failed delivery, retried, then one each").isEqualTo(4);
            Thread.sleep(3 * 2_000); // three more ladder checks
            assertThat(delivered).as("no step fires twice").hasSize(3);
            JsonNode audit = JSON.readTree(gw.get("/v2/audit-events?type=billing.budget_alert").body());
            assertThat(audit.get("data")).hasSize(3);
        } finally {
            receiver.stop(0);
        }
    }

    private static void assertSigned(Delivery d) throws Exception {
        assertThat(d.signature()).matches("t=\\d+,v1=[0-9a-f]{64}");
        String t = d.signature().substring(2, d.signature().indexOf(','));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = HexFormat.of().formatHex(mac.doFinal((t + "." + d.body()).getBytes(StandardCharsets.UTF_8)));
        assertThat(d.signature()).endsWith("v1=" + expected);
        assertThat(Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(t))).isLessThan(60);
    }

    @Test
    void aReceiverThatHangsNeverHoldsUpInference() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger reached = new AtomicInteger();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        receiver.createContext("/alerts", x -> {
            reached.incrementAndGet();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                // the test is over
            }
            x.sendResponseHeaders(204, -1);
            x.close();
        });
        receiver.start();
        try (FakeProvider openai = FakeProvider.start();
             TestGateway gw = TestGateway.start(Map.of("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-alerts",
                     "ZUMIK_ALERT_WEBHOOK_URL", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/alerts"))) {
            // A zero budget is at 100 % at once: the ladder fires, and its delivery hangs.
            gw.post("/v2/billing/budget", "{\"monthly_budget_usd\":0,\"overage_mode\":\"allow\"}");
            assertThat(gw.post("/v1/chat/completions", CHAT).statusCode()).isEqualTo(200);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (reached.get() == 0 && System.nanoTime() < end) Thread.sleep(50);
            assertThat(reached.get()).as("the delivery is under way").isPositive();
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = gw.post("/v1/chat/completions", CHAT);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2_000);
            }
        } finally {
            release.countDown();
            receiver.stop(0);
        }
    }
}
