package ai.zumik.byoc;

import java.util.List;
import java.util.Optional;

/**
 * What routing asks about BYOC clusters, answered from memory without I/O (safe on an event loop).
 *
 * <p><b>Staleness bound.</b> Each replica reloads every cluster, heartbeat and active activation
 * from the database every {@link ClusterRegistry#REFRESH_MS} ms in the background, and at once
 * after its own writes (register, heartbeat, activation, deactivation, delete). So a change made
 * through another replica is seen here within {@code REFRESH_MS} plus one reload (the reload's
 * query time; under a second on a healthy database), and a change made here is seen here before
 * the request that made it is answered. Rotation itself is judged at each call by the clock: a
 * cluster leaves rotation the moment its last known heartbeat is older than
 * {@code ZUMIK_BYOC_HEARTBEAT_TIMEOUT_MS}, with no sweeper and no lag; a replica that has not yet
 * reloaded a newer heartbeat received elsewhere may take a cluster out up to one refresh early.
 * Heartbeat times are stamped by the receiving replica's clock and compared with the reader's, so
 * clock skew between replicas adds to the bound (keep them NTP-synced).
 */
public interface ClusterDirectory {

    /**
     * The project's clusters that are in rotation now and hold an active activation for
     * {@code modelPath} (and, when their last heartbeat lists models, list it), lowest load first
     * then by id. Empty when none: routing sends the request to managed providers.
     */
    List<LiveCluster> activeFor(String projectId, String modelPath);

    /** One of the project's clusters as this replica knows it, in rotation or not; empty for another project's. */
    Optional<LiveCluster> byId(String projectId, String clusterId);
}
