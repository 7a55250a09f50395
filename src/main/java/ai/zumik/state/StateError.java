package ai.zumik.state;

/**
 * Why a state operation was refused, before anything was written: the surface renders each kind
 * as its own error (404, 400 naming the parameter, 409 carrying the branch's current head).
 */
public sealed class StateError extends RuntimeException {
    private StateError(String message) {
        super(message, null, false, false);
    }

    /** No such object in the project (never created, another project's, deleted or purged). */
    public static final class NotFound extends StateError {
        public NotFound(String kind, String id) {
            super("No " + kind + " with id '" + id + "' exists in this project.");
        }
    }

    /** A value the request carried cannot be used; {@code param} names it. */
    public static final class Invalid extends StateError {
        private final String param;
        private final String code;

        public Invalid(String param, String code, String message) {
            super(message);
            this.param = param;
            this.code = code;
        }

        public String param() {
            return param;
        }

        public String code() {
            return code;
        }
    }

    /** A compare-and-swap lost: the branch is at {@code version} with head {@code headEventId}. */
    public static final class Conflict extends StateError {
        private final long version;
        private final String headEventId;

        public Conflict(String branchId, long version, String headEventId) {
            super("Branch '" + branchId + "' is at version " + version + " with head "
                    + (headEventId == null ? "null" : "'" + headEventId + "'")
                    + "; re-read it, rebase, and retry with the current version and head.");
            this.version = version;
            this.headEventId = headEventId;
        }

        public long version() {
            return version;
        }

        public String headEventId() {
            return headEventId;
        }
    }
}
