package ai.zumik.byoc;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An activation (or deactivation) the evidence or the current state does not allow: the surface
 * answers 409 with {@code code}, naming {@code param}, and {@code details} (the numbers) beside it.
 */
public final class ActivationRefused extends RuntimeException {
    private final String code;
    private final String param;
    private final ObjectNode details;

    ActivationRefused(String code, String param, String message, ObjectNode details) {
        super(message, null, false, false);
        this.code = code;
        this.param = param;
        this.details = details;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    public ObjectNode details() {
        return details;
    }
}
