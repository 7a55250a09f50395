package ai.zumik.inference;

/** How a response was produced, as {@code Agent-Execution-Mode} reports it. */
public enum ExecutionMode {
    LIVE("live"),
    OPENROUTER_FALLBACK("openrouter_fallback"),
    /** No upstream configured for the path: deterministic output. Never a mask for a failing provider. */
    PLACEHOLDER("placeholder");

    private final String wire;

    ExecutionMode(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }
}
