package ai.zumik.http;

import io.vertx.core.http.HttpMethod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The routing table: exact paths in a hash map, wildcard paths tried longest-prefix first. */
public final class Routes {
    private final Map<String, List<Route>> exact = new HashMap<>();
    private final List<Route> prefixed = new ArrayList<>();

    public Routes add(Route r) {
        if (r.isPrefix()) {
            prefixed.add(r);
            prefixed.sort((a, b) -> b.prefix().length() - a.prefix().length());
        } else {
            exact.computeIfAbsent(r.path(), k -> new ArrayList<>()).add(r);
        }
        return this;
    }

    /** Every route, for tests that walk the whole surface (an isolation sweep). */
    public List<Route> all() {
        List<Route> out = new ArrayList<>();
        exact.values().forEach(out::addAll);
        out.addAll(prefixed);
        return out;
    }

    /** The route for a request, or null; {@code methodMismatch[0]} reports a path known under another method. */
    Route match(HttpMethod method, String path, boolean[] methodMismatch) {
        List<Route> candidates = exact.get(path);
        if (candidates == null) {
            for (Route r : prefixed) {
                if (path.startsWith(r.prefix()) && path.length() > r.prefix().length()) {
                    candidates = candidates == null ? new ArrayList<>() : candidates;
                    candidates.add(r);
                }
            }
        }
        if (candidates == null) return null;
        for (Route r : candidates) if (r.method() == method) return r;
        methodMismatch[0] = true;
        return null;
    }
}
