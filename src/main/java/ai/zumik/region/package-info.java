/**
 * Data residency: a project's regional policy ({@code rgn_…}) — the zones its requests may run in
 * and its data boundary — evaluated by the route planner before any provider call, and by the
 * OpenRouter bridge before it is used.
 */
package ai.zumik.region;
