package ai.zumik.broker;

import ai.zumik.catalog.CatalogModel;
import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.EmbeddingRequest;
import ai.zumik.inference.ExecutionMode;
import ai.zumik.inference.ExecutionProfile;
import ai.zumik.inference.FailureClass;
import ai.zumik.inference.RequestRejected;
import ai.zumik.inference.ResponsesWork;
import ai.zumik.inference.StreamEvent;
import ai.zumik.inference.Usage;
import ai.zumik.limits.Governor;
import ai.zumik.limits.Permit;
import ai.zumik.pricing.Tier;
import ai.zumik.provider.ProviderId;
import ai.zumik.provider.ChatCall;
import ai.zumik.provider.EmbeddingCall;
import ai.zumik.provider.UpstreamCall;
import ai.zumik.metering.UsageEvent;
import ai.zumik.qos.AdmissionController;
import ai.zumik.qos.QosOutcome;
import ai.zumik.qos.QosRequest;
import ai.zumik.qos.ReasonCode;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The one owner of every upstream attempt. For each logical response it plans the route (alias
 * release or concrete model, candidates with verdicts, seeded order), checks the deadline is
 * plausible, asks QoS admission for a slot, then runs the {@link Execution}: attempts, failover,
 * deadline, metering, and events to the surface. Surfaces never talk to providers directly. One
 * broker per event loop; the health state it consults (circuits, cool-downs, retry budget) and
 * admission are shared by all of them.
 */
public final class ExecutionBroker {
    private final RoutePlanner planner;
    private final BrokerServices svc;
    private final AdmissionController admission;

    public ExecutionBroker(RoutePlanner planner, BrokerServices svc, AdmissionController admission) {
        this.planner = planner;
        this.svc = svc;
        this.admission = admission;
    }

    /**
     * Why a request cannot run at all, decided before anything is queued or sent: the HTTP status,
     * error code, parameter and message the client gets, and the reason code of its QoS outcome.
     *
     * @param plan the routing decision that led here, or null when there was none (unknown model)
     */
    public record Refusal(int status, String code, String param, String message, ReasonCode reason, RoutePlan plan) {
        static Refusal modelNotFound(String model) {
            return new Refusal(404, "model_not_found", "model", "The model '" + model + "' does not exist.",
                    ReasonCode.MODEL_NOT_FOUND, null);
        }

        /** No target can honour the request as asked; the rejection names the parameter. */
        static Refusal invalid(RequestRejected r, ReasonCode reason, RoutePlan plan) {
            return new Refusal(400, r.code(), r.param(), r.getMessage(), reason, plan);
        }

        /** The project's regional policy rules out every target that could serve. */
        static Refusal regionNotAllowed(String message) {
            return new Refusal(403, ReasonCode.REGION_NOT_ALLOWED.wire(), "model", message, ReasonCode.REGION_NOT_ALLOWED, null);
        }
    }

    /** A response that was accepted: being checked against its limits, waiting for admission, or running. */
    public static final class Handle {
        /** How a response ended before it had an execution to end (while its limits were checked in Redis). */
        private enum EarlyEnd { CLIENT_LEFT, BY_REQUEST, SHUTDOWN }

        private AdmissionController.Waiting waiting;
        private Execution execution;
        private boolean cancelled;
        private EarlyEnd earlyEnd;
        private RoutePlan plan;
        /** Leaves the in-flight table and returns an execution that only records the response. */
        private java.util.function.Supplier<Execution> recorderWhileWaiting;

        /** The client left: leave the queue (and record that), or abort the running execution. */
        public void cancel() {
            end(EarlyEnd.CLIENT_LEFT);
        }

        /** Cancelled through the API: the client is still waiting and is told. */
        public void cancelByRequest() {
            end(EarlyEnd.BY_REQUEST);
        }

        /** The shutdown grace ran out: a running response ends as cut by the gateway; a queued one is refused. */
        void shutdown() {
            end(EarlyEnd.SHUTDOWN);
        }

        private void end(EarlyEnd how) {
            if (cancelled) return;
            cancelled = true;
            if (execution != null) {
                end(execution, how);
            } else if (waiting != null) {
                waiting.cancel();
                end(recorderWhileWaiting.get(), how);
            } else {
                earlyEnd = how; // governance has not answered yet; its callback ends the response
            }
        }

        /** Governance answered after the response was ended: record the end as it happened. */
        private void endedEarly() {
            end(recorderWhileWaiting.get(), earlyEnd);
        }

        private static void end(Execution e, EarlyEnd how) {
            switch (how) {
                case CLIENT_LEFT -> e.cancel();
                case BY_REQUEST -> e.cancelByRequest();
                case SHUTDOWN -> e.shutdown();
            }
        }

        public void pause() {
            if (execution != null) execution.pause();
        }

        public void resume() {
            if (execution != null) execution.resume();
        }

