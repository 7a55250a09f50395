package ai.zumik.broker;

import ai.zumik.inference.ExecutionMode;
import ai.zumik.inference.FailureClass;
import ai.zumik.inference.RequestRejected;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.UpstreamFailure;
import ai.zumik.inference.Usage;
import ai.zumik.json.Json;
import ai.zumik.limits.RateHeaders;
import ai.zumik.limits.Refusal;
import ai.zumik.metering.UsageEvent;
import ai.zumik.provider.UpstreamCall;
import ai.zumik.qos.QosOutcome;
import ai.zumik.qos.QosRequest;
import ai.zumik.qos.ReasonCode;
import ai.zumik.reuse.PromptPrefix;
import ai.zumik.reuse.ReuseAccount;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One logical response in flight: its attempts, failover, deadline and metering, under one
 * response id. A state machine on the request's event loop:
 * <pre>
 *   ATTEMPTING --first chunk--> COMMITTED --end/failure--> METERING --durable--> DONE
 *   ATTEMPTING --completion----------------------------> METERING
 *   ATTEMPTING --failure, next target allowed--> ATTEMPTING (new attempt, same response id)
 *   ATTEMPTING --failure, nothing left-----------------> METERING (error status)
 *   any --deadline--> METERING (504, or in-band after the first byte; never charged)
 *   any --client gone--> DONE (upstream aborted, usage recorded as cancelled)
 * </pre>
 * Until the first event reaches the surface nothing has been sent to the client, so failover is
 * invisible; after it, a failure becomes an in-band error ({@code stream_interrupted}).
 *
 * <p>Failover policy, decided here once: client errors (400/422, refusals, unknown model) are
 * returned as they are; availability failures (connect, timeouts, 5xx, overload, 429, a refused
 * managed key) move to the next target of the plan at once, or retry the only target once after
 * a short back-off; a context-length failure moves only to a target with a larger context
 * window. At most {@code maxAttempts} attempts and only while the retry budget allows. When every
 * primary target failed on availability, the OpenRouter bridge is tried if it is enabled.
 */
public final class Execution {
    private static final Logger LOG = LoggerFactory.getLogger(Execution.class);
    private static final int MAX_ATTEMPTS = 3;
    private static final long SAME_TARGET_BACKOFF_MS = 100;
    /** The one surface route whose requests go natively to targets that speak it. */
    static final String RESPONSES_ENDPOINT = "/v1/responses";

    private enum State { ATTEMPTING, COMMITTED, METERING, DONE }

    private final ExecutionContext ctx;
    private final RoutePlan plan;
    private final BiFunction<Target, Consumer<StreamEvent>, UpstreamCall> dispatch;
    private final ResponseSink sink;
    private final BrokerServices svc;
    private final Runnable onFinish;
    private final List<AttemptRecord> attempts = new ArrayList<>();
    private final OutputCapture capture;
    /** With a request span: the answer's finish reasons, and its text when content capture is on. */
    private final java.util.List<String> finishReasons;
    private final OutputCapture spanContent;
    private State state = State.ATTEMPTING;
    private AttemptRecord current;
    private int orderIndex = -1;
    private boolean bridged;
    private boolean retriedSameTarget;
    private UpstreamCall call;
    private long firstEventNanos = -1;
    private long upstreamNanos;
    private long attemptStartNanos;
    private long deadlineTimer = -1;
    private long backoffTimer = -1;
    private Served served;
    private RateHeaders refusalHeaders;
    /** The prompt's fingerprints for reuse accounting, once taken (see {@link #fingerprint()}). */
    private PromptPrefix prefix;
    private boolean fingerprintQueued;

    Execution(ExecutionContext ctx, RoutePlan plan, BiFunction<Target, Consumer<StreamEvent>, UpstreamCall> dispatch,
              ResponseSink sink, BrokerServices svc, Runnable onFinish) {
        this.ctx = ctx;
        this.plan = plan;
        this.dispatch = dispatch;
        this.sink = sink;
        this.svc = svc;
        this.onFinish = onFinish;
        this.capture = ctx.captureOutput() ? new OutputCapture() : null;
        this.finishReasons = ctx.span() == null ? null : new ArrayList<>(1);
        this.spanContent = ctx.span() != null && ctx.span().capturesContent() ? new OutputCapture() : null;
    }

    public RoutePlan plan() {
        return plan;
    }

