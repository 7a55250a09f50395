package ai.zumik.http;

import ai.zumik.keys.Scope;
import io.vertx.core.http.HttpMethod;

/**
 * One endpoint. {@code path} ending in {@code /*} matches any non-empty remainder (ids that may
 * contain slashes, like {@code /v1/models/fireworks/accounts/...}). {@code scope} null means public.
 */
public record Route(HttpMethod method, String path, Scope scope, boolean readsBody, Handler handler) {

    public static Route post(String path, Scope scope, Handler h) {
        return new Route(HttpMethod.POST, path, scope, true, h);
    }

    public static Route get(String path, Scope scope, Handler h) {
        return new Route(HttpMethod.GET, path, scope, false, h);
    }

    public static Route patch(String path, Scope scope, Handler h) {
        return new Route(HttpMethod.PATCH, path, scope, true, h);
    }

    public static Route delete(String path, Scope scope, Handler h) {
        return new Route(HttpMethod.DELETE, path, scope, false, h);
    }

    boolean isPrefix() {
        return path.endsWith("/*");
    }

    String prefix() {
        return path.substring(0, path.length() - 1);
    }

    /** The part of {@code requestPath} matched by the trailing {@code *}. */
    public static String tail(Exchange ex, Route r) {
        return ex.request().path().substring(r.prefix().length());
    }
}
