package ai.zumik.surface;

import ai.zumik.broker.ExecutionBroker;
import ai.zumik.http.ApiError;
import ai.zumik.http.Exchange;
import ai.zumik.qos.AgentHints;
import ai.zumik.broker.ExecutionContext;
import ai.zumik.qos.QosRequest;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What both surfaces do around the broker: honour {@code Agent-Idempotency-Key}, find the
 * request's QoS (from the body on /v2, from {@code Agent-Hints-Ref} or {@code Agent-Hints} on /v1),
 * hand the request to the broker, and turn a refusal into the right error.
 */
public final class InferenceFront {
    public static final String HINTS = "Agent-Hints";
    public static final String HINTS_REF = "Agent-Hints-Ref";

    private final AgentHints hints;
    private final Idempotency idempotency;

    public InferenceFront(AgentHints hints, Idempotency idempotency) {
        this.hints = hints;
        this.idempotency = idempotency;
    }

    /** Runs {@code proceed} unless an {@code Agent-Idempotency-Key} says to replay or refuse (see {@link Idempotency}). */
    public void idempotent(Exchange ex, io.vertx.core.buffer.Buffer body, Runnable proceed) {
        idempotency.guard(ex, body, proceed);
    }

    /**
     * Resolves the QoS hinted in headers and continues with it on the event loop: a stored hints
     * reference wins (looked up off the loop when not cached; another project's id is ignored),
     * then the inline header; malformed hints are ignored.
     */
    public void hintedQos(Exchange ex, Consumer<QosRequest> then) {
        String ref = ex.request().getHeader(HINTS_REF);
        if (ref != null && !ref.isBlank()) {
            String project = ex.principal().projectId();
            Optional<ObjectNode> cached = hints.cached(project, ref.trim());
            if (cached != null && cached.isPresent()) {
                then.accept(AgentHints.qos(cached));
                return;
            }
            if (cached == null) {
                ex.offload(() -> hints.load(project, ref.trim()), found -> then.accept(found.isPresent()
                        ? AgentHints.qos(found) : AgentHints.qos(AgentHints.decodeHeader(ex.request().getHeader(HINTS)))));
                return;
            }
        }
        then.accept(AgentHints.qos(AgentHints.decodeHeader(ex.request().getHeader(HINTS))));
    }

    /**
     * Answers a broker refusal once its record is stored: the error envelope, plus the QoS headers
     * of a rejected request ({@code Agent-QoS-Admission: rejected}, {@code Agent-Attempts: 0}, the
     * reason code).
     */
    public static void refuse(Exchange ex, ExecutionBroker broker, ExecutionContext ctx, ExecutionBroker.Refusal r) {
        broker.recordRefusal(ctx, r, () -> {
            AgentHeaders.refused(ex.response(), ctx.qos().qosClass().wire(), r.reason(),
                    r.plan() == null || r.plan().release() == null ? null : r.plan().release().id());
            ex.sendError(error(r));
        });
    }

    /** The error a client gets for a broker refusal (the batch runner writes the same into its output). */
    public static ApiError error(ExecutionBroker.Refusal r) {
        return new ApiError(r.status(), "invalid_request_error", r.code(), r.param(), r.message(), null);
    }
}
