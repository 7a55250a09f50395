package ai.zumik.replay;

import java.util.Locale;

/**
 * What a replay run compares (digest §5.9 names the first two; the other three are Zumik's names
 * for the purposes the replay guide lists: provider comparison, cache-retention experiments, QoS
 * validation). Only {@link #ROUTING_SIMULATION} runs inline; the others go to the background runner.
 */
public enum ReplayClass {
    /** Seeded alias resolution over the pinned releases; per-target counts and priced token shapes. No inference. */
    ROUTING_SIMULATION,
    /** Re-executes captured messages: needs {@code encrypted_full_fidelity} captures, which this build does not store. */
    FULL_FIDELITY_EVALUATION,
    /** Cost, latency, reuse and QoS of each target over the traces, from the price table, usage and capability manifest. */
    PROVIDER_COMPARISON,
    /** Each target's prompt-cache TTL simulated over the traces' arrival times, per prefix family. */
    CACHE_RETENTION_EXPERIMENT,
    /** Deadline and TTFT-target attainment per QoS class. */
    QOS_VALIDATION;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Null for anything that is not a class name. */
    public static ReplayClass parse(String s) {
        for (ReplayClass c : values()) if (c.wire().equals(s)) return c;
        return null;
    }

    public boolean inline() {
        return this == ROUTING_SIMULATION;
    }
}