    void start() {
        QosRequest qos = ctx.qos();
        if (qos.deadlineMs() != null) {
            long left = qos.deadlineMs() - (System.nanoTime() - ctx.startNanos()) / 1_000_000;
            deadlineTimer = svc.vertx().setTimer(Math.max(1, left), id -> {
                deadlineTimer = -1;
                deadline();
            });
        }
        if (plan.order().isEmpty() && byokUnavailable() != null) {
            exhausted(UpstreamFailure.of(FailureClass.NO_ELIGIBLE_TARGET, "No target can serve '" + plan.requestedModel()
                    + "': it runs on the project's provider credential " + byokUnavailable() + ", which was deleted or "
                    + "cannot be used by this project (see the routing decision). Nothing was sent to any provider."));
            return;
        }
        if (plan.order().isEmpty()) {
            boolean allCoolingDown = plan.verdicts().stream()
                    .allMatch(v -> v.why() == RoutePlan.Why.RATE_LIMITED || v.why().unconfigured());
            exhausted(allCoolingDown && plan.coolDownSeconds() > 0
                    ? new UpstreamFailure(FailureClass.RATE_LIMITED, 0, "The provider asked Zumik to wait before sending more "
                    + "requests for '" + plan.requestedModel() + "'; retry after the Retry-After delay.", null, null,
                    plan.coolDownSeconds())
                    : UpstreamFailure.of(FailureClass.NO_ELIGIBLE_TARGET, "No target can serve '" + plan.requestedModel()
                    + "' right now: every candidate is unavailable (see the routing decision)."));
            return;
        }
        attempt(0, null);
    }

    /**
     * When every candidate was ruled out and the only usable ones were BYOK candidates whose
     * credential is gone, that credential's id (for the error message); else null.
     */
    private String byokUnavailable() {
        String id = null;
        for (RoutePlan.Verdict v : plan.verdicts()) {
            if (v.why() == RoutePlan.Why.CREDENTIAL_UNAVAILABLE) {
                if (id == null) id = v.credentialId();
            } else if (v.why() != RoutePlan.Why.BYOK_ONLY && !v.why().unconfigured()) {
                return null;
            }
        }
        return id;
    }

    /** Governance refused the request (rate limit, budget, credit): record it and tell the surface. */
    void refuse(Refusal r) {
        refusalHeaders = r.headers();
        svc.metrics().rejected(r.reason().wire());
        UpstreamFailure f = new UpstreamFailure(r.failure(), 0, r.message(), null, null, r.retryAfterSeconds());
        terminal(new StreamEvent.Failed(f, Usage.UNREPORTED), r.failure().httpStatus(), null, r.reason(),
                r.failure().code(), false);
    }

    /** Admission refused the request: record the response (no attempt was made) and tell the surface. */
    void refuse(FailureClass c, ReasonCode reason) {
        svc.metrics().rejected(reason.wire());
        UpstreamFailure f = UpstreamFailure.of(c, switch (reason) {
            case QUEUE_FULL -> "Zumik's " + ctx.qos().qosClass().wire() + " queue is full; retry shortly.";
            case EXPIRED_BEFORE_START -> "The request's deadline passed while it waited for capacity.";
            default -> "The request waited for capacity longer than its class allows.";
        });
        UpstreamFailure withRetry = c == FailureClass.QUEUE_FULL
                ? new UpstreamFailure(c, 0, f.message(), null, null, 1L) : f;
        terminal(new StreamEvent.Failed(withRetry, Usage.UNREPORTED), c.httpStatus(), null, reason, c.code(), false);
    }

    /** The client went away: abort the upstream now and record what happened. */
    public void cancel() {
        if (state == State.DONE || state == State.METERING) return;
        abortCurrent(FailureClass.CANCELLED);
        terminal(null, 499, "cancelled", ReasonCode.CLIENT_CANCELLED, FailureClass.CANCELLED.code(), true);
    }

    /** Cancelled through the API while the client still waits: abort, record, and tell the surface. */
    public void cancelByRequest() {
        if (state == State.DONE || state == State.METERING) return;
        abortCurrent(FailureClass.CANCELLED);
        terminal(new StreamEvent.Failed(UpstreamFailure.of(FailureClass.CANCELLED, "The response was cancelled."),
                Usage.UNREPORTED), state == State.COMMITTED ? 200 : 499, "cancelled", ReasonCode.CLIENT_CANCELLED,
                FailureClass.CANCELLED.code(), true);
    }