        public RoutePlan plan() {
            return plan;
        }
    }

    /** Either an accepted response or a refusal. */
    public record Result(Handle handle, Refusal refusal) {}

    public Result chat(ExecutionContext ctx, ChatRequest request, ResponseSink sink) {
        RoutePlan plan;
        try {
            plan = planner.plan(ctx.projectId(), ctx.responseId(), request.model(), CatalogModel.Kind.CHAT,
                    ctx.qos().allowCompatibleFallback(),
                    ref -> CapabilityCheck.chat(request, ref.capabilities(), ref.provider().wireId()), ctx.qos().deadlineMs());
        } catch (RoutePlanner.ModelNotFound | RoutePlanner.RegionNotAllowed | RequestRejected e) {
            return refused(request.model(), e);
        }
        if (ctx.qos().qosClass().latencyTolerant() && !request.body().has("service_tier")) {
            // Background and batch work may take a provider's cheaper, slower lane where one exists.
            plan.order().stream().filter(t -> t.model().capabilities().serviceTiers().contains("flex")).findFirst()
                    .ifPresent(t -> request.body().put("service_tier", "flex"));
        }
        ExecutionContext priced = chatContext(ctx, request);
        return submit(priced, plan, sink, (t, events) -> t.adapter().chat(
                new ChatCall(request, t.model(), t.upstreamModel(), timeouts(ctx, t, request.stream())), events),
                chatAsk(plan, request, priced));
    }

    /**
     * The context a chat request runs in: priced in the tier its {@code service_tier} asks for (or
     * the batch discount), carrying its prompt for reuse accounting. One copy of the context.
     */
    private static ExecutionContext chatContext(ExecutionContext ctx, ChatRequest request) {
        var tier = request.body().get("service_tier");
        return ctx.forChat(Tier.of(tier != null && tier.isTextual() ? tier.textValue() : null, ctx.batchApi()), request);
    }

    /** What governance needs of a chat request: its token estimate and what that would cost. */
    private Governor.Ask chatAsk(RoutePlan plan, ChatRequest request, ExecutionContext priced) {
        return new Governor.Ask() {
            @Override
            public Governor.Estimate estimate(boolean exact) {
                return new Governor.Estimate(svc.tokens().prompt(request, exact ? firstProvider(plan) : null),
                        svc.tokens().output(request));
            }

            @Override
            public long costNanos(Governor.Estimate e) {
                return price(plan, new Usage(e.promptTokens(), e.outputTokens(), null, null, null), priced.tier());
            }
        };
    }

    /**
     * An OpenAI Responses API request: targets that speak it natively (OpenAI) receive the native
     * body, every other target the canonical chat request, with the same planning, governance,
     * admission, failover and metering as chat. A target that cannot carry what the request asks
     * (a hosted tool, say) is ruled out with the client's parameter named.
     */
    public Result responses(ExecutionContext ctx, ResponsesWork work, ResponseSink sink) {
        ChatRequest request = work.chat();
        RoutePlan plan;
        try {
            plan = planner.plan(ctx.projectId(), ctx.responseId(), request.model(), CatalogModel.Kind.CHAT,
                    ctx.qos().allowCompatibleFallback(), ref -> {
                        if (svc.targets().speaksResponses(ref)) return; // the provider validates its own API
                        if (work.untranslatable() != null) throw work.untranslatable();
                        try {
                            CapabilityCheck.chat(request, ref.capabilities(), ref.provider().wireId());
                        } catch (RequestRejected r) {
                            throw inClientTerms(r, work);
                        }
                    }, ctx.qos().deadlineMs());
        } catch (RoutePlanner.ModelNotFound | RoutePlanner.RegionNotAllowed | RequestRejected e) {
            return refused(request.model(), e);
        }
        ExecutionContext priced = chatContext(ctx, request);
        return submit(priced, plan, sink, (t, events) -> {
            if (t.speaksResponses()) {
                return t.adapter().responses(new ai.zumik.provider.ResponsesCall(work.nativeBody(), request.stream(),
                        t.upstreamModel(), timeouts(ctx, t, request.stream())), events);
            }
            if (work.untranslatable() != null) throw work.untranslatable();
            return t.adapter().chat(new ChatCall(request, t.model(), t.upstreamModel(), timeouts(ctx, t, request.stream())), events);
        }, chatAsk(plan, request, priced));
    }

    private static RequestRejected inClientTerms(RequestRejected r, ResponsesWork work) {
        String param = work.surfaceParam().apply(r.param());
        return param.equals(r.param()) ? r : new RequestRejected(param, r.code(), r.getMessage().replace(r.param(), param));
    }

