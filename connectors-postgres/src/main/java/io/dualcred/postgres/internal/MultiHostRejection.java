package io.dualcred.postgres.internal;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.util.Properties;

/**
 * Finds the rejection pgjdbc drops on a multi-host URL.
 *
 * <p>With {@code jdbc:postgresql://a,b/db?targetServerType=primary}, pgjdbc tries the hosts in turn and remembers
 * only the last failure. When the primary rejects the password (28P01) but a standby still accepts it (it has not
 * replayed the change yet), the standby is skipped as not primary and the login ends in {@code 08001 Could not find a
 * server with specified targetServerType: primary}, which is not an authentication failure: the pool would never try
 * NEXT, however long the standby lags. So when a multi-host login ends like that, each host is asked once more on its
 * own with the same properties. If one refuses the credential itself, its refusal is what the login failed on; if
 * none does (hosts down, starting, only standbys: a failover), the driver's failure stands and changes nothing.
 *
 * <p>This costs one login per host, and only on that failure.
 */
final class MultiHostRejection {

    /** pgjdbc's message, never translated for this SQLState, when no host had the server type asked for. */
    private static final String NO_SERVER_OF_TYPE = "Could not find a server with specified targetServerType";

    private MultiHostRejection() {
    }

    /**
     * @param driver pgjdbc's driver
     * @param url the URL the login used
     * @param properties the properties it used, credential included
     * @param failure what it threw
     * @return a failure carrying the rejection of a host that refused the credential, with the driver's failure
     *     suppressed in it; or {@code failure} itself when it is not pgjdbc's "no server of that type" on a
     *     multi-host URL, or no host refused the credential
     */
    static SQLException reveal(Driver driver, String url, Properties properties, SQLException failure) {
        if (!"08001".equals(failure.getSQLState()) || failure.getMessage() == null
                || !failure.getMessage().startsWith(NO_SERVER_OF_TYPE)) {
            return failure;
        }
        Properties parsed = org.postgresql.Driver.parseURL(url, properties);
        if (parsed == null) {
            return failure;
        }
        String[] hosts = parsed.getProperty("PGHOST", "").split(",");
        String[] ports = parsed.getProperty("PGPORT", "").split(",");
        if (hosts.length < 2 || hosts.length != ports.length) {
            return failure;
        }
        parsed.setProperty("targetServerType", "any");
        parsed.remove("loadBalanceHosts");
        for (int i = 0; i < hosts.length; i++) {
            // Ending the URL with "/" leaves the database name to the parsed properties.
            String host = hosts[i] + ":" + ports[i];
            try (Connection accepted = driver.connect("jdbc:postgresql://" + host + "/", parsed)) {
                // This host takes the credential; it is not why the login failed.
            } catch (SQLException e) {
                SQLException rejection = PostgresAuthFailureClassifier.serverRejection(e);
                if (rejection != null) {
                    SQLException revealed = new SQLInvalidAuthorizationSpecException(host + " rejected the "
                            + "credential, and no other host of the URL was a server of the type asked for: "
                            + rejection.getMessage(), rejection.getSQLState(), rejection);
                    revealed.addSuppressed(failure);
                    return revealed;
                }
            }
        }
        return failure;
    }
}
