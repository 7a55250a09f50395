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

    /** The latest time a query accepts: the end of year 9999 (ids can name times up to year 37648). */
    static final long MAX_MS = Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli();

    /** Parses a query parameter; null when absent. Times before 1970 or after year 9999 are a 400. */
    static Long parse(String value, String param) {
        if (value == null || value.isEmpty()) return null;
        long ms;
        try {
            Instant t = Instant.parse(value);
            ms = t.isBefore(Instant.EPOCH) || t.toEpochMilli() > MAX_MS ? -1 : t.toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException e) {
            ms = unixSeconds(value, param);
        }
        if (ms < 0 || ms > MAX_MS) {
            throw Params.invalidValue(param, "Invalid '" + param + "': " + value
                    + " is out of range; expected a time between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z.");
        }
        return ms;
    }

    private static long unixSeconds(String value, String param) {
        try {
            long seconds = Long.parseLong(value);
            return seconds < 0 || seconds > MAX_MS / 1000 ? -1 : seconds * 1000;
        } catch (NumberFormatException e) {
            if (value.matches("[+-]?[0-9]+")) return -1;
            throw Params.invalidValue(param, "Invalid '" + param
                    + "': expected an RFC 3339 timestamp (2026-01-31T12:00:00Z) or Unix seconds.");
        }
    }
}
