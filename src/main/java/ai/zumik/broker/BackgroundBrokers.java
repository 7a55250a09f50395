package ai.zumik.broker;

import io.vertx.core.Context;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The per-loop brokers, for work that arrives without an HTTP exchange (a batch's lines): each
 * task runs on one event loop's own broker, the loops taken in turn, so background work goes
 * through exactly the path live requests take (governance, QoS admission, failover, metering)
 * and spreads over the loops. The composition root registers each loop's broker as it builds it.
 */
public final class BackgroundBrokers {
    private record Loop(Context context, ExecutionBroker broker) {}

    private final List<Loop> loops = new CopyOnWriteArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    public void add(Context context, ExecutionBroker broker) {
        loops.add(new Loop(context, broker));
    }

    /** Runs {@code task} with the next loop's broker, on that loop; false when no loop is registered. */
    public boolean run(Consumer<ExecutionBroker> task) {
        if (loops.isEmpty()) return false;
        Loop l = loops.get(Math.floorMod(next.getAndIncrement(), loops.size()));
        l.context().runOnContext(v -> task.accept(l.broker()));
        return true;
    }
}
