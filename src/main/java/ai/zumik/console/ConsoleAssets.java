package ai.zumik.console;

import ai.zumik.ids.Sha256;
import ai.zumik.http.ApiError;
import ai.zumik.http.Exchange;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The console's files, read from the classpath once at start and answered from memory. Every
 * answer carries a strict Content-Security-Policy (this origin only, no inline script or style,
 * no framing) and {@code Cache-Control: no-cache} with a strong ETag, so a browser revalidates each
 * file (a 304 when unchanged) and never runs a stale script against a newer API.
 */
public final class ConsoleAssets {
    public static final String ROOT = "/console";
    public static final String ROOT_SLASH = "/console/";
    public static final String FILES_PATH = "/console/*";

    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'";

    /** The files shipped under {@code console/} in the jar. */
    static final List<String> FILES = List.of("index.html", "console.css", "console.js", "charts.js", "pages.js");

    private record Asset(byte[] body, String contentType, String etag) {}

    private final Map<String, Asset> assets = new LinkedHashMap<>();

    public ConsoleAssets() {
        for (String name : FILES) {
            byte[] body = read("console/" + name);
            assets.put(name, new Asset(body, contentType(name), etag(body)));
        }
    }

    /** {@code GET /console} and {@code GET /console/}: the page. */
    public void index(Exchange ex) {
        send(ex, assets.get("index.html"));
    }

    /** {@code GET /console/{file}}. */
    public void file(Exchange ex) {
        String name = ex.request().path().substring(ROOT_SLASH.length());
        Asset a = assets.get(name);
        if (a == null) {
            ex.sendError(ApiError.unknownUrl("GET", ex.request().path()));
            return;
        }
        send(ex, a);
    }

    private static void send(Exchange ex, Asset a) {
        var r = ex.response();
        r.putHeader("Content-Security-Policy", CSP);
        r.putHeader("X-Content-Type-Options", "nosniff");
        r.putHeader("Referrer-Policy", "no-referrer");
        r.putHeader("X-Frame-Options", "DENY");
        r.putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
        r.putHeader(HttpHeaders.ETAG, a.etag());
        String match = ex.request().getHeader(HttpHeaders.IF_NONE_MATCH);
        if (match != null && match.contains(a.etag())) {
            r.setStatusCode(304);
            ex.endStream(null);
            return;
        }
        r.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, a.contentType());
        ex.endStream(Buffer.buffer(a.body()));
    }

    static String contentType(String name) {
        if (name.endsWith(".html")) return "text/html; charset=utf-8";
        if (name.endsWith(".css")) return "text/css; charset=utf-8";
        if (name.endsWith(".js")) return "text/javascript; charset=utf-8";
        if (name.endsWith(".svg")) return "image/svg+xml";
        if (name.endsWith(".txt")) return "text/plain; charset=utf-8";
        return "application/octet-stream";
    }

    private static byte[] read(String resource) {
        try (InputStream in = ConsoleAssets.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("console file missing from the build: " + resource);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String etag(byte[] body) {
        return "\"" + Sha256.hexPrefix(body, 12) + "\"";
    }
}
