package ai.zumik.qos;

import java.util.Locale;

/** Service classes, most latency-sensitive first. Admission serves queues in this order. */
public enum QosClass {
    INTERACTIVE, STANDARD, BACKGROUND, BATCH;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Null for anything that is not a class name. */
    public static QosClass parse(String s) {
        if (s == null) return null;
        for (QosClass c : values()) if (c.wire().equals(s)) return c;
        return null;
    }

    /** Batch and background work may take cheaper, slower provider lanes; interactive never does. */
    public boolean latencyTolerant() {
        return this == BACKGROUND || this == BATCH;
    }
}
