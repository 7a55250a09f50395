package ai.zumik.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A raw HTTP/1.1 client over a socket for streaming tests: it decodes the chunked body itself,
 * records when each SSE event arrived, and can hang up mid-stream.
 */
public final class SseClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One {@code data:} event and when it arrived (System.nanoTime). */
    public record Event(String data, long atNanos) {
        public JsonNode json() {
            try {
                return JSON.readTree(data);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + data, e);
            }
        }

        public boolean done() {
            return data.equals("[DONE]");
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final long sentAtNanos;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private boolean bodyEnded;
    public final int status;
    public final List<String> headerLines = new ArrayList<>();

    private SseClient(Socket socket, InputStream in, long sentAtNanos, int status) {
        this.socket = socket;
        this.in = in;
        this.sentAtNanos = sentAtNanos;
        this.status = status;
    }

    /** POSTs {@code json} with the gateway's admin key and reads the status line and headers. */
    public static SseClient post(TestGateway gw, String path, String json) throws IOException {
        Socket s = new Socket("127.0.0.1", gw.zumik().port());
        s.setTcpNoDelay(true);
        s.setSoTimeout(30_000);
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer " + gw.adminKey() + "\r\nContent-Length: " + body.length + "\r\n\r\n";
        OutputStream out = s.getOutputStream();
        long sent = System.nanoTime();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        InputStream in = s.getInputStream();
        String statusLine = readLine(in);
        SseClient c = new SseClient(s, in, sent, Integer.parseInt(statusLine.split(" ")[1]));
        for (String line; !(line = readLine(in)).isEmpty(); ) c.headerLines.add(line);
        return c;
    }

    public long sentAtNanos() {
        return sentAtNanos;
    }

    public String header(String name) {
        for (String h : headerLines) {
            int colon = h.indexOf(':');
            if (colon > 0 && h.substring(0, colon).equalsIgnoreCase(name)) return h.substring(colon + 1).trim();
        }
        return null;
    }

    /** The whole body of a non-chunked (Content-Length) response. */
    public String body() throws IOException {
        int length = Integer.parseInt(header("content-length"));
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    /** Everything left of the body as text: a Content-Length body whole, or every remaining event's data. */
    public String rest() throws IOException {
        if (header("content-length") != null) return body();
        StringBuilder sb = new StringBuilder();
        for (Event e : all()) sb.append(e.data()).append('\n');
        return sb.toString();
    }

    /** Reads the next SSE {@code data:} event, or null when the body ended. */
    public Event next() throws IOException {
        while (true) {
            Event e = takeEvent();
            if (e != null) return e;
            if (bodyEnded || !readChunk()) return null;
        }
    }

    /** Reads every remaining event. */
    public List<Event> all() throws IOException {
        List<Event> out = new ArrayList<>();
        for (Event e; (e = next()) != null; ) out.add(e);
        return out;
    }

    private Event takeEvent() {
        byte[] buf = pending.toByteArray();
        for (int i = 0; i + 1 < buf.length; i++) {
            if (buf[i] == '\n' && buf[i + 1] == '\n') {
                String event = new String(buf, 0, i, StandardCharsets.UTF_8);
                pending.reset();
                pending.write(buf, i + 2, buf.length - i - 2);
                StringBuilder data = new StringBuilder();
                for (String line : event.split("\n")) {
                    if (line.startsWith("data: ")) data.append(data.isEmpty() ? "" : "\n").append(line.substring(6));
                }
                return new Event(data.toString(), System.nanoTime());
            }
        }
        return null;
    }

    /** Reads one HTTP chunk into {@code pending}; false at the terminal chunk or connection end. */
    private boolean readChunk() throws IOException {
        String sizeLine;
        try {
            sizeLine = readLine(in);
        } catch (IOException eof) {
            bodyEnded = true;
            return false;
        }
        int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
        if (size == 0) {
            bodyEnded = true;
            return false;
        }
        byte[] data = in.readNBytes(size);
        if (data.length < size) throw new IOException("connection ended inside a chunk");
        pending.write(data);
        readLine(in);
        return true;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) throw new IOException("connection closed");
            if (b == '\n') break;
            if (b != '\r') line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
