package ai.zumik.broker;

import ai.zumik.ids.Ids;
import ai.zumik.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries a cancel to the replica that runs the response, when replicas share PostgreSQL. A cancel
 * that finds nothing in flight here is announced on {@code NOTIFY zumik_cancel} as
 * {@code <request id> <project id> <response id>}; every replica listens, and the one that runs it
 * cancels it and answers on {@code zumik_cancel_ack} with the request id. The asker waits for that
 * answer ({@value #ANSWER_MS} ms at most); no answer means no replica runs it. One thread per
 * replica listens on a connection of its own.
 */
public final class CancelBus implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CancelBus.class);
    static final long ANSWER_MS = 2_000;
    private static final String CANCEL = "zumik_cancel";
    private static final String ACK = "zumik_cancel_ack";

    private final Database db;
    private final InFlight inFlight;
    private final Map<String, CompletableFuture<Boolean>> waiting = new ConcurrentHashMap<>();
    private final Thread listener;
    private volatile boolean closed;

    /** @return a bus for PostgreSQL, or null for SQLite (one node: nothing runs elsewhere) */
    public static CancelBus forDatabase(Database db, InFlight inFlight) {
        return db.dialect() == Database.Dialect.POSTGRESQL ? new CancelBus(db, inFlight) : null;
    }

    private CancelBus(Database db, InFlight inFlight) {
        this.db = db;
        this.inFlight = inFlight;
        CompletableFuture<Void> listening = new CompletableFuture<>();
        this.listener = Thread.ofPlatform().daemon().name("zumik-cancel-bus").start(() -> listen(listening));
        try {
            listening.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("cancel bus not listening yet: {}", e.toString());
        }
    }

    /**
     * Asks the other replicas to cancel {@code responseId} of {@code projectId}; completes with true
     * when one did, false when none answered in time.
     */
    public CompletableFuture<Boolean> cancelElsewhere(String projectId, String responseId) {
        String request = Ids.next("cxl_");
        CompletableFuture<Boolean> answer = new CompletableFuture<>();
        waiting.put(request, answer);
        answer.whenComplete((v, e) -> waiting.remove(request));
        try {
            notify(CANCEL, request + " " + projectId + " " + responseId);
        } catch (RuntimeException e) {
            answer.completeExceptionally(e);
            return answer;
        }
        return answer.completeOnTimeout(false, ANSWER_MS, TimeUnit.MILLISECONDS);
    }

    private void listen(CompletableFuture<Void> listening) {
        while (!closed) {
            try (Connection c = db.dedicatedConnection(); Statement st = c.createStatement()) {
                st.execute("LISTEN " + CANCEL);
                st.execute("LISTEN " + ACK);
                listening.complete(null);
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] ns = pg.getNotifications(250);
                    if (ns == null) continue;
                    for (PGNotification n : ns) handle(n.getName(), n.getParameter());
                }
            } catch (SQLException | RuntimeException e) {
                if (closed) return;
                LOG.warn("cancel bus lost its connection ({}); listening again in 1 s", e.getMessage());
                sleep(Duration.ofSeconds(1));
            }
        }
    }

    private void handle(String channel, String payload) {
        String[] p = payload.split(" ");
        if (ACK.equals(channel)) {
            CompletableFuture<Boolean> f = waiting.get(payload);
            if (f != null) f.complete(true);
        } else if (CANCEL.equals(channel) && p.length == 3 && inFlight.cancel(p[1], p[2])) {
            notify(ACK, p[0]);
        }
    }

    private void notify(String channel, String payload) {
        db.call(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                ps.setString(1, channel);
                ps.setString(2, payload);
                ps.execute();
                return null;
            }
        });
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        listener.interrupt();
    }
}
