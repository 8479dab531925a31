package io.dualcred.rotation.spi;

/**
 * Tells an authentication failure (wrong password, unknown user, disabled login) apart from every other failure
 * to open a connection. Each connector supplies one: PostgreSQL SQLStates 28P01 and 28000, Redis {@code WRONGPASS},
 * {@code NOAUTH} and {@code ERR invalid password}.
 *
 * <p>Only authentication failures make the engine try another credential; everything else (connection refused,
 * server starting, too many connections, timeouts, permission errors) propagates unchanged.
 */
@FunctionalInterface
public interface AuthFailureClassifier {

    /**
     * @param failure what opening a connection threw; may have causes
     * @return {@code true} when the server rejected the credential itself
     */
    boolean isAuthenticationFailure(Throwable failure);

    /**
     * A short, secret-free code for events and logs, such as {@code 28P01} or {@code WRONGPASS}.
     *
     * @param failure an authentication failure
     * @return the code; the default is the exception's simple class name
     */
    default String code(Throwable failure) {
        return failure.getClass().getSimpleName();
    }

    /**
     * The server's own words for a rejection, for the message callers get when every credential is rejected, such
     * as {@code FATAL: password authentication failed for user "app"} or {@code WRONGPASS invalid username-password
     * pair or user is disabled.}. Only text the server sent: never anything the client sent, such as a password.
     *
     * @param failure an authentication failure
     * @return the reply; the default is {@link #code(Throwable)}
     */
    default String reply(Throwable failure) {
        return code(failure);
    }
}