    /** An attempt's timeouts: what is left of the response's total, and the target's own limit (non-stream). */
    private ai.zumik.config.ZumikConfig.Timeouts timeouts(ExecutionContext ctx, Target t, boolean stream) {
        return svc.config().timeouts().forAttempt(java.time.Duration.ofNanos(System.nanoTime() - ctx.startNanos()), stream,
                t.model().capabilities().reasoning(), t.attemptTimeoutMs());
    }

    /** The provider of the target tried first: the one whose tokenizer and prices the estimate uses. */
    private static ProviderId firstProvider(RoutePlan plan) {
        return plan.order().isEmpty() ? plan.primary().provider() : plan.order().getFirst().model().provider();
    }

    /** What {@code usage} would cost on the plan's first target; 0 for placeholder answers or unpriced models. */
    private long price(RoutePlan plan, Usage usage, Tier tier) {
        if (plan.order().isEmpty()) return 0;
        Target t = plan.order().getFirst();
        if (t.mode() == ExecutionMode.PLACEHOLDER) return 0;
        return svc.prices().costNanos(t.profile(), t.model().provider().wireId(), t.model().model(), usage, tier).orElse(0);
    }

    private static Result refused(String model, RuntimeException e) {
        return new Result(null, switch (e) {
            case RoutePlanner.ModelNotFound m -> Refusal.modelNotFound(model);
            case RoutePlanner.RegionNotAllowed r -> Refusal.regionNotAllowed(r.getMessage());
            case RequestRejected r -> Refusal.invalid(r, ReasonCode.INVALID_REQUEST, null);
            default -> throw e;
        });
    }

    public Result embeddings(ExecutionContext ctx, EmbeddingRequest request, ResponseSink sink) {
        RoutePlan plan;
        try {
            plan = planner.plan(ctx.projectId(), ctx.responseId(), request.model(), CatalogModel.Kind.EMBEDDING, false,
                    ref -> {
                        if (!ref.capabilities().embeddings()) {
                            throw RequestRejected.unsupported("model", ref.provider().wireId(), "it has no embeddings API");
                        }
                        Integer dims = ref.entry() == null ? null : ref.entry().dimensions();
                        if (request.dimensions() != null && dims != null && request.dimensions() > dims) {
                            throw new RequestRejected("dimensions", "invalid_value", "Invalid 'dimensions': " + request.model()
                                    + " produces at most " + dims + " dimensions, but " + request.dimensions() + " were requested.");
                        }
                    });
        } catch (RoutePlanner.ModelNotFound | RoutePlanner.RegionNotAllowed | RequestRejected e) {
            return refused(request.model(), e);
        }
        return submit(ctx, plan, sink, (t, events) -> t.adapter().embeddings(new EmbeddingCall(request, t.upstreamModel(),
                t.model().entry() == null ? null : t.model().entry().dimensions(), timeouts(ctx, t, false)), events),
                new Governor.Ask() {
                    @Override
                    public Governor.Estimate estimate(boolean exact) {
                        return new Governor.Estimate(svc.tokens().embeddings(request, exact ? firstProvider(plan) : null), 0);
                    }

                    @Override
                    public long costNanos(Governor.Estimate e) {
                        return price(plan, new Usage(e.promptTokens(), 0L, null, null, null), ctx.tier());
                    }
                });
    }

    /**
     * Runs a planned request: deadline plausibility, then governance (limits, budgets, credit), then
     * QoS admission, then the execution. A refusal at any step is recorded like a response.
     */
    private Result submit(ExecutionContext ctx, RoutePlan plan, ResponseSink sink,
                          BiFunction<Target, Consumer<StreamEvent>, UpstreamCall> dispatch, Governor.Ask ask) {
        Integer deadline = ctx.qos().deadlineMs();
        if (deadline != null && !plan.order().isEmpty()) {
            Target first = plan.order().getFirst();
            int plausible = first.mode() == ExecutionMode.PLACEHOLDER ? 0 : first.model().capabilities().plausibleTtftMs();
            if (deadline < plausible) {
                return new Result(null, Refusal.invalid(new RequestRejected("qos.deadline_ms",
                        ReasonCode.CUSTOMER_DEADLINE_TOO_SHORT.wire(), "The deadline of " + deadline + " ms is shorter than "
                        + first.model().provider().wireId() + " can plausibly start (about " + plausible + " ms)."),
                        ReasonCode.CUSTOMER_DEADLINE_TOO_SHORT, plan));
            }
        }
        svc.budget().deposit();
        Handle handle = new Handle();
        handle.plan = plan;
        svc.inFlight().add(ctx.responseId(), ctx.projectId(), svc.context(), handle);
        handle.recorderWhileWaiting = () -> {
            svc.inFlight().remove(ctx.responseId());
            return new Execution(withAdmission(ctx, "queued"), plan, dispatch, sink, svc, () -> { });
        };
        svc.governor().admit(ctx.principal(), ask, svc.loop(), admission -> {
            switch (admission) {
                case ai.zumik.limits.Refusal r -> {
                    svc.inFlight().remove(ctx.responseId());
                    handle.execution = new Execution(withAdmission(ctx, "rejected"), plan, dispatch, sink, svc, () -> { });
                    handle.execution.refuse(r);
                }
                case Permit p -> {
                    ExecutionContext permitted = ctx.withPermit(p);
                    handle.recorderWhileWaiting = () -> {
                        svc.inFlight().remove(ctx.responseId());
                        return new Execution(withAdmission(permitted, "queued"), plan, dispatch, sink, svc, () -> { });
                    };
                    if (handle.cancelled) {
                        // Ended while the limits were being checked (in Redis): record that, releasing the hold.
                        handle.endedEarly();
                        return;
                    }
                    queue(permitted, plan, sink, dispatch, handle);
                }
            }
        });
        return new Result(handle, null);
    }

