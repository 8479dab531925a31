package io.dualcred.postgres.internal;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import org.postgresql.hostchooser.GlobalHostStatusTracker;
import org.postgresql.hostchooser.HostStatus;
import org.postgresql.util.HostSpec;

/**
 * A second look, host by host, when pgjdbc finds no server of the type a multi-host URL asks for.
 *
 * <p>With {@code jdbc:postgresql://a,b/db?targetServerType=primary}, pgjdbc keeps only the last host's failure and
 * chooses hosts by a JVM-wide cache of their states ({@code hostRecheckSeconds}). Two things then end in
 * {@code 08001 Could not find a server with specified targetServerType}, which is not an authentication failure:
 * <ul>
 *   <li>the primary rejects the password (28P01) while a lagging standby still accepts it: the rejection is dropped,
 *   and the pool would never try NEXT however long the standby lags;</li>
 *   <li>right after a rejected login pgjdbc marks the primary as failing to connect and, while a standby is still a
 *   candidate in its cache, tries only the standby: the next login fails even with the right password, and the one
 *   after it tries the rejected credential again.</li>
 * </ul>
 * The same {@code 08001} comes with {@code preferSecondary} (or {@code preferPrimary}) once every host refused the
 * credential: pgjdbc tries each host of unknown type as a possible secondary, then skips them all as failed in its
 * pass over any host, and reports no server of the type instead of the refusal. A pool whose logins see that as a
 * network failure lets every waiting login try the refused credential itself.
 *
 * <p>So on that {@code 08001} each host is asked once on its own, with the same properties. A host of the type asked
 * for that accepts the credential gives the connection (for a "prefer" type, a host of the other type that accepted
 * does when none of the preferred type did); otherwise a host that refuses the credential itself gives the failure
 * (its rejection, naming it); if neither (hosts down, starting, only standbys: a failover), pgjdbc's failure stands
 * and changes nothing. One login per host at most, and only on that failure.
 */
final class MultiHostLogin {

    /** pgjdbc's message, never translated for this SQLState, when no host had the server type asked for. */
    private static final String NO_SERVER_OF_TYPE = "Could not find a server with specified targetServerType";

    private MultiHostLogin() {
    }

    /**
     * @param driver pgjdbc's driver
     * @param url the URL the login used
     * @param properties the properties it used, credential included
     * @param failure what it threw
     * @return a connection to a host of the type the URL asks for that accepted the credential
     * @throws SQLException a failure carrying the rejection of a host that refused the credential, with pgjdbc's
     *     failure suppressed in it; or {@code failure} itself when it is not pgjdbc's "no server of that type" on a
     *     multi-host URL asking for (or preferring) a primary or a secondary, or no host accepted or refused the
     *     credential
     */
    static Connection hostByHost(Driver driver, String url, Properties properties, SQLException failure)
            throws SQLException {
        if (!"08001".equals(failure.getSQLState()) || failure.getMessage() == null
                || !failure.getMessage().startsWith(NO_SERVER_OF_TYPE)) {
            throw failure;
        }
        Properties parsed = org.postgresql.Driver.parseURL(url, properties);
        if (parsed == null) {
            throw failure;
        }
        String[] hosts = parsed.getProperty("PGHOST", "").split(",");
        String[] ports = parsed.getProperty("PGPORT", "").split(",");
        String type = parsed.getProperty("targetServerType", "any").toLowerCase(Locale.ROOT);
        boolean wantPrimary = type.equals("primary") || type.equals("master");
        boolean wantSecondary = type.equals("secondary") || type.equals("slave");
        boolean preferPrimary = type.equals("preferprimary");
        boolean preferSecondary = type.equals("prefersecondary") || type.equals("preferslave");
        boolean prefer = preferPrimary || preferSecondary;
        if (hosts.length < 2 || hosts.length != ports.length || !(wantPrimary || wantSecondary || prefer)) {
            throw failure;
        }
        boolean secondaryFirst = wantSecondary || preferSecondary;
        parsed.setProperty("targetServerType", "any");
        parsed.remove("loadBalanceHosts");
        SQLException rejection = null;
        String rejectedBy = null;
        Connection otherType = null;   // for a "prefer" type: a host of the other type that accepted
        for (int i = 0; i < hosts.length; i++) {
            String host = hosts[i] + ":" + ports[i];
            Connection connection;
            try {
                // Ending the URL with "/" leaves the database name to the parsed properties.
                connection = driver.connect("jdbc:postgresql://" + host + "/", parsed);
            } catch (SQLException e) {
                SQLException refusal = PostgresAuthFailureClassifier.serverRejection(e);
                if (refusal != null && rejection == null) {
                    rejection = refusal;
                    rejectedBy = host;
                }
                continue;
            }
            if (connection != null && isOfType(connection, secondaryFirst)) {
                closeQuietly(otherType);
                return connection;
            }
            if (prefer && otherType == null) {
                otherType = connection;
            } else {
                closeQuietly(connection);
            }
        }
        if (otherType != null) {
            return otherType;
        }
        if (rejection != null) {
            SQLException revealed = new SQLInvalidAuthorizationSpecException(rejectedBy + " rejected the "
                    + "credential, and no other host of the URL was a server of the type asked for: "
                    + rejection.getMessage(), rejection.getSQLState(), rejection);
            revealed.addSuppressed(failure);
            throw revealed;
        }
        throw failure;
    }

    /**
     * After a login through a multi-host URL failed on an authentication failure: pgjdbc has marked the hosts that
     * refused the credential as failing to connect, and for {@code hostRecheckSeconds} would leave them out of the
     * hosts it tries for a primary or a secondary, however good the next credential is; so the next login, with
     * NEXT, could reach only a lagging standby (which refuses NEXT) or no host at all. The URL's hosts are reported
     * to pgjdbc's host cache as reachable again, type unknown, so that the next login tries them in the URL's order
     * and checks their type as pgjdbc does on its first login.
     *
     * @param url the URL the login used
     * @param properties the properties it used
     */
    static void forgetRefusals(String url, Properties properties) {
        Properties parsed = org.postgresql.Driver.parseURL(url, properties);
        if (parsed == null) {
            return;
        }
        String[] hosts = parsed.getProperty("PGHOST", "").split(",");
        String[] ports = parsed.getProperty("PGPORT", "").split(",");
        if (hosts.length < 2 || hosts.length != ports.length) {
            return;
        }
        String localSocketAddress = parsed.getProperty("localSocketAddress");
        for (int i = 0; i < hosts.length; i++) {
            try {
                GlobalHostStatusTracker.reportHostStatus(
                        new HostSpec(hosts[i], Integer.parseInt(ports[i]), localSocketAddress), HostStatus.ConnectOK);
            } catch (NumberFormatException e) {
                return;
            }
        }
    }

    /**
     * pgjdbc's own test: a primary has {@code transaction_read_only} off, a secondary on.
     *
     * @return whether the host is of the type asked for; {@code false} when it cannot tell
     */
    private static boolean isOfType(Connection connection, boolean wantSecondary) {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SHOW transaction_read_only")) {
            return rows.next() && "on".equalsIgnoreCase(rows.getString(1)) == wantSecondary;
        } catch (SQLException e) {
            return false;
        }
    }

    private static void closeQuietly(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            // a probe connection; nothing depends on it
        }
    }
}
