/**
 * Prices: the bundled, versioned price table ({@code catalog/prices.json}, revision {@code prc_…}),
 * the operator's overrides on top of it (the revision gains {@code +config.<sha256 prefix>}), and
 * the exact cost of one response's {@link ai.zumik.inference.Usage}.
 *
 * <p>Arithmetic: the file's USD per 1,000,000 tokens are held as whole pico-USD per token (× 10^6,
 * so any price with up to 6 decimals is exact and none other is accepted). A response's token
 * counts times those prices are summed exactly in pico-USD, the tier multiplier (batch, flex,
 * priority) is applied as a {@link java.math.BigDecimal}, and the result is rounded half-up once,
 * at the very end, to whole nano-USD. An unpriced model or unreported usage has no cost (empty),
 * never a made-up zero.
 */
package ai.zumik.pricing;
