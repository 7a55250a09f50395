package ai.zumik.diagnostics;

/**
 * The six components of the Workload Reuse Score and their weights (digest §5.10; they sum to 1).
 * Each value is a ratio clamped to [0,1]; {@link WorkloadScorer} defines how each is measured.
 */
public enum Component {
    OPPORTUNITY_RATIO("opportunity_ratio", 0.35),
    RECURRENCE_SCORE("recurrence_score", 0.20),
    RETENTION_LOCALITY("retention_locality", 0.15),
    TTFT_SENSITIVITY("ttft_sensitivity", 0.15),
    SESSION_CONTINUITY("session_continuity", 0.10),
    PAYLOAD_REDUNDANCY("payload_redundancy", 0.05);

    private final String wireName;
    private final double weight;

    Component(String wireName, double weight) {
        this.wireName = wireName;
        this.weight = weight;
    }

    public String wireName() {
        return wireName;
    }

    public double weight() {
        return weight;
    }

    /** {@code part / whole} clamped to [0,1]; 0 when there is no whole. */
    static double ratio(double part, double whole) {
        if (!(whole > 0)) return 0;
        double r = part / whole;
        return r < 0 ? 0 : Math.min(1, r);
    }
}
