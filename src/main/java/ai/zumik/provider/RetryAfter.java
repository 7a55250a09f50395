package ai.zumik.provider;

import io.vertx.core.MultiMap;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** Reads {@code Retry-After} (seconds or HTTP date) and OpenAI's {@code retry-after-ms}, in whole seconds. */
public final class RetryAfter {
    private RetryAfter() {}

    public static Long seconds(MultiMap headers) {
        String ms = headers.get("retry-after-ms");
        if (ms != null) {
            try {
                return Math.max(1, (long) Math.ceil(Double.parseDouble(ms.trim()) / 1000.0));
            } catch (NumberFormatException ignored) {
                // fall through to Retry-After
            }
        }
        String v = headers.get("retry-after");
        if (v == null) return null;
        try {
            return Math.max(0, (long) Math.ceil(Double.parseDouble(v.trim())));
        } catch (NumberFormatException e) {
            try {
                Instant at = ZonedDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return Math.max(0, Duration.between(Instant.now(), at).toSeconds());
            } catch (RuntimeException unparseable) {
                return null;
            }
        }
    }
}
