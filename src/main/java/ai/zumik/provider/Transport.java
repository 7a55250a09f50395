package ai.zumik.provider;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;

/**
 * Pooled keep-alive HTTP connections to upstreams. One instance per event loop, so a request and
 * its upstream connection live on the same thread and no bytes hop between threads.
 */
public final class Transport {
    private final Vertx vertx;
    private final HttpClient client;
    private final Duration connectTimeout;

    public Transport(Vertx vertx, Duration connectTimeout) {
        this.vertx = vertx;
        this.connectTimeout = connectTimeout;
        var options = new HttpClientOptions()
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setPipelining(false)
                .setVerifyHost(true)
                .setForceSni(true)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .setKeepAliveTimeout(55)
                .setMaxInitialLineLength(8192)
                .setMaxHeaderSize(65536);
        this.client = vertx.httpClientBuilder().with(options).with(new PoolOptions().setHttp1MaxSize(512)).build();
    }

    public Vertx vertx() {
        return vertx;
    }

    /** Opens a request to {@code endpoint}; headers and body are the caller's. */
    public Future<HttpClientRequest> open(Endpoint endpoint, HttpMethod method, String operationPath) {
        return client.request(new RequestOptions()
                .setMethod(method)
                .setHost(endpoint.host())
                .setPort(endpoint.port())
                .setSsl(endpoint.ssl())
                .setURI(endpoint.uri(operationPath))
                .setConnectTimeout(connectTimeout.toMillis())
                .setFollowRedirects(false));
    }

    public Future<Void> close() {
        return client.close();
    }
}
