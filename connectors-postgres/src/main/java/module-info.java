/**
 * HikariCP pools for PostgreSQL that survive password rotation: {@code io.dualcred.postgres}. Its
 * {@code internal} package is not exported.
 */
// pgjdbc is resolved by its Automatic-Module-Name, which its authors keep stable.
@SuppressWarnings("requires-automatic")
module io.dualcred.postgres {
    // The builder takes a CredentialSource, a RotationConfig and listeners; the pool reports a RotationStatus.
    requires transitive io.dualcred.rotation;
    // The builder takes a HikariConfig and a MetricsTrackerFactory; the pool answers HikariCP's MXBeans.
    requires transitive com.zaxxer.hikari;
    // DualCredentialDataSource is a javax.sql.DataSource.
    requires transitive java.sql;
    // Logins go through pgjdbc's Driver directly.
    requires org.postgresql.jdbc;
    requires org.slf4j;

    exports io.dualcred.postgres;
}
