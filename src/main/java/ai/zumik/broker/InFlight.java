package ai.zumik.broker;

import io.vertx.core.Context;
import java.util.concurrent.ConcurrentHashMap;

/** Responses currently queued or running, by id, so any event loop can cancel one. */
public final class InFlight {
    private record Entry(String projectId, Context context, ExecutionBroker.Handle handle) {}

    private final ConcurrentHashMap<String, Entry> byId = new ConcurrentHashMap<>();

    void add(String responseId, String projectId, Context context, ExecutionBroker.Handle handle) {
        byId.put(responseId, new Entry(projectId, context, handle));
    }

    void remove(String responseId) {
        byId.remove(responseId);
    }

    /** Cancels a response of {@code projectId} that is still in flight; false when there is none. */
    public boolean cancel(String projectId, String responseId) {
        Entry e = byId.get(responseId);
        if (e == null || !e.projectId().equals(projectId)) return false;
        e.context().runOnContext(v -> e.handle().cancelByRequest());
        return true;
    }

    /** Ends every response still in flight as cut by the shutdown (see {@link Execution#shutdown}). */
    public void shutdownAll() {
        for (Entry e : byId.values()) e.context().runOnContext(v -> e.handle().shutdown());
    }

    public int size() {
        return byId.size();
    }
}
