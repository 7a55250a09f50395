package ai.zumik.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Multipart}: where each part's content lies, and a precise 400 for every malformed body. */
class MultipartTest {

    private static List<Multipart.Part> parse(String body) {
        return Multipart.parse(ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), "B", 8, "file");
    }

    private static String content(String body, Multipart.Part p) {
        return new String(body.getBytes(StandardCharsets.UTF_8), (int) p.offset(), (int) p.length(), StandardCharsets.UTF_8);
    }

    private static String error(String body) {
        ApiException e = catchThrowableOfType(ApiException.class, () -> parse(body));
        assertThat(e).as("refused: %s", body).isNotNull();
        assertThat(e.error().status()).isEqualTo(400);
        assertThat(e.error().param()).isEqualTo("file");
        return e.error().message();
    }

    @Test
    void findsEachPartAndKeepsItsContentExactlyIncludingLineBreaksAndNearBoundaries() {
        String body = "preamble\r\n--B\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--B  \r\nContent-Disposition: form-data; name=\"file\"; filename=\"a;b \\\"q\\\".jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\nline1\r\nx--B\r\n-B\n--B\r\n\r\n--B--\r\nepilogue";
        List<Multipart.Part> parts = parse(body);
        assertThat(parts).hasSize(2);
        assertThat(parts.get(0).name()).isEqualTo("purpose");
        assertThat(parts.get(0).filename()).isNull();
        assertThat(content(body, parts.get(0))).isEqualTo("batch");
        assertThat(parts.get(1).filename()).isEqualTo("a;b \"q\".jsonl");
        assertThat(parts.get(1).contentType()).isEqualTo("application/jsonl");
        // Only CRLF "--B" delimits (RFC 2046 5.1.1): "--B" elsewhere in a line, or after a bare LF, is content.
        assertThat(content(body, parts.get(1))).isEqualTo("line1\r\nx--B\r\n-B\n--B\r\n");
    }

    @Test
    void readsRfc5987FileNamesAndEmptyContent() {
        String body = "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"; filename*=UTF-8''%E2%82%AC.jsonl\r\n"
                + "\r\n\r\n--B--";
        Multipart.Part p = parse(body).getFirst();
        assertThat(p.filename()).isEqualTo("€.jsonl");
        assertThat(p.length()).isZero();
    }

    @Test
    void everyMalformedBodyIsA400SayingWhatIsWrong() {
        assertThat(error("--C\r\n\r\nx\r\n--C--")).contains("does not contain the boundary");
        assertThat(error("--B--")).contains("has no parts");
        assertThat(error("--Bjunk\r\n")).contains("not followed by CRLF");
        assertThat(error("--B\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nno end")).contains("ends before the closing boundary");
        assertThat(error("--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--")).contains("no Content-Disposition");
        assertThat(error("--B\r\nContent-Disposition: attachment; name=\"f\"\r\n\r\nx\r\n--B--")).contains("not form-data");
        assertThat(error("--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n--B--")).contains("has no name");
        assertThat(error("--B\r\nnot a header\r\n\r\nx\r\n--B--")).contains("not 'Name: value'");
        assertThat(error("--B\r\nX-Long: " + "a".repeat(9000) + "\r\n\r\nx\r\n--B--")).contains("longer than 8 KiB");
        assertThat(error("--B\r\nContent-Disposition: form-data; name=\"f\"")).contains("do not end with an empty line");
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 9; i++) many.append("--B\r\nContent-Disposition: form-data; name=\"f").append(i).append("\"\r\n\r\nx\r\n");
        assertThat(error(many.append("--B--").toString())).contains("more than 8 parts");
    }

    @Test
    void theBoundaryComesFromTheContentType() {
        assertThat(Multipart.boundary("multipart/form-data; boundary=\"a b\"", "file")).isEqualTo("a b");
        assertThat(Multipart.boundary("Multipart/Form-Data;boundary=xyz;charset=utf-8", "file")).isEqualTo("xyz");
        for (String bad : new String[] {null, "application/json", "multipart/form-data", "multipart/form-data; boundary=",
                "multipart/form-data; boundary=" + "x".repeat(71)}) {
            ApiException e = catchThrowableOfType(ApiException.class, () -> Multipart.boundary(bad, "file"));
            assertThat(e).as(String.valueOf(bad)).isNotNull();
            assertThat(e.error().param()).isEqualTo("file");
            assertThat(e.error().code()).isEqualTo("invalid_multipart");
        }
    }
}
