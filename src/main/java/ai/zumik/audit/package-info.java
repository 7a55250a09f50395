/** The audit log: durable records of policy-relevant events (e.g. each OpenRouter bridge use). */
package ai.zumik.audit;
