package ai.zumik.diagnostics;

/** Where a Workload Reuse Score falls (digest §5.10), with the action and the profile it recommends. */
public enum Band {
    STRONG_FIT("strong fit", 70, "prioritize optimization pilot", "byoc_dynamo"),
    PLAUSIBLE("plausible", 45, "run diagnostic, tune providers", "managed_provider"),
    LIMITED("limited", 20, "improve prompt construction first", "managed_provider"),
    WEAK("weak", 0, "do not sell BYOC / custom caching", "managed_provider");

    private final String label;
    private final int floor;
    private final String action;
    private final String profile;

    Band(String label, int floor, String action, String profile) {
        this.label = label;
        this.floor = floor;
        this.action = action;
        this.profile = profile;
    }

    /** The band of an integer score 0–100: 70–100, 45–69, 20–44, 0–19. */
    public static Band of(int wrs) {
        for (Band b : values()) if (wrs >= b.floor) return b;
        return WEAK;
    }

    public String label() {
        return label;
    }

    public String action() {
        return action;
    }

    /** The lowest-complexity execution profile worth trying at this score. */
    public String profile() {
        return profile;
    }
}
