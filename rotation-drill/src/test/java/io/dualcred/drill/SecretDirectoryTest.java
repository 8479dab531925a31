package io.dualcred.drill;

import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSources;
import org.junit.jupiter.api.Test;

/**
 * The drill writes its secret directories with key names of its own (it uses no dualcred internals); the built-in
 * {@code file:} source must read back exactly what the drill published, versions included, in each shape a rotation
 * gives the directory.
 */
class SecretDirectoryTest {

    @Test
    void theFileSourceReadsWhatTheDrillPublishes() throws Exception {
        SecretDirectory directory = SecretDirectory.create("keys");
        try {
            var source = CredentialSources.fromUri("file:" + directory.path());

            directory.publish("drill_user", "old-pw", "1", null, null);
            assertThat(source.loadFresh()).isEqualTo(CredentialSet.of(
                    Credential.of("drill_user", "old-pw").withVersion("1")));

            directory.publish("drill_user", "old-pw", "1", "new-pw", "2");
            assertThat(source.loadFresh()).isEqualTo(CredentialSet.of(
                    Credential.of("drill_user", "old-pw").withVersion("1"),
                    Credential.of("drill_user", "new-pw").withVersion("2")));

            directory.publish("drill_user", "new-pw", "2", null, null);
            assertThat(source.loadFresh()).isEqualTo(CredentialSet.of(
                    Credential.of("drill_user", "new-pw").withVersion("2")));

            directory.publish("drill_user", "plain-pw", null, null, null);
            assertThat(source.loadFresh()).isEqualTo(CredentialSet.of(Credential.of("drill_user", "plain-pw")));
        } finally {
            directory.delete();
        }
    }
}