    /** QoS admission: run now, queue by class and priority, or refuse; then the execution. */
    private void queue(ExecutionContext ctx, RoutePlan plan, ResponseSink sink,
                       BiFunction<Target, Consumer<StreamEvent>, UpstreamCall> dispatch, Handle handle) {
        Integer deadline = ctx.qos().deadlineMs();
        long deadlineAt = deadline == null ? -1 : ctx.startNanos() + deadline * 1_000_000L;
        handle.waiting = admission.admit(ctx.qos(), deadlineAt, svc.loop(), this::timer, new AdmissionController.Listener() {
            @Override
            public void granted(boolean queued, Runnable release) {
                if (handle.cancelled) {
                    release.run();
                    svc.inFlight().remove(ctx.responseId());
                    return;
                }
                ExecutionContext admitted = withAdmission(ctx, queued ? "queued" : "admitted");
                handle.execution = new Execution(admitted, plan, dispatch, sink, svc, () -> {
                    release.run();
                    svc.inFlight().remove(ctx.responseId());
                });
                handle.execution.start();
            }

            @Override
            public void refused(ReasonCode reason) {
                svc.inFlight().remove(ctx.responseId());
                if (handle.cancelled) return;
                FailureClass c = switch (reason) {
                    case QUEUE_FULL -> FailureClass.QUEUE_FULL;
                    case EXPIRED_BEFORE_START -> FailureClass.EXPIRED_BEFORE_START;
                    default -> FailureClass.QUEUE_TIMEOUT;
                };
                String admission = reason == ReasonCode.EXPIRED_BEFORE_START ? "expired_before_start" : "rejected";
                handle.execution = new Execution(withAdmission(ctx, admission), plan, dispatch, sink, svc, () -> { });
                handle.execution.refuse(c, reason);
            }
        });
    }

    /**
     * Stores the record of a refused request (no attempts, not charged, admission {@code rejected},
     * the refusal's reason code), then runs {@code then} on this loop, so the response id a refusal
     * carries always leads to its record.
     */
    public void recordRefusal(ExecutionContext ctx, Refusal r, Runnable then) {
        long latencyMs = (System.nanoTime() - ctx.startNanos()) / 1_000_000;
        QosRequest q = ctx.qos();
        QosOutcome outcome = new QosOutcome(q.qosClass().wire(), "rejected", null, null,
                q.deadlineMs() == null ? null : false, null, latencyMs, false, false, 0, r.reason());
        RoutePlan plan = r.plan();
        var primary = plan == null ? null : plan.primary();
        UsageEvent record = new UsageEvent(ctx.responseId(), ctx.traceId(), ctx.projectId(), ctx.keyId(), ctx.endpoint(),
                ctx.requestedModel(), primary == null ? null : primary.provider().wireId(),
                primary == null ? null : primary.model(), ExecutionMode.LIVE.wire(), ExecutionProfile.MANAGED_PROVIDER.wire(),
                ctx.stream(), r.status(), "failed", r.code(), null, null, null, null, null, null, latencyMs, ctx.startMs(),
                ctx.surface(), plan == null || plan.release() == null ? null : plan.release().id(),
                plan == null ? null : plan.template(), plan == null ? null : plan.ownJsonText(), "[]",
                outcome.toJsonText(), null, false, 0L, svc.prices().revision(), null);
        if (ctx.span() != null) {
            ctx.span().requested(ctx.requestedModel(), ctx.responseId());
            ctx.span().outcome(record.provider(), record.model(), record.executionProfile(), r.reason().wire(), false, 0,
                    null, null, null, null, null);
        }
        svc.meter().record(record, svc.loop(), err -> then.run());
    }

    private Runnable timer(long delayMs, Runnable action) {
        long id = svc.vertx().setTimer(delayMs, t -> action.run());
        return () -> svc.vertx().cancelTimer(id);
    }

    private static ExecutionContext withAdmission(ExecutionContext c, String admission) {
        return c.withAdmission(admission);
    }
}