    /**
     * Zumik is stopping and the shutdown grace ran out: abort the upstream and tell the client the
     * truth (the gateway cut it, not the provider), in band when bytes were already sent.
     */
    public void shutdown() {
        if (state == State.DONE || state == State.METERING) return;
        abortCurrent(FailureClass.SHUTTING_DOWN);
        UpstreamFailure f = UpstreamFailure.of(FailureClass.SHUTTING_DOWN, "Zumik is shutting down and its shutdown "
                + "grace period ran out before this response finished; retry on another replica.");
        terminal(new StreamEvent.Failed(f, Usage.UNREPORTED), state == State.COMMITTED ? 200 : f.failureClass().httpStatus(),
                "failed", ReasonCode.SHUTTING_DOWN, f.failureClass().code(), true);
    }

    /** Client backpressure: stop reading from the upstream. */
    public void pause() {
        if (call != null && state == State.COMMITTED) call.pause();
    }

    public void resume() {
        if (call != null && state == State.COMMITTED) call.resume();
    }

    private void attempt(int index, String cause) {
        orderIndex = index;
        start(plan.order().get(index), cause);
    }

    private void start(Target target, String cause) {
        AttemptRecord a = new AttemptRecord(attempts.size(), target, svc.clock().millis());
        a.retryCause = cause;
        attempts.add(a);
        current = a;
        attemptStartNanos = System.nanoTime();
        Consumer<StreamEvent> events = e -> {
            try {
                onEvent(a, e);
            } catch (RuntimeException bug) {
                internalError(bug);
            }
        };
        try {
            if (ctx.span() == null) {
                call = dispatch.apply(target, events);
            } else {
                a.span = ctx.span().attempt(a.index, target.model().provider().wireId(), target.upstreamModel(),
                        target.profile().wire(), cause);
                call = ai.zumik.provider.UpstreamTrace.with(a.span.traceparent(), () -> dispatch.apply(target, events));
            }
        } catch (RequestRejected r) {
            // This target's protocol cannot express the request; another target may.
            a.finishedAtMs = svc.clock().millis();
            a.failureClass = FailureClass.BAD_REQUEST;
            a.ended(svc.metrics());
            call = null;
            rejected(r);
            return;
        }
        // The provider is working now: fingerprint the prompt meanwhile (a task queued behind the
        // send on this loop), not between its answer and the client's response.
        if (!fingerprintQueued && accountsReuse(target)) {
            fingerprintQueued = true;
            svc.loop().execute(() -> {
                if (state != State.DONE && state != State.METERING) fingerprint();
            });
        }
    }

    private void onEvent(AttemptRecord a, StreamEvent e) {
        if (a != current || state == State.METERING || state == State.DONE) return;
        long now = System.nanoTime();
        switch (e) {
            case StreamEvent.Chunk c -> {
                if (state == State.ATTEMPTING) {
                    state = State.COMMITTED;
                    firstEventNanos = now;
                    a.firstByteAtMs = svc.clock().millis();
                    served = served(null);
                }
                if (c.usage() != null) a.usage = c.usage();
                if (capture != null && !c.usageOnly()) capture.chunk(c.json());
                if (finishReasons != null) traced(c.json(), false);
                sink.onEvent(c, served);
            }
            case StreamEvent.Completion c -> {
                firstEventNanos = now;
                a.firstByteAtMs = svc.clock().millis();
                a.usage = c.usage();
                if (capture != null) capture.completion(c.json());
                if (finishReasons != null) traced(c.json(), true);
                succeeded(a, now);
                terminal(c, 200, "completed", successReason(), null, true);
            }
            case StreamEvent.End end -> {
                if (end.usage().reported()) a.usage = end.usage();
                succeeded(a, now);
                terminal(end, 200, "completed", successReason(), null, true);
            }
            case StreamEvent.Failed f -> failed(a, f, now);
        }
    }

    /** A bug while handling an event: the client gets a 500 (or an in-band error), never a hang. */
    private void internalError(RuntimeException bug) {
        LOG.error("execution of {} failed internally", ctx.responseId(), bug);
        if (state == State.METERING || state == State.DONE) return;
        abortCurrent(FailureClass.INTERNAL);
        UpstreamFailure f = UpstreamFailure.of(FailureClass.INTERNAL, "Zumik hit an internal error. The request was not completed.");
        terminal(new StreamEvent.Failed(f, Usage.UNREPORTED), state == State.COMMITTED ? 200 : 500, "failed",
                ReasonCode.PROVIDER_ERROR, f.failureClass().code(), false);
    }

