package ai.zumik.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Statements that run together, in order: on PostgreSQL sent in one round trip (pgjdbc sends the
 * parts of a multi-statement query with a single Sync), on SQLite one after another (it runs
 * in-process: there is no round trip to save). A statement that must not take effect unless an
 * earlier one did says so in its own SQL (a guard such as {@code WHERE EXISTS (...)}): nothing is
 * decided between them.
 */
public final class Pipeline {
    private final Database db;
    private final boolean oneTrip;
    private final List<String> statements = new ArrayList<>();
    private final List<Object[]> args = new ArrayList<>();

    public Pipeline(Database db) {
        this.db = db;
        this.oneTrip = db.dialect() == Database.Dialect.POSTGRESQL;
    }

    /** Adds a statement (no {@code ;} of its own) and its arguments, bound with {@code setObject}. */
    public Pipeline add(String sql, Object... arguments) {
        statements.add(sql);
        args.add(arguments);
        return this;
    }

    /** How many statements it holds: the index the next {@link #add} gets in the counts. */
    public int size() {
        return statements.size();
    }

    /**
     * Runs every statement as one transaction of its own: on PostgreSQL the pipeline's implicit
     * transaction (statements sent together outside {@code BEGIN} run as one, committed at their
     * Sync, rolled back whole when any fails: one round trip in all, commit included); on SQLite a
     * write transaction. Returns each statement's update count, in order.
     */
    public int[] runAtomically() {
        return oneTrip ? db.call(this::run) : db.writeTransaction(this::run);
    }

    /**
     * Runs every statement on the caller's connection (and transaction, if it holds one); returns
     * each one's update count. On SQLite each statement is one the connection keeps prepared
     * ({@link Database#update}): pipelines are made of constant SQL.
     */
    public int[] run(Connection c) throws SQLException {
        int[] counts = new int[statements.size()];
        if (!oneTrip) {
            for (int i = 0; i < counts.length; i++) counts[i] = db.update(c, statements.get(i), args.get(i));
            return counts;
        }
        try (PreparedStatement ps = c.prepareStatement(String.join(";\n", statements))) {
            int at = 1;
            for (Object[] a : args) at = Database.bind(ps, at, a);
            boolean results = ps.execute();
            for (int i = 0; i < counts.length; i++) {
                if (i > 0) results = ps.getMoreResults();
                counts[i] = results ? -1 : ps.getUpdateCount();
            }
        }
        return counts;
    }
}
