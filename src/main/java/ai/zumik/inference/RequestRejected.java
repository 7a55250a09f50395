package ai.zumik.inference;

/**
 * A request the chosen target cannot honour as asked: a capability it lacks, a parameter its wire
 * protocol cannot express, a schema keyword it cannot enforce. Thrown by capability checks and by
 * translators before anything is sent; the surface answers 400 naming {@code param}. Never used
 * to drop a field silently.
 *
 * @param code a stable machine code, e.g. {@code unsupported_parameter}
 */
public final class RequestRejected extends RuntimeException {
    private final String param;
    private final String code;

    public RequestRejected(String param, String code, String message) {
        super(message, null, false, false);
        this.param = param;
        this.code = code;
    }

    /** The usual case: {@code param} is meaningful but {@code provider} cannot honour it. */
    public static RequestRejected unsupported(String param, String provider, String detail) {
        return new RequestRejected(param, "unsupported_parameter",
                "'" + param + "' is not supported by " + provider + (detail == null ? "." : ": " + detail));
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }
}
