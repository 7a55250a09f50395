/**
 * Replay runs (digest §8.2): a baseline and a candidate — {@code managed}, a live alias, or a fixed
 * {@code provider/model[@revision]} — compared over trace envelopes, inline or the project's last
 * N usage events. {@link ai.zumik.replay.ReplayRuns} validates and freezes a run (its traces and
 * a {@link ai.zumik.replay.ReplayPlan} pinning every alias release it can reach), runs
 * {@code routing_simulation} inline and signs reports; {@link ai.zumik.replay.ReplayRunner} claims
 * the other classes from the database under a lease; {@link ai.zumik.replay.ReplayEvaluation}
 * places each trace (seeded by (seed, trace id)) and estimates cost, latency, reuse and QoS, each
 * figure labelled with its evidence level; {@link ai.zumik.replay.ReplayReport} renders the
 * comparison, whose canonical bytes depend only on the run's inputs.
 */
package ai.zumik.replay;
