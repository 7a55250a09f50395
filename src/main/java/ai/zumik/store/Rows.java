package ai.zumik.store;

import java.sql.ResultSet;
import java.sql.SQLException;

/** Reading nullable columns: JDBC answers 0 for SQL NULL, so the null has to be asked for. */
public final class Rows {
    private Rows() {}

    public static Long longOrNull(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    public static Long longOrNull(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }
}
