package ai.zumik.billing;

import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs budget alerts to {@code ZUMIK_ALERT_WEBHOOK_URL}, each on a virtual thread of its own, so
 * a slow or failing receiver never holds anything else up. With {@code ZUMIK_ALERT_WEBHOOK_SECRET}
 * every delivery is signed: {@code Zumik-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">}, which lets the receiver check the body and refuse replays of old ones. A delivery
 * that fails (no answer in 10 s, or not 2xx) is retried after 1, 2, 4 and 8 seconds, then given up
 * and logged; the audit event that announced the alert stays either way.
 */
public final class AlertWebhook {
    private static final Logger LOG = LoggerFactory.getLogger(AlertWebhook.class);
    static final long[] BACKOFF_MS = {1_000, 2_000, 4_000, 8_000};

    private final URI url;
    private final byte[] secret;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder failed = new LongAdder();

    /** @param secret the HMAC key, or null to send unsigned */
    public AlertWebhook(String url, String secret) {
        this.url = URI.create(url);
        this.secret = secret == null ? null : secret.getBytes(StandardCharsets.UTF_8);
    }

    /** Sends {@code alert} in the background, with retries. */
    public void send(ObjectNode alert) {
        byte[] body = Json.bytes(alert);
        Thread.startVirtualThread(() -> deliver(body));
    }

    private void deliver(byte[] body) {
        for (int attempt = 0; attempt <= BACKOFF_MS.length; attempt++) {
            if (attempt > 0) {
                try {
                    Thread.sleep(BACKOFF_MS[attempt - 1]);
                } catch (InterruptedException e) {
                    return;
                }
            }
            try {
                var b = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
                if (secret != null) b.header("Zumik-Signature", signature(System.currentTimeMillis() / 1_000, body));
                int status = http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status >= 200 && status < 300) {
                    delivered.increment();
                    return;
                }
                LOG.warn("budget alert webhook answered {} (attempt {})", status, attempt + 1);
            } catch (Exception e) {
                if (e instanceof InterruptedException) return;
                LOG.warn("budget alert webhook failed (attempt {}): {}", attempt + 1, e.getClass().getSimpleName());
            }
        }
        failed.increment();
        LOG.error("budget alert webhook gave up after {} attempts", BACKOFF_MS.length + 1);
    }

    /** {@code t=<seconds>,v1=<hex HMAC-SHA256("<seconds>.<body>")>}. */
    String signature(long unixSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((unixSeconds + ".").getBytes(StandardCharsets.US_ASCII));
            return "t=" + unixSeconds + ",v1=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    public long delivered() {
        return delivered.sum();
    }

    public long failed() {
        return failed.sum();
    }
}
