package ai.zumik.telemetry;

import java.util.concurrent.atomic.LongAdder;

/** A fixed-bucket cumulative histogram of microsecond values, rendered in seconds for Prometheus. */
final class Histogram {
    private final long[] upperMicros;
    private final LongAdder[] counts;
    private final LongAdder sumMicros = new LongAdder();
    private final LongAdder count = new LongAdder();

    Histogram(long... upperMicros) {
        this.upperMicros = upperMicros;
        this.counts = new LongAdder[upperMicros.length];
        for (int i = 0; i < counts.length; i++) counts[i] = new LongAdder();
    }

    void observe(long micros) {
        for (int i = 0; i < upperMicros.length; i++) {
            if (micros <= upperMicros[i]) {
                counts[i].increment();
                break;
            }
        }
        sumMicros.add(micros);
        count.increment();
    }

    void render(StringBuilder sb, String name, String labels) {
        long cumulative = 0;
        String sep = labels.isEmpty() ? "" : labels + ",";
        for (int i = 0; i < upperMicros.length; i++) {
            cumulative += counts[i].sum();
            sb.append(name).append("_bucket{").append(sep).append("le=\"")
                    .append(seconds(upperMicros[i])).append("\"} ").append(cumulative).append('\n');
        }
        long total = count.sum();
        sb.append(name).append("_bucket{").append(sep).append("le=\"+Inf\"} ").append(total).append('\n');
        String braces = labels.isEmpty() ? "" : "{" + labels + "}";
        sb.append(name).append("_sum").append(braces).append(' ').append(seconds(sumMicros.sum())).append('\n');
        sb.append(name).append("_count").append(braces).append(' ').append(total).append('\n');
    }

    private static String seconds(long micros) {
        return java.math.BigDecimal.valueOf(micros, 6).stripTrailingZeros().toPlainString();
    }
}
