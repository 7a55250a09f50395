package ai.zumik.broker;

import ai.zumik.inference.ChatRequest;
import ai.zumik.keys.Principal;
import ai.zumik.limits.Permit;
import ai.zumik.pricing.Tier;
import ai.zumik.qos.QosRequest;
import ai.zumik.telemetry.RequestSpan;

/**
 * Who asked for what, carried through every attempt of one logical response.
 *
 * @param principal the caller (key, project, their limits and budgets)
 * @param endpoint the surface route, e.g. {@code /v1/chat/completions}
 * @param surface {@code v1} or {@code v2}
 * @param startNanos when the request arrived ({@link System#nanoTime()})
 * @param admission how QoS admission went ({@code admitted} or {@code queued})
 * @param captureOutput keep the generated text on the response record (/v2 responses)
 * @param permit the request's hold on its limits and budgets, settled when it ends (null before governance)
 * @param tier the price tier the request runs in (a service tier it asked for, the batch discount).
 *     {@link Tier#BATCH} on the way in means the request came through the batch API ({@link #viaBatchApi}):
 *     only Zumik's batch runner builds such a context, so no client field or hint can claim the discount
 * @param prompt the chat prompt sent (null for embeddings), for reuse accounting
 * @param span the request's trace span, or null (tracing off, or no exchange: a batch line)
 */
public record ExecutionContext(String traceId, String responseId, Principal principal, String endpoint, String surface,
                               String requestedModel, boolean stream, long startNanos, long startMs, QosRequest qos,
                               String admission, boolean captureOutput, Permit permit, Tier tier, ChatRequest prompt,
                               RequestSpan span) {

    public ExecutionContext(String traceId, String responseId, Principal principal, String endpoint, String surface,
                            String requestedModel, boolean stream, long startNanos, long startMs, QosRequest qos,
                            boolean captureOutput) {
        this(traceId, responseId, principal, endpoint, surface, requestedModel, stream, startNanos, startMs, qos,
                "pending", captureOutput, null, Tier.STANDARD, null, null);
    }

    /** This request as one line of a batch: priced at the provider's batch discount. */
    public ExecutionContext viaBatchApi() {
        return withTier(Tier.BATCH);
    }

    /** Whether the request came through the batch API (see {@link #viaBatchApi}). */
    public boolean batchApi() {
        return tier == Tier.BATCH;
    }

    public String projectId() {
        return principal.projectId();
    }

    public String keyId() {
        return principal.keyId();
    }

    ExecutionContext withAdmission(String a) {
        return new ExecutionContext(traceId, responseId, principal, endpoint, surface, requestedModel, stream, startNanos,
                startMs, qos, a, captureOutput, permit, tier, prompt, span);
    }

    ExecutionContext withPermit(Permit p) {
        return new ExecutionContext(traceId, responseId, principal, endpoint, surface, requestedModel, stream, startNanos,
                startMs, qos, admission, captureOutput, p, tier, prompt, span);
    }

    ExecutionContext withTier(Tier t) {
        return new ExecutionContext(traceId, responseId, principal, endpoint, surface, requestedModel, stream, startNanos,
                startMs, qos, admission, captureOutput, permit, t, prompt, span);
    }

    /** The same request traced by {@code s}; itself when {@code s} is null (tracing off allocates nothing). */
    public ExecutionContext withSpan(RequestSpan s) {
        return s == null ? this : new ExecutionContext(traceId, responseId, principal, endpoint, surface, requestedModel,
                stream, startNanos, startMs, qos, admission, captureOutput, permit, tier, prompt, s);
    }

    /**
     * The same request priced in tier {@code t} and carrying its prompt, which reuse accounting
     * fingerprints once it is answered.
     */
    ExecutionContext forChat(Tier t, ChatRequest p) {
        return new ExecutionContext(traceId, responseId, principal, endpoint, surface, requestedModel, stream, startNanos,
                startMs, qos, admission, captureOutput, permit, t, p, span);
    }
}
