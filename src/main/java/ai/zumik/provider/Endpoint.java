package ai.zumik.provider;

import java.net.URI;

/** A parsed upstream base URL: where to connect and the path prefix to put before each operation. */
public record Endpoint(String host, int port, boolean ssl, String basePath) {

    public static Endpoint parse(String baseUrl) {
        URI u;
        try {
            u = URI.create(baseUrl);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a URL: " + baseUrl);
        }
        String scheme = u.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme) || u.getHost() == null) {
            throw new IllegalArgumentException("base URL must be http(s)://host[:port][/path]: " + baseUrl);
        }
        boolean ssl = "https".equals(scheme);
        int port = u.getPort() > 0 ? u.getPort() : ssl ? 443 : 80;
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        if (path.endsWith("/")) path = path.substring(0, path.length() - 1);
        return new Endpoint(u.getHost(), port, ssl, path);
    }

    public String uri(String operationPath) {
        return basePath + operationPath;
    }
}
