package ai.zumik.v1;

import ai.zumik.broker.Served;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/** The {@code Agent-*} response headers that tell a /v1 client what served it (the body stays pure OpenAI). */
final class AgentHeaders {
    private static final CharSequence MODE = HttpHeaders.createOptimized("Agent-Execution-Mode");
    private static final CharSequence PROFILE = HttpHeaders.createOptimized("Agent-Execution-Profile");
    private static final CharSequence PROVIDER = HttpHeaders.createOptimized("Agent-Resolved-Provider");
    private static final CharSequence MODEL = HttpHeaders.createOptimized("Agent-Resolved-Model");

    private AgentHeaders() {}

    static void apply(HttpServerResponse response, Served served) {
        if (response.headWritten()) return;
        response.putHeader(MODE, served.mode().wire())
                .putHeader(PROFILE, served.profile().wire())
                .putHeader(PROVIDER, served.provider().wireId())
                .putHeader(MODEL, served.model());
    }
}
