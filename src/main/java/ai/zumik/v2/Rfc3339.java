package ai.zumik.v2;

import ai.zumik.http.Params;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** /v2 timestamps: RFC 3339 strings out; RFC 3339 or Unix seconds in. */
final class Rfc3339 {
    private Rfc3339() {}

    static String format(long epochMs) {
        return Instant.ofEpochMilli(epochMs).toString();
    }

    /** Parses a query parameter; null when absent. */
    static Long parse(String value, String param) {
        if (value == null || value.isEmpty()) return null;
        try {
            return Instant.parse(value).toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return Long.parseLong(value) * 1000;
            } catch (NumberFormatException e2) {
                throw Params.invalidValue(param, "Invalid '" + param
                        + "': expected an RFC 3339 timestamp (2026-01-31T12:00:00Z) or Unix seconds.");
            }
        }
    }
}
