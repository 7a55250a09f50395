/**
 * Money the platform tracks per project: prepaid credit (granted by the operator, drawn down by
 * spend), the monthly budget with its overage mode, and the alert ladder at 50, 80 and 100 % of
 * the budget. Spend itself is never counted here: the usage writer keeps {@code spend_totals} in
 * the transaction that stores each event's cost, and the live counters that enforce budgets on the
 * request path are in {@code limits}. The ladder is checked every few seconds from the stored
 * totals; a conditional update makes each step fire once per cycle across all replicas, which then
 * writes an audit event and, when configured, POSTs a signed webhook (retried, never blocking).
 */
package ai.zumik.billing;
