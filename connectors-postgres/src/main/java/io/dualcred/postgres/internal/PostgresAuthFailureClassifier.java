package io.dualcred.postgres.internal;

import io.dualcred.rotation.spi.AuthFailureClassifier;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Tells PostgreSQL authentication failures apart from every other failure to connect.
 *
 * <p>SQLState {@code 28P01} (wrong password, unknown role, expired password) and {@code 28000} (rejected by
 * {@code pg_hba.conf}, role without {@code LOGIN}) are authentication failures. Connection refused ({@code 08xxx}),
 * server starting or stopping ({@code 57P0x}), too many connections ({@code 53300}), unknown database
 * ({@code 3D000}) and everything else are not: they must never make the pool change credentials.
 *
 * <p>The SQLState may sit anywhere in the chain a driver or a wrapper builds, so both {@link Throwable#getCause()}
 * and {@link SQLException#getNextException()} are followed. Chains can be long or even circular (a next exception
 * whose cause points back); each exception is visited once.
 */
public final class PostgresAuthFailureClassifier implements AuthFailureClassifier {

    /** SQLStates the server sends when it refuses the credential itself. */
    private static final Set<String> AUTHENTICATION_STATES = Set.of("28P01", "28000");

    /** A bound on the exceptions examined, against pathological chains. */
    private static final int MAX_VISITED = 64;

    @Override
    public boolean isAuthenticationFailure(Throwable failure) {
        return serverRejection(failure) != null;
    }

    /**
     * @param failure an authentication failure
     * @return its SQLState ({@code 28P01} or {@code 28000}), or the simple class name if none is found
     */
    @Override
    public String code(Throwable failure) {
        SQLException rejection = serverRejection(failure);
        if (rejection != null) {
            return rejection.getSQLState();
        }
        return failure == null ? "unknown" : failure.getClass().getSimpleName();
    }

    /**
     * @param failure an authentication failure
     * @return pgjdbc's message for it: the server's own reply, e.g. {@code FATAL: password authentication failed for
     *     user "app"}, which names the user and never repeats the password
     */
    @Override
    public String reply(Throwable failure) {
        SQLException rejection = serverRejection(failure);
        return rejection == null || rejection.getMessage() == null ? code(failure) : rejection.getMessage();
    }

    /**
     * @param failure what a login threw, or {@code null}
     * @return the exception in its cause and next-exception chains that carries an authentication SQLState (pgjdbc's
     *     {@code PSQLException} with the server's reply), or {@code null}
     */
    static SQLException serverRejection(Throwable failure) {
        Set<Throwable> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Throwable> pending = new ArrayDeque<>();
        if (failure != null) {
            pending.add(failure);
        }
        while (!pending.isEmpty() && visited.size() < MAX_VISITED) {
            Throwable current = pending.poll();
            if (!visited.add(current)) {
                continue;
            }
            if (current instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state != null && AUTHENTICATION_STATES.contains(state)) {
                    return sql;
                }
                if (sql.getNextException() != null) {
                    pending.add(sql.getNextException());
                }
            }
            if (current.getCause() != null) {
                pending.add(current.getCause());
            }
        }
        return null;
    }
}
