package ai.zumik;

import static org.assertj.core.api.Assertions.assertThat;

import ai.zumik.store.Database;
import ai.zumik.testing.FakeProvider;
import ai.zumik.testing.Script;
import ai.zumik.testing.SseClient;
import ai.zumik.testing.TestGateway;
import java.net.ConnectException;
import java.net.Socket;
import java.sql.ResultSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Stopping Zumik lets streams in flight finish, meters them, and accepts nothing new. */
class GracefulShutdownTest {

    @Test
    void shutdownDrainsStreamsInFlightAndRefusesNewConnections() throws Exception {
        try (FakeProvider openai = FakeProvider.start()) {
            TestGateway gw = TestGateway.start("OPENAI_BASE_URL", openai.baseUrl(), "OPENAI_API_KEY", "sk-test-123456");
            openai.enqueue(new Script.Chunks("gpt-4o-mini").role().text("one").delay(300).text(" two").delay(300)
                    .text(" three").finish("stop").usage(4, 3, 0).done().build());
            try (SseClient c = SseClient.post(gw, "/v1/chat/completions",
                    "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"count\"}]}")) {
                String responseId = c.header("agent-response-id");
                assertThat(c.next()).isNotNull(); // role chunk: the stream is in flight
                CompletableFuture<Void> closing = CompletableFuture.runAsync(gw::close);
                Thread.sleep(100);
                int port = gw.zumik().port();
                assertThat(refused(port)).as("no new connections while draining").isTrue();
                List<SseClient.Event> rest = c.all();
                assertThat(rest.stream().filter(e -> !e.done()).map(e -> e.json().at("/choices/0/delta/content").asText())
                        .toList()).containsSubsequence("one", " two", " three");
                assertThat(rest.getLast().done()).isTrue();
                closing.get();
                try (Database db = Database.open(null, gw.dataDir(), false)) {
                    long count = db.call(conn -> {
                        var ps = conn.prepareStatement("SELECT completion_tokens FROM usage_events WHERE response_id = ?");
                        ps.setString(1, responseId);
                        ResultSet rs = ps.executeQuery();
                        return rs.next() ? rs.getLong(1) : -1L;
                    });
                    assertThat(count).as("the drained stream was metered").isEqualTo(3);
                }
            }
        }
    }

    private static boolean refused(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (Exception e) {
            return true;
        }
    }
}
