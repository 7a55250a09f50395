package ai.zumik.v1.batches;

import java.util.Locale;

/**
 * A batch's lifecycle, OpenAI's statuses:
 * <pre>
 *   VALIDATING --input read--> IN_PROGRESS --all lines done--> FINALIZING --files written--> COMPLETED
 *   VALIDATING --no runnable line--> FAILED
 *   VALIDATING | IN_PROGRESS --cancel--> CANCELLING --in-flight lines done, files written--> CANCELLED
 *   IN_PROGRESS --completion window passed--> EXPIRED (files hold what finished)
 * </pre>
 */
public enum BatchStatus {
    VALIDATING, FAILED, IN_PROGRESS, FINALIZING, COMPLETED, EXPIRED, CANCELLING, CANCELLED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static BatchStatus parse(String wire) {
        return valueOf(wire.toUpperCase(Locale.ROOT));
    }

    /** Still to be worked on by some replica. */
    public boolean active() {
        return this == VALIDATING || this == IN_PROGRESS || this == FINALIZING || this == CANCELLING;
    }

    /** The statuses a runner claims, as SQL literals. */
    static final String ACTIVE_SQL = "('validating', 'in_progress', 'finalizing', 'cancelling')";
}
