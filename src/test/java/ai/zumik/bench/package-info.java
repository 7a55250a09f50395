/**
 * JMH microbenchmarks of the hot paths: request and stream-chunk translation for Anthropic and
 * Gemini, and the broker's routing decision. They reach package-private translators through the
 * test-side {@code *HotPaths} classes beside them, so production APIs stay as they are.
 * {@code BenchmarkFixturesTest} keeps every fixture honest; {@code bench/jmh.sh} runs them and
 * {@code bench/RESULTS.md} holds the numbers with the command that produced them.
 */
package ai.zumik.bench;
