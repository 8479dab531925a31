package io.dualcred.spring.boot;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.dualcred.postgres.DualCredentialDataSource;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.flyway.autoconfigure.FlywayConnectionDetails;
import org.springframework.boot.flyway.autoconfigure.FlywayProperties;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceProperties;
import org.springframework.boot.liquibase.autoconfigure.LiquibaseConnectionDetails;
import org.springframework.boot.liquibase.autoconfigure.LiquibaseProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * With {@code dualcred.datasource.credential-source} set, the application's {@code DataSource} is a
 * {@link DualCredentialDataSource} built from {@code spring.datasource.url} (and {@code driver-class-name}) and every
 * {@code spring.datasource.hikari.*} property, bound to the same HikariCP configuration Boot would bind. A username
 * or password in those properties is refused: the credential source supplies both. Flyway and Liquibase keep working
 * with their own {@code user}/{@code password}, on the same URL.
 */
@AutoConfiguration(beforeName = {
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
        "org.springframework.boot.liquibase.autoconfigure.LiquibaseAutoConfiguration"})
@ConditionalOnClass({DualCredentialDataSource.class, DataSourceAutoConfiguration.class})
@ConditionalOnProperty("dualcred.datasource.credential-source")
@EnableConfigurationProperties({DualcredProperties.class, DataSourceProperties.class})
public class DualcredDataSourceAutoConfiguration {

    /** The bean name, as Boot names its own DataSource. */
    static final String BEAN_NAME = "dataSource";

    /**
     * @param dataSourceProperties {@code spring.datasource.*}
     * @param dualcred {@code dualcred.*}
     * @param environment for {@code spring.datasource.hikari.*}
     * @return the pool; its start-up check runs here, as HikariCP's would
     */
    @Bean(name = BEAN_NAME, destroyMethod = "close")
    @ConditionalOnMissingBean(DataSource.class)
    public DualCredentialDataSource dataSource(DataSourceProperties dataSourceProperties, DualcredProperties dualcred,
                                               Environment environment) {
        refuse(dataSourceProperties.getUsername(), "spring.datasource.username");
        refuse(dataSourceProperties.getPassword(), "spring.datasource.password");
        HikariConfig hikari = new HikariConfig();
        Binder.get(environment).bind("spring.datasource.hikari", Bindable.ofInstance(hikari));
        refuse(hikari.getUsername(), "spring.datasource.hikari.username");
        refuse(hikari.getPassword(), "spring.datasource.hikari.password");
        if (hikari.getJdbcUrl() == null) {
            hikari.setJdbcUrl(dataSourceProperties.determineUrl());
        }
        if (hikari.getDriverClassName() == null && dataSourceProperties.getDriverClassName() != null) {
            hikari.setDriverClassName(dataSourceProperties.getDriverClassName());
        }
        if (hikari.getPoolName() == null) {
            hikari.setPoolName(dataSourceProperties.getName() != null ? dataSourceProperties.getName() : BEAN_NAME);
        }
        return DualCredentialDataSource.builder()
                .hikariConfig(hikari)
                .credentialSource(dualcred.getDatasource().getCredentialSource())
                .rotation(dualcred.getRotation().toConfig())
                .build();
    }

    private static void refuse(String value, String property) {
        if (value != null) {
            throw new InvalidDualcredPropertyException(property,
                    "dualcred.datasource.credential-source supplies the database credentials",
                    "Remove " + property + "; put the username and the passwords in the credential source"
                            + " (dualcred.datasource.credential-source).");
        }
    }

    /** @return the JDBC URL the pool connects to, for tools that open their own connections */
    static String jdbcUrlOf(DataSource dataSource) {
        try {
            return dataSource.unwrap(HikariDataSource.class).getJdbcUrl();
        } catch (SQLException e) {
            throw new IllegalStateException("the dualcred DataSource does not unwrap to HikariDataSource", e);
        }
    }

    /**
     * Flyway with {@code spring.flyway.user}/{@code password} and no {@code spring.flyway.url} opens its own
     * connections to the application's database: Boot would read the URL back from the DataSource, which it cannot
     * do for this one, so the URL is handed over here.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.flywaydb.core.Flyway", value = FlywayConnectionDetails.class)
    @EnableConfigurationProperties(FlywayProperties.class)
    static class FlywayUrl {

        @Bean
        @ConditionalOnMissingBean(FlywayConnectionDetails.class)
        FlywayConnectionDetails flywayConnectionDetails(FlywayProperties flyway,
                                                        @Qualifier(BEAN_NAME) DataSource dataSource) {
            return new FlywayLogin(flyway.getUser(), flyway.getPassword(),
                    migrationUrl(flyway.getUrl(), flyway.getUser(), flyway.getPassword(), dataSource),
                    flyway.getDriverClassName());
        }

        // The components are named after the interface's getters, which they implement.
        private record FlywayLogin(String getUsername, String getPassword, String getJdbcUrl,
                                   String getDriverClassName) implements FlywayConnectionDetails {
        }
    }

    /** The same for Liquibase's {@code spring.liquibase.user}/{@code password}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "liquibase.Liquibase", value = LiquibaseConnectionDetails.class)
    @EnableConfigurationProperties(LiquibaseProperties.class)
    static class LiquibaseUrl {

        @Bean
        @ConditionalOnMissingBean(LiquibaseConnectionDetails.class)
        LiquibaseConnectionDetails liquibaseConnectionDetails(LiquibaseProperties liquibase,
                                                              @Qualifier(BEAN_NAME) DataSource dataSource) {
            return new LiquibaseLogin(liquibase.getUser(), liquibase.getPassword(),
                    migrationUrl(liquibase.getUrl(), liquibase.getUser(), liquibase.getPassword(), dataSource),
                    liquibase.getDriverClassName());
        }

        // The components are named after the interface's getters, which they implement.
        private record LiquibaseLogin(String getUsername, String getPassword, String getJdbcUrl,
                                      String getDriverClassName) implements LiquibaseConnectionDetails {
        }
    }

    /**
     * @return the migration tool's own URL; else, when it logs in as its own user, the pool's URL; else
     *     {@code null}, and the tool uses the dualcred DataSource itself
     */
    static String migrationUrl(String url, String user, String password, DataSource dataSource) {
        if (url != null || (user == null && password == null)) {
            return url;
        }
        return jdbcUrlOf(dataSource);
    }
}
