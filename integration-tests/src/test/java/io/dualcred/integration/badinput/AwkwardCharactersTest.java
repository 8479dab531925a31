package io.dualcred.integration.badinput;

import static io.dualcred.integration.support.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.integration.redaction.Exposure;
import io.dualcred.integration.redaction.NoSecretLeaks;
import io.dualcred.integration.support.Load;
import io.dualcred.integration.support.PoolKind;
import io.dualcred.integration.support.PoolSpec;
import io.dualcred.integration.support.PoolUnderTest;
import io.dualcred.integration.support.Report;
import io.dualcred.integration.support.SecretDirectory;
import io.dualcred.integration.support.Sentinels;
import io.dualcred.integration.support.ServerAdmin;
import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.CredentialSources;
import io.dualcred.rotation.Slot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenario 5, bad input: quotes, spaces, backslashes, {@code $}, {@code %}, {@code @}, {@code :} and non-ASCII
 * text in passwords and user names, through the secret volume (UTF-8 files) and system properties, with a switch
 * to another user and then a password change of that user. Redis user names cannot contain spaces; everything else
 * is the same.
 */
@ExtendWith(NoSecretLeaks.class)
class AwkwardCharactersTest {

    /** Where the scenario keeps the credentials. */
    enum Store { SECRET_VOLUME, SYSTEM_PROPERTIES }

    static Stream<Arguments> kindsAndStores() {
        return PoolKind.onePerServer().flatMap(kind -> Stream.of(Store.values()).map(s -> Arguments.of(kind, s)));
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("kindsAndStores")
    void awkwardCharactersInUserNamesAndPasswordsLogInSwitchAndRotate(PoolKind kind, Store store) throws Exception {
        ServerAdmin server = kind.sharedServer();
        String blue = awkwardUser(kind, "blue");
        String green = awkwardUser(kind, "green");
        String bluePassword = Sentinels.awkwardPassword();
        String greenPassword = Sentinels.awkwardPassword();
        String greenNext = Sentinels.awkwardPassword();
        server.createUser(blue, bluePassword);
        server.createUser(green, greenPassword);
        Keys keys = Keys.in(store, kind);
        keys.write(blue, bluePassword, null, null);

        try (PoolUnderTest pool = kind.open(server, PoolSpec.of("awkward-" + kind, keys.source()));
             Load load = Load.start(pool)) {
            load.awaitSuccesses(300);
            assertThat(pool.loggedInAs()).isEqualTo(blue);

            // Alternating users: green staged, blue disabled.
            keys.write(blue, bluePassword, green, greenPassword);
            assertThat(pool.refresh().nextStaged()).isTrue();
            server.disableLogin(blue);
            pool.evictConnections();
            eventually("the switch to " + green).until(() -> green.equals(pool.status().activeUsername()));
            eventually("every connection of " + blue + " to be replaced").until(() -> server.sessions(blue).isEmpty());
            load.awaitSuccesses(300);
            assertThat(pool.loggedInAs()).isEqualTo(green);

            // Promotion, then a new awkward password for green.
            keys.write(green, greenPassword, null, null);
            assertThat(pool.refresh().activeSlot()).as("promoted").isEqualTo(Slot.CURRENT);
            keys.write(green, greenPassword, null, greenNext);
            assertThat(pool.refresh().nextStaged()).isTrue();
            server.addNextPassword(green, greenNext);
            server.replacePassword(green, greenPassword, greenNext);
            pool.evictConnections();
            eventually("the switch to green's new password")
                    .until(() -> pool.status().counters().switches() == 2 && pool.status().activeSlot() == Slot.NEXT);
            load.awaitSuccesses(300);
            load.close();

            Exposure.status(pool.status());
            assertThat(load.failures()).as("failed operations; the first: %s", load.someFailures()).isZero();
            assertThat(pool.loggedInAs()).isEqualTo(green);
            Report.line("awkward characters %s %s: user names %s / %s, switched twice, 0 of %d operations failed",
                    kind, store, blue, green, load.successes());
        } finally {
            keys.clear();
        }
    }

    /** Redis user names cannot contain spaces; PostgreSQL role names can. */
    private static String awkwardUser(PoolKind kind, String prefix) {
        return Sentinels.user(prefix) + (kind.isRedis() ? Sentinels.AWKWARD.replace(' ', '_') : Sentinels.AWKWARD);
    }

    /** The four keys, in a secret volume (published atomically) or in system properties (read on refresh). */
    private interface Keys {

        CredentialSource source();

        /** Writes all four keys; a {@code null} value removes the key. */
        void write(String user, String password, String nextUser, String nextPassword);

        void clear();

        static Keys in(Store store, PoolKind kind) {
            return store == Store.SECRET_VOLUME ? volume(kind) : systemProperties();
        }

        private static Keys volume(PoolKind kind) {
            SecretDirectory volume = SecretDirectory.create("awkward-" + kind);
            return new Keys() {
                @Override
                public CredentialSource source() {
                    return volume.source();
                }

                @Override
                public void write(String user, String password, String nextUser, String nextPassword) {
                    Map<String, String> content = new LinkedHashMap<>();
                    content.put("USER", user);
                    content.put("PASSWORD_CURRENT", password);
                    if (nextUser != null) {
                        content.put("USER_NEXT", nextUser);
                    }
                    if (nextPassword != null) {
                        content.put("PASSWORD_NEXT", nextPassword);
                    }
                    volume.publish(content);
                }

                @Override
                public void clear() {
                    volume.delete();
                }
            };
        }

        private static Keys systemProperties() {
            String prefix = Sentinels.user("awkward");
            return new Keys() {
                @Override
                public CredentialSource source() {
                    return CredentialSources.fromUri("sysprop:" + prefix);
                }

                @Override
                public void write(String user, String password, String nextUser, String nextPassword) {
                    put("USER", user);
                    put("PASSWORD_CURRENT", password);
                    put("USER_NEXT", nextUser);
                    put("PASSWORD_NEXT", nextPassword);
                }

                @Override
                public void clear() {
                    for (String key : List.of("USER", "PASSWORD_CURRENT", "USER_NEXT", "PASSWORD_NEXT")) {
                        System.clearProperty(prefix + "_" + key);
                    }
                }

                private void put(String key, String value) {
                    if (value == null) {
                        System.clearProperty(prefix + "_" + key);
                    } else {
                        System.setProperty(prefix + "_" + key, value);
                    }
                }
            };
        }
    }
}