    private void succeeded(AttemptRecord a, long now) {
        a.finishedAtMs = svc.clock().millis();
        a.httpStatus = 200;
        upstreamNanos += now - attemptStartNanos;
        svc.circuits().success(a.target.key());
        a.ended(svc.metrics());
    }

    /** What the request span keeps of an answer event: its finish reasons, and its text if captured. */
    private void traced(byte[] json, boolean completion) {
        ai.zumik.telemetry.FinishReasons.scan(json, finishReasons);
        if (spanContent == null) return;
        if (completion) spanContent.completion(json);
        else spanContent.chunk(json);
    }

    private void failed(AttemptRecord a, StreamEvent.Failed f, long now) {
        UpstreamFailure failure = f.failure();
        if (failure.failureClass() == FailureClass.AUTH && a.target.byokCredentialId() != null) failure = byokRejected(a.target, failure);
        FailureClass c = failure.failureClass();
        a.finishedAtMs = svc.clock().millis();
        a.httpStatus = failure.upstreamStatus();
        a.failureClass = c;
        if (f.usage() != null && f.usage().reported()) a.usage = f.usage();
        upstreamNanos += now - attemptStartNanos;
        call = null;
        a.ended(svc.metrics());
        String key = a.target.key();
        if (Outcomes.availability(c)) svc.circuits().failure(key);
        if (c == FailureClass.RATE_LIMITED && failure.retryAfterSeconds() != null) {
            svc.cooldowns().coolDown(key, failure.retryAfterSeconds());
        }
        if (c == FailureClass.AUTH) {
            LOG.warn("ALERT: {} refused Zumik's managed credential (path {}); moving on", a.target.model().provider(),
                    a.target.path());
        }
        if (state == State.COMMITTED) {
            if (sink.retract()) {
                // Nothing reached the client (the events were still buffered): drop this attempt's
                // partial answer and treat the break as an ordinary failure another target may fix.
                state = State.ATTEMPTING;
                firstEventNanos = -1;
                served = null;
                if (capture != null) capture.reset();
                failover(c == FailureClass.STREAM_INTERRUPTED
                        ? new UpstreamFailure(FailureClass.SERVER_ERROR, failure.upstreamStatus(), failure.message(), null,
                        failure.providerCode(), failure.retryAfterSeconds()) : failure);
                return;
            }
            // The client has bytes already: no failover, an honest in-band error instead.
            terminal(new StreamEvent.Failed(failure, f.usage()), 200, "failed", c == FailureClass.STREAM_IDLE_TIMEOUT ? ReasonCode.PROVIDER_TIMEOUT
                    : ReasonCode.STREAM_INTERRUPTED, c.code(), true);
            return;
        }
        failover(failure);
    }

    /**
     * The provider refused the project's own key: the customer's problem, said precisely, and never
     * retried on another account (the class is not retryable, so no failover and no bridge).
     */
    private static UpstreamFailure byokRejected(Target t, UpstreamFailure f) {
        return new UpstreamFailure(FailureClass.BYOK_CREDENTIAL_REJECTED, f.upstreamStatus(),
                t.model().provider().wireId() + " rejected the project's provider credential " + t.byokCredentialId()
                        + " (BYOK" + (f.upstreamStatus() > 0 ? ", HTTP " + f.upstreamStatus() : "") + "). Check the key and its "
                        + "account with the provider, then rotate it: POST /v2/provider-credentials/" + t.byokCredentialId()
                        + "/rotate. The request was not sent to any other account.", null, null, null);
    }

    private void failover(UpstreamFailure failure) {
        FailureClass c = failure.failureClass();
        boolean aliasMissingModel = c == FailureClass.NOT_FOUND && plan.release() != null;
        if (!c.retryable() && c != FailureClass.CONTEXT_LENGTH && !aliasMissingModel) {
            terminal(new StreamEvent.Failed(failure, Usage.UNREPORTED), c.httpStatus(), "failed", Outcomes.reason(c),
                    failureCode(failure), true);
            return;
        }
        int next = nextIndex(c);
        boolean sameTarget = false;
        if (next < 0 && sameTargetRetryHelps(failure) && !retriedSameTarget && plan.order().size() == 1 && !bridged) {
            next = orderIndex;
            sameTarget = true;
        }
        String cause = "after " + Outcomes.reason(c).wire() + " from " + current.target.model().provider().wireId()
                + "/" + current.target.model().model();
        if (next >= 0 && attempts.size() < MAX_ATTEMPTS && svc.budget().tryRetry(svc.clock().millis())) {
            int target = next;
            svc.metrics().failover(c.name().toLowerCase(java.util.Locale.ROOT));
            if (sameTarget) {
                retriedSameTarget = true;
                backoffTimer = svc.vertx().setTimer(SAME_TARGET_BACKOFF_MS, id -> {
                    backoffTimer = -1;
                    if (state == State.ATTEMPTING) attempt(target, "retry " + cause);
                });
            } else {
                attempt(target, "failover " + cause);
            }
            return;
        }
        exhausted(failure);
    }

