package ai.zumik.broker;

import static ai.zumik.broker.Faults.chat;
import static ai.zumik.broker.Faults.error;
import static ai.zumik.broker.Faults.header;
import static ai.zumik.broker.Faults.post;
import static ai.zumik.broker.Faults.record;
import static ai.zumik.broker.Faults.verdicts;
import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.TestGateway;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.JedisPooled;

/**
 * Two replicas sharing circuit state through a real Redis (127.0.0.1:6379, started by
 * {@code .ci/run}; this class fails rather than skips without it). A circuit that replica A opens
 * keeps replica B off the target without B spending a single request on it; once A's probe has
 * closed it, B uses the target again. That closing deletes the shared opening (rather than leaving
 * it to expire) is checked on {@link RedisCircuits} directly.
 */
@Tag("redis")
@Timeout(60)
class SharedCircuitTest {
    private static final String REDIS = "redis://127.0.0.1:6379";
    private static final long OPEN_MS = 1_500;
    private static final String PREFIX = "zumik_t_" + UUID.randomUUID().toString().substring(0, 8);
    private static final String RELEASE = "[{\"provider\":\"openai\",\"model\":\"gpt-4.1\",\"weight\":1000},"
            + "{\"provider\":\"xai\",\"model\":\"grok-3\",\"weight\":1}]";

    static final Faults.Router openaiModels = new Faults.Router();
    static FakeProvider openai;
    static FakeProvider xai;
    static TestGateway a;
    static TestGateway b;

    @BeforeAll
    static void start() {
        try (JedisPooled redis = new JedisPooled(URI.create(REDIS))) {
            assertThat(redis.ping()).as("Redis must run at " + REDIS).isEqualTo("PONG");
        }
        openai = FakeProvider.start("/v1", openaiModels);
        xai = FakeProvider.start("/v1", new Faults.Router());
        a = replica();
        b = replica();
        Faults.installRelease(a, "fault.shared", RELEASE);
        Faults.installRelease(b, "fault.shared", RELEASE);
    }

    private static TestGateway replica() {
        return Faults.gateway(openai, xai, "ZUMIK_CIRCUIT_OPEN_MS", Long.toString(OPEN_MS),
                "ZUMIK_REDIS_URL", REDIS, "ZUMIK_REDIS_PREFIX", PREFIX);
    }

    @AfterAll
    static void stop() {
        b.close();
        Faults.close(a, xai, openai);
        try (JedisPooled redis = new JedisPooled(URI.create(REDIS))) {
            for (String key : redis.keys(PREFIX + ":*")) redis.del(key);
        }
    }

    @Test
    void aCircuitOpenedOnOneReplicaKeepsTheOtherOffTheTargetUntilAProbeClosesIt() {
        openaiModels.always("gpt-4.1", error(503, null, "The engine is currently overloaded"));
        for (int i = 0; i < CircuitBreakers.CONSECUTIVE; i++) {
            assertThat(post(a, chat("fault.shared")).statusCode()).isEqualTo(200); // xai serves
        }
        int primaryCalls = openai.requests().size();
        assertThat(primaryCalls).isEqualTo(CircuitBreakers.CONSECUTIVE);

        // B never failed against the primary; it learns of A's opening within one refresh.
        HttpResponse<String> onB = null;
        for (int i = 0; i < 20 && onB == null; i++) {
            Faults.sleep(RedisCircuits.REFRESH_MS / 2);
            HttpResponse<String> r = post(b, chat("fault.shared"));
            if ("circuit_open".equals(verdicts(record(b, r)).get("openai/gpt-4.1"))) onB = r;
        }
        assertThat(onB).as("replica B skipped the target replica A opened").isNotNull();
        assertThat(header(onB, "agent-resolved-model")).isEqualTo("grok-3");
        assertThat(openai.requests().size() - primaryCalls)
                .as("B reached the primary at most while the opening propagated").isLessThan(CircuitBreakers.CONSECUTIVE);

        // Healthy again: A probes after the interval, closes the circuit, and B follows.
        openaiModels.clear();
        boolean probed = false;
        for (int i = 0; i < 4 && !probed; i++) {
            Faults.sleep(OPEN_MS + 100);
            probed = "gpt-4.1".equals(header(post(a, chat("fault.shared")), "agent-resolved-model"));
        }
        assertThat(probed).as("A's half-open probe reached the primary").isTrue();
        Faults.sleep(RedisCircuits.REFRESH_MS * 3);
        assertThat(verdicts(record(b, post(b, chat("fault.shared"))))).containsEntry("openai/gpt-4.1", "kept");
    }

    /**
     * The end-to-end test above cannot tell a deleted opening from an expired one (the key lives
     * exactly one open interval, when the opener's probe becomes possible), so the mechanism is
     * checked directly: an opening with a long interval is visible, and closing removes it at once.
     */
    @Test
    void closingACircuitDeletesItsOpeningBeforeItWouldExpire() {
        String prefix = PREFIX + "_direct";
        try (RedisCircuits shared = new RedisCircuits(REDIS, prefix);
             JedisPooled redis = new JedisPooled(URI.create(REDIS))) {
            String target = "managed_provider|direct:openai|openai/gpt-4.1";
            String key = prefix + ":circuit:" + target;
            long openedAt = System.currentTimeMillis();
            shared.opened(target, openedAt, 60_000);
            for (int i = 0; i < 40 && shared.openedAt(target) == null; i++) {
                Faults.sleep(RedisCircuits.REFRESH_MS / 2);
            }
            assertThat(shared.openedAt(target)).isEqualTo(openedAt);
            assertThat(redis.pttl(key)).as("the opening expires with the open interval").isBetween(1L, 60_000L);

            shared.closed(target);
            for (int i = 0; i < 40 && redis.exists(key); i++) Faults.sleep(25);
            assertThat(redis.exists(key)).as("closing deletes the opening, 59 s before it would expire").isFalse();
            for (int i = 0; i < 40 && shared.openedAt(target) != null; i++) {
                Faults.sleep(RedisCircuits.REFRESH_MS / 2);
            }
            assertThat(shared.openedAt(target)).isNull();
        }
    }
}
