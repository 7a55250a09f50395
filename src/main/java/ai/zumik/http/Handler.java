package ai.zumik.http;

import io.vertx.core.buffer.Buffer;

/** Handles one routed, authenticated request; {@code body} is null for routes that take none. */
@FunctionalInterface
public interface Handler {
    void handle(Exchange exchange, Buffer body);
}
