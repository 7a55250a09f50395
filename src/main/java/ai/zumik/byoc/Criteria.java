package ai.zumik.byoc;

import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What a replay report must show for a cluster to be activated. Each threshold may be null: that
 * criterion is not applied (and the activation records that it was skipped).
 *
 * @param maxCostRatio candidate cost over baseline cost at most this (platform cost: a BYOC
 *     cluster's tokens are 0, so this holds whenever the baseline's traces were all priced)
 * @param maxP95LatencyRatio candidate p95 latency over baseline p95 latency at most this; an
 *     unknown latency on either side fails it
 * @param minQosAttainmentDelta candidate QoS attainment minus baseline's at least this; no
 *     deadline in the traces (attainment unknown) fails it
 */
public record Criteria(Double maxCostRatio, Double maxP95LatencyRatio, Double minQosAttainmentDelta) {
    /** No dearer, p95 no more than 10 % slower, QoS kept at least as often. */
    public static final Criteria DEFAULT = new Criteria(1.0, 1.1, 0.0);

    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("max_cost_ratio", maxCostRatio);
        o.put("max_p95_latency_ratio", maxP95LatencyRatio);
        o.put("min_qos_attainment_delta", minQosAttainmentDelta);
        return o;
    }
}
