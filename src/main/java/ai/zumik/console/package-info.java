/**
 * The web console: static HTML, CSS and JavaScript under {@code src/main/resources/console/},
 * served by Zumik itself at {@code /console} ({@link ConsoleAssets}). The page signs in with an API
 * key kept in the tab's {@code sessionStorage} and calls the same {@code /v2} API as any client,
 * with {@code Authorization: Bearer}; the server's scope checks are the only authority, the page
 * merely hides what a {@code read} key could not do. Nothing is loaded from elsewhere: the
 * Content-Security-Policy allows this origin only and no inline script.
 */
package ai.zumik.console;