    /**
     * Whether trying the same target again can help: a dropped connection, a 5xx or an overload
     * without Retry-After may be transient; a timeout would only double the wait, a refused key or
     * a rate limit would fail the same way, and a Retry-After is honoured, not ignored.
     */
    private static boolean sameTargetRetryHelps(UpstreamFailure f) {
        if (f.retryAfterSeconds() != null) return false;
        return switch (f.failureClass()) {
            case CONNECT, SERVER_ERROR, OVERLOADED, MALFORMED_RESPONSE -> true;
            default -> false;
        };
    }

    /**
     * The next target in the plan that may help with a failure of class {@code c}, or -1. The plan
     * already passed every target of its order through its circuit (taking the half-open probe
     * where there was one), so only a circuit that has opened since rules a target out here.
     */
    private int nextIndex(FailureClass c) {
        long window = contextWindow(current == null ? null : current.target);
        for (int i = orderIndex + 1; i < plan.order().size(); i++) {
            Target t = plan.order().get(i);
            if (svc.circuits().state(t.key()) == CircuitBreakers.State.OPEN
                    || svc.cooldowns().remainingSeconds(t.key()) > 0) continue;
            if (c == FailureClass.CONTEXT_LENGTH && contextWindow(t) <= window) continue;
            return i;
        }
        return -1;
    }

    private static long contextWindow(Target t) {
        return t == null || t.model().entry() == null ? 0 : t.model().entry().contextWindow();
    }

    /** Every primary path is used up: the OpenRouter bridge if policy allows, else the failure. */
    private void exhausted(UpstreamFailure failure) {
        Optional<Target> bridge = bridgeTarget(failure);
        if (bridge.isPresent()) {
            bridged = true;
            orderIndex = plan.order().size();
            svc.metrics().failover(failure.failureClass().name().toLowerCase(java.util.Locale.ROOT));
            ObjectNode details = Json.object();
            details.put("response_id", ctx.responseId());
            details.put("requested_model", plan.requestedModel());
            details.put("bridge_model", bridge.get().upstreamModel());
            details.put("primary_failure", Outcomes.reason(failure.failureClass()).wire());
            details.put("attempts_before_bridge", attempts.size());
            svc.audit().accept(new BrokerServices.AuditEvent(ctx.projectId(), "openrouter.fallback", details));
            start(bridge.get(), "openrouter bridge after " + Outcomes.reason(failure.failureClass()).wire());
            return;
        }
        FailureClass c = failure.failureClass();
        boolean allTried = attempts.size() > 1 || plan.order().size() > 1;
        ReasonCode reason = c == FailureClass.NO_ELIGIBLE_TARGET ? ReasonCode.NO_ELIGIBLE_TARGET
                : allTried && Outcomes.availability(c) ? ReasonCode.ALL_TARGETS_FAILED : Outcomes.reason(c);
        terminal(new StreamEvent.Failed(failure, Usage.UNREPORTED), c.httpStatus(), "failed", reason,
                failureCode(failure), true);
    }

