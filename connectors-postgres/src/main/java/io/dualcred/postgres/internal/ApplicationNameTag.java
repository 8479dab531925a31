package io.dualcred.postgres.internal;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.spi.SessionTag;
import java.util.Properties;
import java.util.StringJoiner;
import org.postgresql.PGProperty;

/**
 * Puts the credential's {@link SessionTag} into the {@code application_name} every connection sends at start-up, after
 * the application's own name: {@code orders-api [dualcred:v7]}, which {@code pg_stat_activity} shows for the session's
 * whole life (a {@code DISCARD ALL} or {@code RESET ALL} returns to it, since it is the session's start-up value).
 *
 * <p>The application's own name comes from its {@code ApplicationName} property or URL parameter, else pgjdbc's
 * default. pgjdbc lets a URL parameter override a connection property, so with tagging on the parameter is taken
 * out of the URL used for logins and sent as the tagged property instead.
 */
final class ApplicationNameTag {

    /** PostgreSQL keeps {@code NAMEDATALEN - 1} bytes of {@code application_name} and cuts the rest. */
    static final int LIMIT = 63;

    private static final String PROPERTY = PGProperty.APPLICATION_NAME.getName();

    private final boolean enabled;
    private final String applicationName;
    private final String loginUrl;

    /**
     * @param jdbcUrl the pool's URL
     * @param driverProperties the pool's connection properties
     * @param enabled whether sessions are tagged
     */
    ApplicationNameTag(String jdbcUrl, Properties driverProperties, boolean enabled) {
        this.enabled = enabled;
        Properties fromUrl = org.postgresql.Driver.parseURL(jdbcUrl, null);
        String named = fromUrl == null ? null : fromUrl.getProperty(PROPERTY);
        if (named == null) {
            named = driverProperties.getProperty(PROPERTY, PGProperty.APPLICATION_NAME.getDefaultValue());
        }
        this.applicationName = named;
        this.loginUrl = enabled ? withoutParameter(jdbcUrl, PROPERTY) : jdbcUrl;
    }

    /** @return the URL to log in with: the pool's, without an {@code ApplicationName} parameter when tagging */
    String loginUrl() {
        return loginUrl;
    }

    /**
     * @param properties the properties of one login; gets the tagged {@code ApplicationName} when tagging is on
     * @param credential the credential of that login
     */
    void apply(Properties properties, Credential credential) {
        if (enabled) {
            properties.setProperty(PROPERTY, SessionTag.append(applicationName, " ", credential, LIMIT));
        }
    }

    private static String withoutParameter(String url, String name) {
        int query = url.indexOf('?');
        if (query < 0) {
            return url;
        }
        StringJoiner kept = new StringJoiner("&");
        for (String parameter : url.substring(query + 1).split("&")) {
            int equals = parameter.indexOf('=');
            String key = equals < 0 ? parameter : parameter.substring(0, equals);
            if (!key.equals(name) && !parameter.isEmpty()) {
                kept.add(parameter);
            }
        }
        return kept.length() == 0 ? url.substring(0, query) : url.substring(0, query + 1) + kept;
    }
}
