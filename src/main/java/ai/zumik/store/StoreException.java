package ai.zumik.store;

import java.sql.SQLException;

/** A database failure; surfaces render it as a 500 without the SQL or driver detail. */
public final class StoreException extends RuntimeException {
    public StoreException(SQLException cause) {
        super(cause.getMessage(), cause);
    }
}
