package ai.zumik.broker;

import ai.zumik.limits.Governor;
import ai.zumik.limits.TokenEstimator;
import ai.zumik.pricing.PriceTable;
import ai.zumik.config.ZumikConfig;
import ai.zumik.metering.UsageMeter;
import ai.zumik.reuse.ReuseLedger;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * What every execution on one event loop shares: the meter and the loop's executor for its
 * callbacks, timers, the cross-loop health state (circuits, cool-downs, retry budget), limits
 * from the configuration, and where audit events go.
 *
 * @param audit records an audit event (type, project, details JSON); must not block the caller
 * @param context the event loop this broker's executions live on
 * @param governor rate limits, budgets and credit, checked before a request runs
 * @param prices what usage costs; every usage event is priced with it
 * @param tokens estimates what a request will use, before it runs
 * @param reuse settles each answered prompt's reuse account (null: reuse accounting is off)
 * @param metrics counts attempts, failovers, rejections, cost and errors by provider and model
 */
public record BrokerServices(ZumikConfig config, UsageMeter meter, Executor loop, Vertx vertx, Clock clock,
                             CircuitBreakers circuits, Cooldowns cooldowns, RetryBudget budget, Targets targets,
                             Consumer<AuditEvent> audit, InFlight inFlight, io.vertx.core.Context context,
                             Governor governor, PriceTable prices, TokenEstimator tokens, ReuseLedger reuse,
                             ai.zumik.telemetry.InferenceMetrics metrics) {

    /** An event for the audit log. */
    public record AuditEvent(String projectId, String type, com.fasterxml.jackson.databind.node.ObjectNode details) {}
}
