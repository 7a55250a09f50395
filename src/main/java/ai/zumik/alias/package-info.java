/**
 * Model aliases ({@code auto}, {@code code.fast}, …) resolved through immutable releases
 * ({@code alr_…}): each release pins a policy revision, the capability manifest revision and its
 * weighted targets. Installing a release never mutates an old one; decisions record the release
 * id so they can be replayed.
 */
package ai.zumik.alias;
