package ai.zumik.pricing;

import ai.zumik.inference.Usage;
import ai.zumik.provider.ProviderId;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * One model's prices, in whole pico-USD per token, null where the table has none; tier multipliers
 * as the fraction of the standard price paid, null where the model has no such tier.
 */
public record ModelPrice(ProviderId provider, String model, long input, Long cachedInput, Long cacheWrite5m,
                         Long cacheWrite1h, long output, Long reasoningOutput, BigDecimal batch, BigDecimal flex,
                         BigDecimal priority, LongContext longContext) {

    /**
     * Prices that replace the standard ones for the whole request when its prompt is longer than
     * {@code thresholdTokens}; a null price keeps the standard one.
     */
    public record LongContext(long thresholdTokens, Long input, Long cachedInput, Long output) {}

    /**
     * The cost of a reported {@code usage} at {@code tier} in nano-USD, rounded half-up once.
     *
     * @throws ArithmeticException only for token counts so large the sum overflows 2^63 pico-USD
     */
    long costNanos(Usage usage, Tier tier) {
        long prompt = tokens(usage.promptTokens());
        long cached = tokens(usage.cachedTokens());
        long writes = tokens(usage.cacheWriteTokens());
        long completion = tokens(usage.completionTokens());
        long reasoning = tokens(usage.reasoningTokens());
        LongContext lc = longContext != null && prompt > longContext.thresholdTokens() ? longContext : null;
        long in = or(lc == null ? null : lc.input(), input);
        long cachedIn = or(lc == null ? null : lc.cachedInput(), or(cachedInput, in));
        // Usage does not separate Anthropic's 1-hour cache writes (cache_write_1h) from 5-minute ones,
        // so every write is charged the 5-minute price: 1-hour writes are under-billed until it does.
        long write = or(cacheWrite5m, in);
        long out = or(lc == null ? null : lc.output(), output);

        long picos = times(Math.max(0, Math.subtractExact(prompt, Math.addExact(cached, writes))), in);
        picos = Math.addExact(picos, times(cached, cachedIn));
        picos = Math.addExact(picos, times(writes, write));
        if (reasoningOutput != null) {
            picos = Math.addExact(picos, times(reasoning, reasoningOutput));
            picos = Math.addExact(picos, times(Math.max(0, completion - reasoning), out));
        } else {
            picos = Math.addExact(picos, times(completion, out));
        }
        return BigDecimal.valueOf(picos).multiply(multiplier(tier)).movePointLeft(3)
                .setScale(0, RoundingMode.HALF_UP).longValueExact();
    }

    /** The fraction of the standard price paid at {@code tier}; a tier the model lacks is charged standard. */
    private BigDecimal multiplier(Tier tier) {
        BigDecimal m = switch (tier) {
            case STANDARD -> null;
            case BATCH -> batch;
            case FLEX -> flex;
            case PRIORITY -> priority;
        };
        return m == null ? BigDecimal.ONE : m;
    }

    private static long tokens(Long reported) {
        return reported == null ? 0 : Math.max(0, reported);
    }

    private static long times(long tokens, long picosPerToken) {
        return Math.multiplyExact(tokens, picosPerToken);
    }

    private static long or(Long price, long fallback) {
        return price != null ? price : fallback;
    }
}
