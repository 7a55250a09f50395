package ai.zumik.replay;

import java.util.Locale;

/** A run's lifecycle (digest §8.2): {@code queued → running → completed | failed}, or {@code canceled} before it starts. */
public enum ReplayStatus {
    QUEUED, RUNNING, COMPLETED, FAILED, CANCELED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ReplayStatus parse(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
