package ai.zumik.provider.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseDecoderTest {
    private final List<String> events = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final SseDecoder decoder = new SseDecoder((event, data, length) -> {
        names.add(event);
        events.add(new String(data, 0, length, StandardCharsets.UTF_8));
    });

    @Test
    void deliversOnlyCompleteEventsWhateverTheReadBoundaries() {
        byte[] all = "data: {\"a\":\"héllo 🌍\"}\n\ndata: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
        for (byte b : all) decoder.feed(Buffer.buffer(new byte[] {b})); // one byte per read
        assertThat(events).containsExactly("{\"a\":\"héllo 🌍\"}", "[DONE]");
    }

    @Test
    void acceptsCrlfAndCrLineEndingsAndJoinsMultiLineData() {
        decoder.feed(Buffer.buffer("event: message_start\r\ndata: line1\r\ndata: line2\r\n\r\n"));
        decoder.feed(Buffer.buffer("data: cr\r\r"));
        assertThat(events).containsExactly("line1\nline2", "cr");
        assertThat(names).containsExactly("message_start", null);
    }

    @Test
    void ignoresCommentsIdsAndEventsWithoutData() {
        decoder.feed(Buffer.buffer(": keep-alive\n\nid: 7\nretry: 10\n\nevent: ping\n\ndata:nospace\n\n"));
        assertThat(events).containsExactly("nospace");
        assertThat(decoder.hasPartialEvent()).isFalse();
    }

    @Test
    void reportsAPartialEventWhenTheStreamStopsMidway() {
        decoder.feed(Buffer.buffer("data: {\"half\":"));
        assertThat(events).isEmpty();
        assertThat(decoder.hasPartialEvent()).isTrue();
    }

    @Test
    void refusesAnEventBeyondTheSizeCap() {
        byte[] big = new byte[1 << 20];
        java.util.Arrays.fill(big, (byte) 'x');
        decoder.feed(Buffer.buffer("data: "));
        assertThatThrownBy(() -> {
            for (int i = 0; i < 20; i++) decoder.feed(Buffer.buffer(big));
        }).isInstanceOf(IllegalStateException.class);
    }
}
