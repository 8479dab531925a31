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
 * ({@code 3D000}) and everything else are not: they must never make the pool change credentials. Neither are the
 * errors of a failover: a session killed ({@code 57P01}) or cut ({@code 08006}), a write refused by a standby
 * ({@code 25006}, read-only transaction), a standby that does not accept connections yet ({@code 57P03}).
 *
 * <p>PgBouncer (1.18, and every version before 1.21) answers with SQLState {@code 08P01} whatever went wrong, so an
 * {@code 08P01} counts as an authentication failure only by its exact text, which PgBouncer never translates:
 * {@code SASL authentication failed} (SCRAM) and {@code password authentication failed} (md5, plain) for a wrong
 * password or a user it does not know (answered alike so as not to reveal which users exist), and
 * {@code bouncer config error}, its answer when its {@code auth_query} finds no role that may log in for the user (an
 * unknown role, or one turned {@code NOLOGIN} in an alternating-roles rotation, where PostgreSQL itself says
 * {@code 28P01} or {@code 28000}). Its other {@code 08P01} replies change nothing, as they are not about the client's
 * credential: pool full ({@code query_wait_timeout}), too many clients ({@code no more connections allowed
 * (max_client_conn)}), server down ({@code server login has been failing, try again later (server_login_retry)}),
 * and PostgreSQL's reply to PgBouncer's own server login passed on ({@code password authentication failed for user
 * "app"}), which means the pooler's stored credential is stale: PgBouncer accepted the client's, and the other slot
 * would not help.
 *
 * <p>The SQLState may sit anywhere in the chain a driver or a wrapper builds, so both {@link Throwable#getCause()}
 * and {@link SQLException#getNextException()} are followed. Chains can be long or even circular (a next exception
 * whose cause points back); each exception is visited once.
 */
public final class PostgresAuthFailureClassifier implements AuthFailureClassifier {

    /** SQLStates the server sends when it refuses the credential itself. */
    private static final Set<String> AUTHENTICATION_STATES = Set.of("28P01", "28000");

    /** The SQLState of every PgBouncer error before 1.21 ({@code protocol_violation}). */
    private static final String POOLER_ERROR_STATE = "08P01";

    /** PgBouncer's replies, under {@link #POOLER_ERROR_STATE}, that refuse the credential: the whole message. */
    private static final Set<String> POOLER_AUTHENTICATION_REPLIES = Set.of("SASL authentication failed",
            "password authentication failed", "bouncer config error");

    /** A bound on the exceptions examined, against pathological chains. */
    private static final int MAX_VISITED = 64;

    @Override
    public boolean isAuthenticationFailure(Throwable failure) {
        return serverRejection(failure) != null;
    }

    /**
     * @param failure an authentication failure
     * @return its SQLState ({@code 28P01}, {@code 28000}, or PgBouncer's {@code 08P01}), or the simple class name if
     *     none is found
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
     *     {@code PSQLException} with the server's reply) or PgBouncer's refusal of the credential, or {@code null}
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
                if (state != null && (AUTHENTICATION_STATES.contains(state) || isPoolerRejection(state, sql))) {
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

    /**
     * Compares PgBouncer's message itself: pgjdbc prefixes the severity ({@code FATAL: }) and may append detail lines.
     */
    private static boolean isPoolerRejection(String state, SQLException failure) {
        String message = failure.getMessage();
        if (!POOLER_ERROR_STATE.equals(state) || message == null) {
            return false;
        }
        String firstLine = message.lines().findFirst().orElse("").strip();
        int severityEnd = firstLine.indexOf(": ");
        return POOLER_AUTHENTICATION_REPLIES.contains(firstLine)
                || severityEnd > 0 && POOLER_AUTHENTICATION_REPLIES.contains(firstLine.substring(severityEnd + 2));
    }
}
