package ai.zumik.broker;

import ai.zumik.catalog.ModelRef;
import ai.zumik.config.ZumikConfig;
import ai.zumik.inference.ChatRequest;
import ai.zumik.inference.EmbeddingRequest;
import ai.zumik.inference.RequestRejected;
import ai.zumik.metering.UsageMeter;
import ai.zumik.provider.ChatCall;
import ai.zumik.provider.EmbeddingCall;
import io.vertx.core.Context;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * The one owner of every upstream attempt. Given a resolved model it picks the target (profile,
 * adapter, mode), runs the attempt under the response's id, meters the result and hands the
 * events to the surface. Surfaces never talk to providers directly.
 */
public final class ExecutionBroker {
    private final ZumikConfig config;
    private final Targets targets;
    private final UsageMeter meter;
    /** One executor per event loop, so the meter can wake this loop once per commit. */
    private final Executor loop;

    /** {@code context} is the event loop this broker (and every execution it starts) lives on. */
    public ExecutionBroker(ZumikConfig config, Targets targets, UsageMeter meter, Context context) {
        this.config = config;
        this.targets = targets;
        this.meter = meter;
        this.loop = task -> context.runOnContext(v -> task.run());
    }

    /** Why a request cannot run at all (answered before anything is sent upstream). */
    public sealed interface Refusal {
        record ProviderUnavailable(String provider) implements Refusal {}

        /** The target cannot honour the request as asked; {@code rejection} names the parameter. */
        record Invalid(RequestRejected rejection) implements Refusal {}
    }

    /** Starts a chat execution, or explains why none can start. */
    public Result chat(ExecutionContext ctx, ChatRequest request, ModelRef model, ResponseSink sink) {
        Optional<Target> target = target(model);
        if (target.isEmpty()) return new Result(null, new Refusal.ProviderUnavailable(model.provider().wireId()));
        Target t = target.get();
        try {
            CapabilityCheck.chat(request, model.capabilities(), model.provider().wireId());
            Execution e = new Execution(ctx, t, sink, meter, loop);
            e.start(events -> t.adapter().chat(new ChatCall(request, model, t.upstreamModel(), config.timeouts()), events));
            return new Result(e, null);
        } catch (RequestRejected r) {
            return new Result(null, new Refusal.Invalid(r));
        }
    }

    public Result embeddings(ExecutionContext ctx, EmbeddingRequest request, ModelRef model, ResponseSink sink) {
        Optional<Target> target = target(model);
        if (target.isEmpty()) return new Result(null, new Refusal.ProviderUnavailable(model.provider().wireId()));
        Target t = target.get();
        Integer dims = model.entry() == null ? null : model.entry().dimensions();
        if (!model.capabilities().embeddings()) {
            return new Result(null, new Refusal.Invalid(RequestRejected.unsupported("model", model.provider().wireId(),
                    "it has no embeddings API")));
        }
        try {
            Execution e = new Execution(ctx, t, sink, meter, loop);
            e.start(events -> t.adapter().embeddings(
                    new EmbeddingCall(request, t.upstreamModel(), dims, config.timeouts()), events));
            return new Result(e, null);
        } catch (RequestRejected r) {
            return new Result(null, new Refusal.Invalid(r));
        }
    }

    private Optional<Target> target(ModelRef model) {
        return targets.managed(model, config.provider(model.provider()).configured());
    }

    /** Either a running execution or a refusal. */
    public record Result(Execution execution, Refusal refusal) {}
}
