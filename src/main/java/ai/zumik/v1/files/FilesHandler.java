package ai.zumik.v1.files;

import ai.zumik.http.ApiError;
import ai.zumik.http.ApiException;
import ai.zumik.http.Download;
import ai.zumik.http.Exchange;
import ai.zumik.http.Multipart;
import ai.zumik.http.Params;
import ai.zumik.http.Upload;
import ai.zumik.json.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code /v1/files}, OpenAI's Files API for what batches need: upload (multipart/form-data with
 * {@code file} and {@code purpose}, which must be {@code batch}, the default), list, retrieve,
 * download and delete. Uploads are spooled to disk as they arrive ({@link Upload}) and parsed in
 * place ({@link Multipart}), so a file is never held in memory. Every lookup is scoped to the
 * caller's project: another project's file is a 404, word for word the one for a missing file.
 */
public final class FilesHandler {
    public static final String PATH = "/v1/files";
    public static final String ONE_PATH = "/v1/files/*";
    /** Room for the multipart framing and the small fields around the file itself. */
    static final long FRAMING_BYTES = 64 * 1024;
    static final long DEFAULT_BATCH_EXPIRY_MS = 30L * 24 * 3_600_000;
    private static final int MAX_PARTS = 8;
    private static final int MAX_FILENAME = 255;
    private static final long MIN_EXPIRY_S = 3_600;
    private static final long MAX_EXPIRY_S = 2_592_000;
    private static final String CONTENT_TYPE = "text/plain";

    private final FileStore files;
    private final Path uploads;
    private final Clock clock;

    /** @param uploads where request bodies are spooled while they arrive */
    public FilesHandler(FileStore files, Path uploads, Clock clock) {
        this.files = files;
        this.uploads = uploads;
        this.clock = clock;
    }

    /**
     * At start: bodies a crash left half-spooled are removed (those older than an hour, in case
     * another process shares the data directory).
     */
    public void removeStaleUploads() {
        long before = clock.millis() - 3_600_000;
        try (var entries = java.nio.file.Files.list(uploads)) {
            entries.filter(p -> p.getFileName().toString().endsWith(".part")).forEach(p -> {
                try {
                    if (java.nio.file.Files.getLastModifiedTime(p).toMillis() < before) java.nio.file.Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // gone already, or not ours to remove
                }
            });
        } catch (java.nio.file.NoSuchFileException none) {
            // nothing was ever uploaded here
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(FilesHandler.class).warn("could not clean {}: {}", uploads, e.getMessage());
        }
    }

    /** {@code POST /v1/files}. */
    public void upload(Exchange ex, Buffer unused) {
        String boundary;
        try {
            boundary = Multipart.boundary(ex.request().getHeader(HttpHeaders.CONTENT_TYPE), "file");
        } catch (ApiException e) {
            Upload.refuse(ex, e.error());
            return;
        }
        long max = files.limits().maxFileBytes();
        String project = ex.principal().projectId();
        Upload.spool(ex, uploads, max + FRAMING_BYTES, "file", tooLarge(max),
                spooled -> ex.offload(() -> store(project, spooled, boundary), f -> ex.sendJson(200, f.json())));
    }

    private String tooLarge(long max) {
        return "The file is larger than Zumik accepts: files are limited to " + max + " bytes ("
                + (max / (1024 * 1024)) + " MiB) each.";
    }

    private FileObject store(String project, Path spooled, String boundary) throws IOException {
        List<Multipart.Part> parts = Multipart.parse(spooled, boundary, MAX_PARTS, "file");
        Multipart.Part file = null;
        String purpose = null;
        String anchor = null;
        String seconds = null;
        Set<String> seen = new HashSet<>();
        for (Multipart.Part p : parts) {
            if (!seen.add(p.name())) {
                throw Params.invalidValue(p.name(), "Invalid '" + p.name() + "': the field appears more than once.");
            }
            switch (p.name()) {
                case "file" -> file = p;
                case "purpose" -> purpose = Multipart.text(spooled, p, 64, "purpose");
                case "expires_after[anchor]" -> anchor = Multipart.text(spooled, p, 64, "expires_after.anchor");
                case "expires_after[seconds]" -> seconds = Multipart.text(spooled, p, 64, "expires_after.seconds");
                default -> throw ApiError.invalid(p.name(), "unknown_parameter", "Unknown parameter: '" + p.name() + "'.")
                        .exception();
            }
        }
        if (file == null) throw Params.missing("file");
        if (file.filename() == null) {
            throw Params.invalidValue("file", "Invalid 'file': it must be a file part (Content-Disposition with a "
                    + "filename), not a plain form field.");
        }
        String filename = filename(file.filename());
        if (purpose == null) purpose = FileObject.BATCH;
        if (!purpose.equals(FileObject.BATCH)) {
            throw Params.invalidValue("purpose", "Invalid 'purpose': '" + purpose + "'. Zumik keeps files for the Batch "
                    + "API: the supported value is 'batch'.");
        }
        long max = files.limits().maxFileBytes();
        if (file.length() > max) {
            throw new ApiError(413, "invalid_request_error", "request_too_large", "file", tooLarge(max), null).exception();
        }
        long now = clock.millis();
        Long expiresAt = expiry(anchor, seconds, now);
        Multipart.Part content = file;
        return files.upload(project, filename, file.length(), expiresAt, out -> copy(spooled, content, out));
    }