    /**
     * The emergency bridge: only when enabled and configured, never for BYOK, only after a verified
     * availability failure of every primary target (attempted, or ruled out by an open circuit or
     * a provider's Retry-After), only for a model the bridge can serve, and only when the project's
     * data boundary and allowed zones let the request leave through OpenRouter.
     */
    private Optional<Target> bridgeTarget(UpstreamFailure failure) {
        if (bridged || plan.placeholder() || !plan.policy().openRouterAllowed()) return Optional.empty();
        FailureClass c = failure.failureClass();
        if (!Outcomes.availability(c) && c != FailureClass.NO_ELIGIBLE_TARGET) return Optional.empty();
        for (RoutePlan.Verdict v : plan.verdicts()) {
            if (v.profile() == ai.zumik.inference.ExecutionProfile.BYOK) return Optional.empty();
            // A compatible stand-in skipped for any reason (not configured, no adapter, cannot
            // honour the request) is no primary path the bridge would bypass.
            if (v.fallback() && !v.kept()) continue;
            boolean unavailable = v.kept() || v.why().unavailable();
            if (!unavailable) return Optional.empty();
        }
        for (AttemptRecord a : attempts) {
            if (a.failureClass == null || !Outcomes.availability(a.failureClass)) return Optional.empty();
        }
        if (attempts.size() < plan.order().size()) {
            // Targets left untried only because attempts or budget ran out are not verified failures.
            return Optional.empty();
        }
        return svc.targets().openRouter(plan.primary()).filter(t -> plan.policy().allows(t.zone()));
    }

    private void rejected(RequestRejected r) {
        int next = nextIndex(FailureClass.BAD_REQUEST);
        if (next >= 0) {
            svc.metrics().failover("bad_request");
            attempt(next, "failover after " + current.target.model().provider().wireId() + " could not express '"
                    + r.param() + "'");
            return;
        }
        terminal(new StreamEvent.Failed(new UpstreamFailure(FailureClass.BAD_REQUEST, 0, r.getMessage(), r.param(),
                r.code(), null), Usage.UNREPORTED), 400, "failed", ReasonCode.INVALID_REQUEST, r.code(), false);
    }

    private void deadline() {
        if (state == State.DONE || state == State.METERING) return;
        abortCurrent(FailureClass.DEADLINE_EXCEEDED);
        UpstreamFailure f = UpstreamFailure.of(FailureClass.DEADLINE_EXCEEDED, "The request's deadline of "
                + ctx.qos().deadlineMs() + " ms passed before it finished.");
        int status = state == State.COMMITTED ? 200 : 504;
        terminal(new StreamEvent.Failed(f, Usage.UNREPORTED), status, "expired_during_execution",
                ReasonCode.DEADLINE_EXCEEDED, f.failureClass().code(), false);
    }

    private void abortCurrent(FailureClass why) {
        if (backoffTimer >= 0) svc.vertx().cancelTimer(backoffTimer);
        if (call != null) call.cancel();
        call = null;
        if (current != null && current.finishedAtMs == null) {
            current.finishedAtMs = svc.clock().millis();
            current.failureClass = why;
            upstreamNanos += System.nanoTime() - attemptStartNanos;
            current.ended(svc.metrics());
        }
    }

    private ReasonCode successReason() {
        if (bridged) return ReasonCode.OPENROUTER_BRIDGE_USED;
        if (byocOverflow()) return ReasonCode.BYOC_OVERFLOW;
        if (fallbackUsed()) return ReasonCode.FALLBACK_SUCCEEDED;
        return "queued".equals(ctx.admission()) ? ReasonCode.QUEUED_FOR_CAPACITY : ReasonCode.OK;
    }

    private static String failureCode(UpstreamFailure f) {
        return f.failureClass() == FailureClass.BAD_REQUEST && f.providerCode() != null ? f.providerCode()
                : f.failureClass().code();
    }

    /**
     * Ends the response: builds its record (usage summed over attempts the providers processed,
     * decision, attempts, QoS outcome), makes it durable, then hands {@code event} to the surface.
     */
    private void terminal(StreamEvent event, int status, String completion, ReasonCode reason, String errorCode,
                          boolean chargeable) {
        try {
            record(event, status, completion, reason, errorCode, chargeable);
        } catch (RuntimeException bug) {
            // A bug while recording must still answer the client: the answer is withheld, as when the meter fails.
            LOG.error("recording response {} failed internally", ctx.responseId(), bug);
            if (state == State.DONE) return;
            state = State.DONE;
            onFinish.run();
            if (event != null) sink.onMeterFailure(served != null ? served : served(null));
        }
    }

