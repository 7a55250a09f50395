package ai.zumik.replay;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A stored run (its traces are read separately, only to run it).
 *
 * @param scheduledForMs null when it was due at once
 * @param failureCode {@code runner_restarted} (the process running it stopped) or
 *     {@code evaluation_failed}; null unless failed
 * @param report the signed report, null until completed
 */
public record ReplayRun(String id, String projectId, ReplayStatus status, ReplayClass replayClass, String baseline,
                        String candidate, long seed, String trafficSource, int traceCount, ObjectNode plan, long createdAtMs,
                        Long scheduledForMs, Long startedAtMs, Long completedAtMs, Long canceledAtMs, String failureCode,
                        String failureMessage, ObjectNode report) {}