    /** OpenAI's {@code expires_after}: both fields or neither; default 30 days for {@code batch} files. */
    private static Long expiry(String anchor, String seconds, long now) {
        if (anchor == null && seconds == null) return now + DEFAULT_BATCH_EXPIRY_MS;
        if (anchor == null) throw Params.missing("expires_after.anchor");
        if (seconds == null) throw Params.missing("expires_after.seconds");
        if (!anchor.equals("created_at")) {
            throw Params.invalidValue("expires_after.anchor", "Invalid 'expires_after.anchor': '" + anchor
                    + "'. The supported value is 'created_at'.");
        }
        long s;
        try {
            s = Long.parseLong(seconds.trim());
        } catch (NumberFormatException e) {
            throw Params.invalidValue("expires_after.seconds", "Invalid 'expires_after.seconds': expected an integer, got '"
                    + seconds + "'.");
        }
        if (s < MIN_EXPIRY_S || s > MAX_EXPIRY_S) {
            throw Params.invalidValue("expires_after.seconds", "Invalid 'expires_after.seconds': expected a value between "
                    + MIN_EXPIRY_S + " and " + MAX_EXPIRY_S + " (1 hour to 30 days), got " + s + ".");
        }
        return now + s * 1000;
    }

    private static String filename(String raw) {
        if (raw.isEmpty()) throw Params.invalidValue("file", "Invalid 'file': the filename is empty.");
        if (raw.length() > MAX_FILENAME) {
            throw Params.invalidValue("file", "Invalid 'file': the filename is longer than " + MAX_FILENAME + " characters.");
        }
        if (raw.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw Params.invalidValue("file", "Invalid 'file': the filename contains control characters.");
        }
        return raw;
    }

    /** Copies the file part's bytes straight from the spooled body. */
    private static void copy(Path spooled, Multipart.Part p, OutputStream out) throws IOException {
        try (FileChannel ch = FileChannel.open(spooled, StandardOpenOption.READ)) {
            WritableByteChannel target = Channels.newChannel(out);
            long at = p.offset();
            long end = p.offset() + p.length();
            while (at < end) at += ch.transferTo(at, end - at, target);
        }
    }

    /** {@code GET /v1/files?purpose&limit&order&after}: OpenAI's list, newest first by default. */
    public void list(Exchange ex) {
        String project = ex.principal().projectId();
        var q = ex.query();
        String purpose = q.get("purpose");
        if (purpose != null && !purpose.equals(FileObject.BATCH) && !purpose.equals(FileObject.BATCH_OUTPUT)) {
            throw Params.invalidValue("purpose", "Invalid 'purpose': '" + purpose + "'. Supported values are: 'batch', "
                    + "'batch_output'.");
        }
        int limit = limit(q.get("limit"));
        String order = q.get("order") == null ? "desc" : q.get("order");
        Params.oneOf(order, "order", Set.of("asc", "desc"));
        String after = q.get("after");
        ex.offload(() -> files.list(project, purpose, after, limit, order.equals("asc")), page -> {
            boolean more = page.size() > limit;
            List<FileObject> shown = more ? page.subList(0, limit) : page;
            ObjectNode o = Json.object();
            o.put("object", "list");
            ArrayNode data = o.putArray("data");
            shown.forEach(f -> data.add(f.json()));
            if (shown.isEmpty()) {
                o.putNull("first_id");
                o.putNull("last_id");
            } else {
                o.put("first_id", shown.getFirst().id());
                o.put("last_id", shown.getLast().id());
            }
            o.put("has_more", more);
            ex.sendJson(200, o);
        });
    }

    private static int limit(String raw) {
        if (raw == null) return 10_000;
        try {
            int v = Integer.parseInt(raw);
            if (v >= 1 && v <= 10_000) return v;
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw Params.invalidValue("limit", "Invalid 'limit': expected an integer between 1 and 10000.");
    }

    /** {@code GET /v1/files/{id}} and {@code GET /v1/files/{id}/content}. */
    public void get(Exchange ex) {
        String tail = tail(ex);
        boolean content = tail.endsWith("/content");
        String id = content ? tail.substring(0, tail.length() - "/content".length()) : tail;
        if (id.isEmpty() || id.contains("/")) throw unknown(ex);
        String project = ex.principal().projectId();
        ex.offload(() -> files.find(project, id).orElseThrow(() -> notFound(id)), f -> {
            if (!content) {
                ex.sendJson(200, f.json());
                return;
            }
            Download.send(ex, CONTENT_TYPE, f.bytes(), () -> files.open(f));
        });
    }

    /** {@code DELETE /v1/files/{id}}: {@code {id, object: "file", deleted: true}}. */
    public void delete(Exchange ex) {
        String id = tail(ex);
        if (id.contains("/")) throw unknown(ex);
        String project = ex.principal().projectId();
        ex.offload(() -> files.delete(project, id), deleted -> {
            if (!deleted) throw notFound(id);
            ObjectNode o = Json.object();
            o.put("id", id);
            o.put("object", "file");
            o.put("deleted", true);
            ex.sendJson(200, o);
        });
    }

    /** What follows {@code /v1/files/} in the path (the route guarantees the prefix). */
    private static String tail(Exchange ex) {
        return ex.request().path().substring(PATH.length() + 1);
    }

    /** OpenAI's words for a file that is not there (or is another project's). */
    static ApiException notFound(String id) {
        return new ApiError(404, "invalid_request_error", null, "id", "No such File object: " + id, null).exception();
    }

    private static ApiException unknown(Exchange ex) {
        return ApiError.unknownUrl(ex.request().method().name(), ex.request().path()).exception();
    }
}