    private void record(StreamEvent event, int status, String completion, ReasonCode reason, String errorCode,
                        boolean chargeable) {
        state = State.METERING;
        if (deadlineTimer >= 0) svc.vertx().cancelTimer(deadlineTimer);
        deadlineTimer = -1;
        long now = System.nanoTime();
        Usage usage = billedUsage();
        Target target = current == null ? null : current.target;
        // Billable: a real provider processed something it reported, and the caller is not exempt
        // (deadline misses and admission refusals never are charged).
        boolean charged = chargeable && target != null && target.mode() != ExecutionMode.PLACEHOLDER && usage.reported()
                && platformBilled();
        long latencyMs = (now - ctx.startNanos()) / 1_000_000;
        Long ttftMs = firstEventNanos < 0 ? null : (firstEventNanos - ctx.startNanos()) / 1_000_000;
        QosRequest q = ctx.qos();
        QosOutcome outcome = new QosOutcome(q.qosClass().wire(), ctx.admission(), completion,
                q.targetTtftMs() == null ? null : ttftMs != null && ttftMs <= q.targetTtftMs(),
                q.deadlineMs() == null ? null : latencyMs <= q.deadlineMs() && !"expired_during_execution".equals(completion),
                ttftMs, latencyMs, target != null && target.compatibleFallback(), fallbackUsed(), attempts.size(), reason);
        Long costNanos = charged ? cost() : Long.valueOf(0);
        if (ctx.permit() != null) ctx.permit().settle(usage.totalTokens(), costNanos);
        Served measured = served(outcome, costNanos);
        String outcomeWord = completion == null ? "failed" : switch (completion) {
            case "completed" -> "completed";
            case "cancelled" -> "cancelled";
            default -> "failed";
        };
        var ref = target != null ? target.model() : plan.primary();
        UsageEvent record = new UsageEvent(ctx.responseId(), ctx.traceId(), ctx.projectId(), ctx.keyId(), ctx.endpoint(),
                ctx.requestedModel(), ref.provider().wireId(), ref.model(),
                (target != null ? target.mode() : ExecutionMode.LIVE).wire(),
                (target != null ? target.profile() : ai.zumik.inference.ExecutionProfile.MANAGED_PROVIDER).wire(),
                ctx.stream(), status, outcomeWord, errorCode, usage.promptTokens(), usage.cachedTokens(),
                usage.cacheWriteTokens(), usage.completionTokens(), usage.reasoningTokens(), ttftMs, latencyMs,
                ctx.startMs(), ctx.surface(), plan.release() == null ? null : plan.release().id(),
                plan.template(), plan.ownJsonText(), AttemptRecord.toJsonText(attempts), outcome.toJsonText(),
                capture == null ? null : capture.text(), charged, costNanos, svc.prices().revision(), reuse(target, usage));
        svc.metrics().response(ref.provider().wireId(), ref.model(), status, reason.wire(), costNanos);
        if (ctx.span() != null) traceOutcome(ref, target, reason, usage, costNanos);
        Served finalServed = measured.withRecord(record);
        served = finalServed;
        if (event == null) {
            // Cancelled: nobody is listening; record and finish.
            state = State.DONE;
            svc.meter().record(record, null, null);
            onFinish.run();
            return;
        }
        svc.meter().record(record, sink.companion(event, record), svc.loop(), err -> {
            if (state != State.METERING) return;
            state = State.DONE;
            onFinish.run();
            if (err != null) sink.onMeterFailure(finalServed);
            else sink.onEvent(event, finalServed);
        });
    }

    private void traceOutcome(ai.zumik.catalog.ModelRef ref, Target target, ReasonCode reason, Usage usage, Long costNanos) {
        var span = ctx.span();
        span.requested(ctx.requestedModel(), ctx.responseId());
        span.outcome(ref.provider().wireId(), ref.model(),
                (target != null ? target.profile() : ai.zumik.inference.ExecutionProfile.MANAGED_PROVIDER).wire(),
                reason.wire(), fallbackUsed(), attempts.size(), usage.promptTokens(), usage.completionTokens(),
                usage.cachedTokens(), costNanos, finishReasons);
        if (spanContent != null) {
            var messages = ctx.prompt() == null ? null : ctx.prompt().body().get("messages");
            span.content(messages == null ? null : messages.toString(), spanContent.text());
        }
    }

    /** The answered prompt's reuse account, or null (no prompt, no provider answer, accounting off). */
    private ReuseAccount reuse(Target target, Usage usage) {
        if (!accountsReuse(target)) return null;
        return svc.reuse().settle(fingerprint(), usage.promptTokens(), usage.cachedTokens(),
                target.model().capabilities().promptCache(), target.profile().byoc(), svc.clock().millis());
    }

    private boolean accountsReuse(Target target) {
        return svc.reuse() != null && ctx.prompt() != null && target != null && target.mode() != ExecutionMode.PLACEHOLDER;
    }

