package ai.zumik.provider.sse;

import io.vertx.core.buffer.Buffer;
import java.util.Arrays;

/**
 * Incremental Server-Sent Events decoder. Works on bytes and only hands out complete events, so a
 * UTF-8 character (or a line) split across TCP reads is reassembled before anyone decodes it.
 * Accepts LF, CRLF and CR line endings; joins multi-line {@code data:}; ignores comments, {@code id}
 * and {@code retry}.
 */
public final class SseDecoder {
    /** Receives one complete event; {@code data} is valid only during the call. */
    @FunctionalInterface
    public interface Listener {
        void onEvent(String event, byte[] data, int length);
    }

    private static final int MAX_EVENT_BYTES = 16 * 1024 * 1024;

    private final Listener listener;
    private byte[] line = new byte[1024];
    private int lineLength;
    private byte[] data = new byte[1024];
    private int dataLength;
    private boolean hasData;
    private String event;
    private boolean lastWasCr;

    public SseDecoder(Listener listener) {
        this.listener = listener;
    }

    /** Feeds bytes as they arrive. @throws IllegalStateException if one event exceeds 16 MiB */
    public void feed(Buffer buffer) {
        int n = buffer.length();
        for (int i = 0; i < n; i++) {
            byte b = buffer.getByte(i);
            if (b == '\n') {
                if (lastWasCr) {
                    lastWasCr = false;
                    continue;
                }
                endLine();
            } else if (b == '\r') {
                lastWasCr = true;
                endLine();
            } else {
                lastWasCr = false;
                if (lineLength == line.length) {
                    if (line.length >= MAX_EVENT_BYTES) throw new IllegalStateException("SSE line exceeds 16 MiB");
                    line = Arrays.copyOf(line, line.length * 2);
                }
                line[lineLength++] = b;
            }
        }
    }

    /** True when bytes of an unfinished event are buffered (a stream cut mid-event). */
    public boolean hasPartialEvent() {
        return lineLength > 0 || hasData;
    }

    private void endLine() {
        if (lineLength == 0) {
            dispatch();
            return;
        }
        int colon = -1;
        for (int i = 0; i < lineLength; i++) {
            if (line[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon == 0) {
            lineLength = 0;
            return;
        }
        int nameEnd = colon < 0 ? lineLength : colon;
        int valueStart = colon < 0 ? lineLength : colon + 1;
        if (valueStart < lineLength && line[valueStart] == ' ') valueStart++;
        if (is("data", nameEnd)) {
            if (hasData) append((byte) '\n');
            for (int i = valueStart; i < lineLength; i++) append(line[i]);
            hasData = true;
        } else if (is("event", nameEnd)) {
            event = new String(line, valueStart, lineLength - valueStart, java.nio.charset.StandardCharsets.UTF_8);
        }
        lineLength = 0;
    }

    private boolean is(String field, int nameEnd) {
        if (nameEnd != field.length()) return false;
        for (int i = 0; i < nameEnd; i++) if (line[i] != field.charAt(i)) return false;
        return true;
    }

    private void append(byte b) {
        if (dataLength == data.length) {
            if (data.length >= MAX_EVENT_BYTES) throw new IllegalStateException("SSE event exceeds 16 MiB");
            data = Arrays.copyOf(data, data.length * 2);
        }
        data[dataLength++] = b;
    }

    private void dispatch() {
        if (hasData) {
            String name = event;
            int length = dataLength;
            hasData = false;
            dataLength = 0;
            event = null;
            listener.onEvent(name, data, length);
        } else {
            event = null;
        }
    }
}
