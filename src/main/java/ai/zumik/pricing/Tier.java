package ai.zumik.pricing;

/** The service tier a response was served at, which selects the price multiplier. */
public enum Tier {
    STANDARD, BATCH, FLEX, PRIORITY;

    /**
     * The tier of a response from its {@code service_tier} (OpenAI's names) and whether it came
     * through a batch API. A name with no multiplier in the table ({@code default}, {@code auto},
     * {@code scale}, an unknown one) is standard.
     */
    public static Tier of(String serviceTier, boolean batch) {
        if (batch) return BATCH;
        if (serviceTier == null) return STANDARD;
        return switch (serviceTier) {
            case "flex" -> FLEX;
            case "priority" -> PRIORITY;
            default -> STANDARD;
        };
    }
}
