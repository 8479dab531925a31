/**
 * Real PostgreSQL and Redis servers for the tests of the other dualcred modules, with admin access.
 *
 * <pre>{@code
 * PostgresServer pg = PostgresServer.shared();          // one per JVM; never stopped by tests
 * pg.createLoginRole("app", "s3cret");
 * try (Connection c = pg.connect("app", "s3cret")) { ... }
 *
 * try (RedisServer redis = RedisServer.startNew()) {    // private: may be stopped and restarted
 *     redis.setUser("app", "old", "new");
 *     redis.restart();                                   // same port, same ACL users
 * }
 * }</pre>
 *
 * <p>Servers are embedded binaries (zonky PostgreSQL, embedded-redis' Redis 6.2) unless a Docker engine is
 * available; the system property {@code dualcred.testservers} forces {@code embedded} or {@code containers}
 * (see {@link io.dualcred.testservers.TestServers}). Their files live under {@code java.io.tmpdir} (the module's
 * {@code target/tmp} under Surefire) and are deleted on close or when the JVM exits.
 *
 * <p>{@link io.dualcred.testservers.RedisServer#startNewWithTls()} adds a TLS port with a self-signed certificate for
 * {@code 127.0.0.1}, made by the JDK's {@code keytool}; {@code tlsSocketFactory()} trusts exactly that certificate.
 * {@link io.dualcred.testservers.PostgresServer#startNewWithTls()} turns on {@code ssl} with such a certificate for
 * {@code localhost}; {@code tlsCertificate()} is the file for pgjdbc's {@code sslrootcert}. Both always run the
 * embedded binaries.
 *
 * <p>{@link io.dualcred.testservers.PostgresServer#startNewPrimary()} and {@code startStandby()} give a primary with
 * streaming standbys (embedded binaries), with promotion, paused replay and replay positions.
 * {@link io.dualcred.testservers.PgBouncerServer} puts PgBouncer from the operating system in front of a server,
 * with {@code auth_file} or {@code auth_query}; its tests run in the Maven profile {@code pgbouncer}.
 */
package io.dualcred.testservers;
