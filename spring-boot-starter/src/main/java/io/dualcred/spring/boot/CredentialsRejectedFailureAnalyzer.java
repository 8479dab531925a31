package io.dualcred.spring.boot;

import io.dualcred.rotation.AllCredentialsRejectedException;
import java.sql.SQLException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a start-up in which the server rejected every credential of a dualcred pool. dualcred's message names the
 * pool, the slots and the usernames tried (never a password); the action says where to look.
 */
class CredentialsRejectedFailureAnalyzer extends AbstractFailureAnalyzer<Throwable> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, Throwable cause) {
        Throwable rejected = findCause(rootFailure, AllCredentialsRejectedException.class);
        if (rejected == null) {
            SQLException sql = findCause(rootFailure, SQLException.class);
            if (sql == null || sql.getSQLState() == null || !sql.getSQLState().startsWith("28")
                    || sql.getMessage() == null || !sql.getMessage().contains("every credential")) {
                return null;
            }
            rejected = sql;
        }
        return new FailureAnalysis("The database or Redis server rejected every credential of a dualcred pool at "
                + "start-up: " + rejected.getMessage(),
                "Check that the credential source (dualcred.datasource.credential-source or "
                        + "dualcred.redis.credential-source) holds a username and password the server accepts now, "
                        + "in CURRENT or NEXT. dualcred keeps re-reading the source while it backs off, but a "
                        + "pool that cannot log in at start-up stops the application.", rejected);
    }
}
