package ai.zumik.qos;

/**
 * What the caller asked for: a class, an optional soft TTFT target, an optional hard deadline,
 * a priority within the class (0–255, higher first) and whether a compatible fallback is allowed.
 *
 * @param targetTtftMs null when not set (then {@code target_met} is null)
 * @param deadlineMs null when not set (then {@code deadline_met} is null)
 */
public record QosRequest(QosClass qosClass, Integer targetTtftMs, Integer deadlineMs, int priority,
                         boolean allowCompatibleFallback) {

    public static final QosRequest DEFAULT = new QosRequest(QosClass.STANDARD, null, null, 128, true);
}
