package ai.zumik.inference;

/** Whose account or cluster served a response, as {@code Agent-Execution-Profile} reports it. */
public enum ExecutionProfile {
    MANAGED_PROVIDER("managed_provider"),
    BYOK("byok"),
    SUBSCRIPTION("subscription"),
    BYOC_DYNAMO("byoc_dynamo"),
    BYOC_EPP("byoc_epp");

    private final String wire;

    ExecutionProfile(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    /** Whether the customer's own cluster serves (either BYOC flavour). */
    public boolean byoc() {
        return this == BYOC_DYNAMO || this == BYOC_EPP;
    }

    /** The profile named by its wire value; {@code managed} is accepted for {@code managed_provider}. */
    public static ExecutionProfile parse(String wire) {
        if ("managed".equals(wire)) return MANAGED_PROVIDER;
        for (ExecutionProfile p : values()) if (p.wire.equals(wire)) return p;
        throw new IllegalArgumentException("unknown execution profile " + wire);
    }
}