    /**
     * The prompt's fingerprints, taken once: every attempt sends the same prompt. Null while the
     * replica does not hold the project's key yet, and then asked again when the answer is settled.
     */
    private PromptPrefix fingerprint() {
        if (prefix == null) {
            long t0 = System.nanoTime();
            prefix = svc.reuse().prefix(ctx.projectId(), ctx.prompt());
            if (prefix != null) svc.metrics().fingerprinted(System.nanoTime() - t0);
        }
        return prefix;
    }

    /**
     * What the attempts cost, each priced at its own target (a broken attempt's partial work on one
     * provider, the answer on another); null when usage was reported but no attempt could be priced.
     */
    private Long cost() {
        long total = 0;
        boolean priced = false;
        for (AttemptRecord a : attempts) {
            if (!a.usage.reported() || a.target.mode() == ExecutionMode.PLACEHOLDER) continue;
            var c = svc.prices().costNanos(a.target.profile(), a.target.model().provider().wireId(), a.target.model().model(),
                    a.usage, ctx.tier());
            if (c.isPresent()) {
                total += c.getAsLong();
                priced = true;
            }
        }
        return priced ? total : null;
    }

    /**
     * Whether any attempt's reported usage is on the platform's bill: BYOK tokens are billed to the
     * customer by the provider, so a response served only on the project's own keys is not charged.
     */
    private boolean platformBilled() {
        for (AttemptRecord a : attempts) {
            if (a.usage.reported() && a.target.profile() != ai.zumik.inference.ExecutionProfile.BYOK) return true;
        }
        return false;
    }

    /** Usage the providers reported across attempts: the served one plus partial work of broken ones. */
    private Usage billedUsage() {
        Long prompt = null;
        Long completion = null;
        Long cached = null;
        Long writes = null;
        Long reasoning = null;
        for (AttemptRecord a : attempts) {
            Usage u = a.usage;
            prompt = add(prompt, u.promptTokens());
            completion = add(completion, u.completionTokens());
            cached = add(cached, u.cachedTokens());
            writes = add(writes, u.cacheWriteTokens());
            reasoning = add(reasoning, u.reasoningTokens());
        }
        return new Usage(prompt, completion, cached, writes, reasoning);
    }

    private static Long add(Long a, Long b) {
        if (a == null) return b;
        if (b == null) return a;
        return a + b;
    }

    /**
     * Hybrid overflow: a BYOC cluster owns this request's path, but a managed target served it
     * because the cluster was down, saturated, too slow for the deadline, or failed the attempt.
     */
    private boolean byocOverflow() {
        if (current == null || current.target.profile().byoc()) return false;
        for (RoutePlan.Verdict v : plan.verdicts()) if (v.clusterOverflow()) return true;
        for (AttemptRecord a : attempts) if (a.target.profile().byoc()) return true;
        return false;
    }

    private boolean fallbackUsed() {
        return bridged || orderIndex > 0 || current != null && current.target.compatibleFallback();
    }

    private Served served(QosOutcome outcome) {
        return served(outcome, null);
    }

    private Served served(QosOutcome outcome, Long costNanos) {
        Target t = current == null ? null : current.target;
        var ref = t != null ? t.model() : plan.primary();
        String responseModel = t != null && t.compatibleFallback() ? t.model().model() : ctx.requestedModel();
        long ttft = firstEventNanos < 0 ? -1 : firstEventNanos - ctx.startNanos();
        Integer target = ctx.qos().targetTtftMs();
        Boolean targetMet = target == null || ttft < 0 ? null : ttft / 1_000_000 <= target;
        return new Served(ref.provider(), ref.model(), responseModel, t != null ? t.mode() : ExecutionMode.LIVE,
                t != null ? t.profile() : ai.zumik.inference.ExecutionProfile.MANAGED_PROVIDER, attempts.size(),
                fallbackUsed(), t != null && t.compatibleFallback(), plan.release() == null ? null : plan.release().id(),
                ctx.qos().qosClass().wire(), ctx.admission(), targetMet,
                outcome != null ? outcome.reasonCode() : successReason(), ttft, outcome != null ? upstreamNanos : -1, outcome,
                ctx.permit() != null ? ctx.permit().headers() : refusalHeaders, costNanos,
                t != null && t.speaksResponses() && ctx.endpoint().equals(RESPONSES_ENDPOINT), null,
                t != null ? t.byokCredentialId() : null);
    }
}
