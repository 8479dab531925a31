package io.dualcred.integration.runbook;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Runs runbook blocks as an operator would: SQL in one psql-like session (autocommit, variables, {@code \gset}),
 * Redis commands through redis-cli's quoting, each on the servers the runbook names. Blocks are taken procedure by
 * procedure in document order, so the test cannot skip or reorder a step without failing.
 */
final class RunbookOperator implements AutoCloseable {

    /** A server or Sentinel a Redis command can be sent to. */
    interface RedisTarget {

        String name();

        /** Sends one command; error replies are thrown. */
        Object execute(String... command);

        static RedisTarget of(String name, java.util.function.Function<String[], Object> execute) {
            return new RedisTarget() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public Object execute(String... command) {
                    return execute.apply(command);
                }

                @Override
                public String toString() {
                    return name;
                }
            };
        }
    }

    private final Runbook runbook;
    private final Supplier<Connection> psqlLogin;
    private Connection psql;
    /** The psql variables and Redis placeholder values: one namespace, as the runbook's table has one. */
    final Map<String, String> variables = new HashMap<>();

    RunbookOperator(Runbook runbook, Supplier<Connection> psqlLogin) {
        this.runbook = runbook;
        this.psqlLogin = psqlLogin;
    }

    Procedure procedure(String name) {
        return new Procedure(name);
    }

    /** One procedure's blocks, to be run in document order; a block already run may be run again. */
    final class Procedure {

        private final String name;
        private final List<Runbook.Block> blocks;
        private final Set<String> done = new HashSet<>();
        private int position;

        private Procedure(String name) {
            this.name = name;
            this.blocks = runbook.procedure(name);
            if (blocks.isEmpty()) {
                throw new IllegalStateException("the runbook has no procedure '" + name + "'");
            }
        }

        /** Runs the next SQL block of the procedure, which must be {@code step}; returns the last result's rows. */
        List<Map<String, String>> sql(String step) {
            return runSql(next(step, Runbook.Language.SQL));
        }

        /** Runs an SQL block of this procedure that has run before. */
        List<Map<String, String>> sqlAgain(String step) {
            return runSql(again(step, Runbook.Language.SQL));
        }

        /**
         * Runs the next SQL block of the procedure, which must be {@code step}, on another server (a standby) in a
         * session of its own, with the same variables.
         */
        List<Map<String, String>> sqlOn(String step, Supplier<Connection> server) {
            return runSqlOn(next(step, Runbook.Language.SQL), server);
        }

        /** Runs an SQL block of this procedure that has run before, on another server. */
        List<Map<String, String>> sqlAgainOn(String step, Supplier<Connection> server) {
            return runSqlOn(again(step, Runbook.Language.SQL), server);
        }

        /** Runs the next Redis block, which must be {@code step}, on each target; returns the replies per target. */
        List<List<Object>> redis(String step, RedisTarget... targets) {
            return runRedis(next(step, Runbook.Language.REDIS), targets);
        }

        /** Runs a Redis block of this procedure that has run before. */
        List<List<Object>> redisAgain(String step, RedisTarget... targets) {
            return runRedis(again(step, Runbook.Language.REDIS), targets);
        }

        /**
         * Runs the next PgBouncer console block, which must be {@code step}, one command at a time, as psql does.
         *
         * @return the rows of its last command
         */
        List<Map<String, String>> console(String step, io.dualcred.testservers.PgBouncerServer pooler) {
            Runbook.Block block = next(step, Runbook.Language.PGBOUNCER);
            List<Map<String, String>> rows = List.of();
            for (String command : PsqlScript.parse(block.body()).render(variables).split(";")) {
                if (!command.isBlank()) {
                    rows = pooler.admin(command.strip());
                }
            }
            return rows;
        }

        /** Fails unless every block of the procedure has run. */
        void finish() {
            if (position < blocks.size()) {
                throw new AssertionError("procedure " + name + " stopped before " + blocks.get(position)
                        + "; every block of the runbook must be run");
            }
        }

        private Runbook.Block next(String step, Runbook.Language language) {
            String id = name + "/" + step;
            if (position >= blocks.size()) {
                throw new AssertionError("procedure " + name + " has no block after " + blocks.get(position - 1)
                        + ", but the test runs " + id);
            }
            Runbook.Block block = blocks.get(position);
            if (!block.id().equals(id)) {
                throw new AssertionError("the runbook's next block in " + name + " is " + block + ", but the test "
                        + "runs " + id + ": keep the test and the document in the same order");
            }
            if (block.language() != language) {
                throw new AssertionError(block + " is not a " + language.infoWord + " block");
            }
            position++;
            done.add(id);
            return block;
        }

        private Runbook.Block again(String step, Runbook.Language language) {
            String id = name + "/" + step;
            if (!done.contains(id)) {
                throw new AssertionError(id + " is run again before it ran in document order");
            }
            Runbook.Block block = runbook.block(id);
            if (block.language() != language) {
                throw new AssertionError(block + " is not a " + language.infoWord + " block");
            }
            return block;
        }
    }

    /**
     * Runs {@code work} in one transaction of the operator's session. PostgreSQL shows every read of
     * {@code pg_stat_activity} within a transaction the same snapshot, so a test can compare what a runbook block
     * listed with its own query of the very same moment ({@link #query}).
     */
    <T> T inOneTransaction(Supplier<T> work) {
        try {
            Connection session = session();
            session.setAutoCommit(false);
            try {
                return work.get();
            } finally {
                session.rollback();
                session.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new AssertionError("the operator's session failed: " + e.getMessage(), e);
        }
    }

    /** Runs a query of the test's own, not a runbook block, in the operator's session. */
    List<Map<String, String>> query(String sql, Object... parameters) {
        try (java.sql.PreparedStatement statement = session().prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            try (ResultSet rows = statement.executeQuery()) {
                return read(rows);
            }
        } catch (SQLException e) {
            throw new AssertionError("the test's query failed: " + e.getMessage(), e);
        }
    }

    private List<Map<String, String>> runSqlOn(Runbook.Block block, Supplier<Connection> server) {
        try (Connection session = server.get()) {
            return runSql(block, session);
        } catch (SQLException e) {
            throw new AssertionError(block + ": closing the session failed: " + e.getMessage(), e);
        }
    }

    private List<Map<String, String>> runSql(Runbook.Block block) {
        try {
            return runSql(block, session());
        } catch (SQLException e) {
            throw new AssertionError(block + ": the operator cannot log in: " + e.getMessage(), e);
        }
    }

    private List<Map<String, String>> runSql(Runbook.Block block, Connection session) {
        PsqlScript script = PsqlScript.parse(block.body());
        String sql = script.render(variables);
        try (Statement statement = session.createStatement()) {
            List<Map<String, String>> rows = List.of();
            boolean result = statement.execute(sql);
            while (true) {
                if (result) {
                    try (ResultSet resultSet = statement.getResultSet()) {
                        rows = read(resultSet);
                    }
                } else if (statement.getUpdateCount() == -1) {
                    break;
                }
                result = statement.getMoreResults();
            }
            if (script.gset()) {
                if (rows.size() != 1) {
                    throw new AssertionError(block + ": \\gset needs exactly one row, the query returned "
                            + rows.size());
                }
                rows.get(0).forEach((column, value) -> {
                    if (value == null) {
                        variables.remove(column);
                    } else {
                        variables.put(column, value);
                    }
                });
            }
            return rows;
        } catch (SQLException e) {
            throw new AssertionError(block + " failed: " + e.getMessage() + " (SQLState " + e.getSQLState() + ")",
                    e);
        }
    }

    private List<List<Object>> runRedis(Runbook.Block block, RedisTarget... targets) {
        if (targets.length == 0) {
            throw new IllegalArgumentException("no server to run " + block + " on");
        }
        List<List<String>> commands = RedisScript.parse(block.body()).render(variables);
        List<List<Object>> replies = new ArrayList<>();
        for (RedisTarget target : targets) {
            List<Object> perTarget = new ArrayList<>();
            for (List<String> command : commands) {
                try {
                    perTarget.add(target.execute(command.toArray(String[]::new)));
                } catch (RuntimeException e) {
                    throw new AssertionError(block + " failed on " + target.name() + " at '" + command.get(0)
                            + " " + (command.size() > 1 ? command.get(1) : "") + "': " + e.getMessage(), e);
                }
            }
            replies.add(perTarget);
        }
        return replies;
    }

    private Connection session() throws SQLException {
        if (psql == null || psql.isClosed()) {
            psql = psqlLogin.get();
        }
        return psql;
    }

    @Override
    public void close() {
        try {
            if (psql != null) {
                psql.close();
            }
        } catch (SQLException e) {
            // the session was lost; nothing to release
        }
    }

    /** Rows as psql shows them: every value as text ({@code t}/{@code f} for booleans), NULL as null. */
    private static List<Map<String, String>> read(ResultSet rows) throws SQLException {
        ResultSetMetaData meta = rows.getMetaData();
        List<Map<String, String>> result = new ArrayList<>();
        while (rows.next()) {
            Map<String, String> row = new LinkedHashMap<>();
            for (int column = 1; column <= meta.getColumnCount(); column++) {
                row.put(meta.getColumnLabel(column), rows.getString(column));
            }
            result.add(row);
        }
        return result;
    }
}
