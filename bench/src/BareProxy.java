import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * The baseline the overhead budget is stated against: a bare Vert.x proxy doing only what any
 * gateway must (parse the JSON body, rewrite the model, forward over a pooled connection, relay the
 * answer or the stream) on the path it was called on. No auth, metering, logging or headers. Same shape as the probe in
 * java-stack.md §2.5.
 *
 * Usage: java -cp zumik.jar:classes BareProxy PORT UPSTREAM_PORT
 */
public final class BareProxy extends VerticleBase {
    static final ObjectMapper JSON = new ObjectMapper();
    final int port;
    final int upstream;
    HttpClient client;

    BareProxy(int port, int upstream) {
        this.port = port;
        this.upstream = upstream;
    }

    @Override
    public Future<?> start() {
        client = vertx.httpClientBuilder().with(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(upstream)
                .setKeepAlive(true).setTcpNoDelay(true)).with(new PoolOptions().setHttp1MaxSize(512)).build();
        return vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true).setAcceptBacklog(4096))
                .requestHandler(req -> req.body().onSuccess(body -> {
                    ObjectNode json;
                    byte[] out;
                    try {
                        json = (ObjectNode) JSON.readTree(body.getBytes());
                        json.put("model", json.get("model").asText().replace("openai/", ""));
                        out = JSON.writeValueAsBytes(json);
                    } catch (Exception e) {
                        req.response().setStatusCode(400).end();
                        return;
                    }
                    var res = req.response();
                    client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(req.path())
                                    .putHeader("content-type", "application/json").putHeader("authorization", "Bearer x"))
                            .compose(r -> r.send(Buffer.buffer(out)))
                            .onSuccess(up -> {
                                res.setStatusCode(up.statusCode());
                                String ct = up.getHeader("content-type");
                                if (ct != null) res.putHeader("content-type", ct);
                                if (ct != null && ct.contains("event-stream")) {
                                    res.setChunked(true);
                                    res.closeHandler(v -> up.request().reset());
                                    up.pipeTo(res);
                                } else {
                                    up.body().onSuccess(res::end).onFailure(e -> res.setStatusCode(502).end());
                                }
                            })
                            .onFailure(e -> res.setStatusCode(502).end());
                }))
                .listen(port, "127.0.0.1");
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        int upstream = Integer.parseInt(args[1]);
        int loops = Runtime.getRuntime().availableProcessors();
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(loops));
        vertx.deployVerticle(() -> new BareProxy(port, upstream), new DeploymentOptions().setInstances(loops)).await();
        System.out.println("bare proxy on " + port + " -> " + upstream);
    }
}
