package ai.zumik.broker;

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
}
