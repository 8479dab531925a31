package io.dualcred.postgres;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.rotation.CredentialSources;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** build() and the builder's methods reject configurations that cannot work, naming the field, before connecting. */
class BuilderValidationTest {

    private static final String URL = "jdbc:postgresql://localhost:1/app";

    private static DualCredentialDataSource.Builder valid() {
        return DualCredentialDataSource.builder()
                .jdbcUrl(URL)
                .credentialSource(CredentialSources.fixed(Credential.of("app", "secret-value")));
    }

    @Test
    void requiresACredentialSource() {
        assertThatThrownBy(() -> DualCredentialDataSource.builder().jdbcUrl(URL).build())
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("credentialSource is required");
    }

    @Test
    void requiresAPostgresJdbcUrlWithoutCredentials() {
        assertThatThrownBy(() -> DualCredentialDataSource.builder()
                .credentialSource(CredentialSources.fixed(Credential.of("app", "secret-value"))).build())
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("jdbcUrl is required");
        assertThatThrownBy(() -> valid().jdbcUrl("jdbc:mysql://localhost/app").build())
                .hasMessageStartingWith("jdbcUrl is not a PostgreSQL JDBC URL");
        assertThatThrownBy(() -> valid().jdbcUrl(URL + "?password=url-secret").build())
                .hasMessageStartingWith("jdbcUrl must not contain user or password")
                .hasMessageNotContaining("url-secret");
    }

    @Test
    void rejectsHikariSettingsThatWouldBypassTheCredentialSource() {
        HikariConfig withUsername = new HikariConfig();
        withUsername.setUsername("app");
        HikariConfig withPassword = new HikariConfig();
        withPassword.setPassword("config-secret");
        HikariConfig withDataSourceClass = new HikariConfig();
        withDataSourceClass.setDataSourceClassName("org.postgresql.ds.PGSimpleDataSource");
        HikariConfig withPasswordProperty = new HikariConfig();
        withPasswordProperty.addDataSourceProperty("password", "property-secret");

        assertThatThrownBy(() -> valid().hikariConfig(withUsername).build()).hasMessageStartingWith("username is set");
        assertThatThrownBy(() -> valid().hikariConfig(withPassword).build())
                .hasMessageStartingWith("password is set").hasMessageNotContaining("config-secret");
        assertThatThrownBy(() -> valid().hikariConfig(withDataSourceClass).build())
                .hasMessageContaining("dataSourceClassName");
        assertThatThrownBy(() -> valid().hikariConfig(withPasswordProperty).build())
                .hasMessageStartingWith("dataSourceProperties must not contain 'password'")
                .hasMessageNotContaining("property-secret");
    }

    @Test
    void builderMethodsNameTheirInvalidArgument() {
        DualCredentialDataSource.Builder builder = DualCredentialDataSource.builder();

        assertThatThrownBy(() -> builder.maximumPoolSize(0)).hasMessageStartingWith("maximumPoolSize");
        assertThatThrownBy(() -> builder.minimumIdle(-1)).hasMessageStartingWith("minimumIdle");
        assertThatThrownBy(() -> builder.connectionTimeout(Duration.ofMillis(10)))
                .hasMessageStartingWith("connectionTimeout");
        assertThatThrownBy(() -> builder.maxLifetime(Duration.ofSeconds(5))).hasMessageStartingWith("maxLifetime");
        assertThatThrownBy(() -> builder.dataSourceProperty("user", "app"))
                .hasMessageStartingWith("dataSourceProperty 'user'");
        assertThatThrownBy(() -> builder.poolName(" ")).hasMessageStartingWith("poolName");
    }

    @Test
    void anUnreadableSourceFailsTheBuildNamingTheField() {
        assertThatThrownBy(() -> valid().credentialSource("sysprop:dualcred_builder_test_absent").build())
                .isInstanceOf(CredentialSourceException.class)
                .hasMessageContaining("dualcred_builder_test_absent_USER");
    }
}
