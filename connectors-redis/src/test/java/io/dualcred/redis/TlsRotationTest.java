package io.dualcred.redis;

import static io.dualcred.redis.RedisFixtures.clientsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualcred.redis.RedisFixtures.Account;
import io.dualcred.redis.RedisFixtures.Flavour;
import io.dualcred.redis.RedisFixtures.Subject;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import io.dualcred.testservers.RedisServer;
import io.dualcred.testservers.RedisServer.ClientInfo;
import java.time.Duration;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * The ACL rotation of {@link RotationUnderLoadTest}, over TLS: a {@code rediss://} URI, a trust store holding only
 * the server's self-signed certificate, and JSSE's host-name check against the certificate's {@code 127.0.0.1}. A
 * TLS failure is not an authentication failure: it must not flip the credential.
 */
class TlsRotationTest {

    @AutoClose
    private static final RedisServer SERVER = RedisServer.startNewWithTls();

    @ParameterizedTest
    @MethodSource("io.dualcred.redis.Flavours#tested")
    void aclRotationOverTlsFailsNoCommandAndEveryConnectionUsesTheTlsPort(Flavour flavour) throws Exception {
        Account app = Account.create(SERVER, "tls");
        try (Subject redis = flavour.build(tlsBuilder(app))) {
            redis.get("warm-up");
            assertThat(clientsOf(SERVER, app.user())).isNotEmpty().allSatisfy(TlsRotationTest::onTlsPort);

            RotationUnderLoadTest.rotateAclPasswordUnderLoad(SERVER, app, redis, "tls-" + flavour);

            assertThat(clientsOf(SERVER, app.user())).isNotEmpty().allSatisfy(TlsRotationTest::onTlsPort);
        }
    }

    @ParameterizedTest
    @MethodSource("io.dualcred.redis.Flavours#tested")
    void anUntrustedCertificateFailsTheConnectionWithoutTouchingTheCredential(Flavour flavour) throws Exception {
        Account app = Account.create(SERVER, "untrusted");
        app.stageNext();
        // The JVM's default trust store does not know the test certificate.
        DualCredentialRedis.Builder builder = RedisFixtures.builder(SERVER, app.source())
                .uri("rediss://" + SERVER.host() + ":" + SERVER.tlsPort())
                .timeout(Duration.ofSeconds(2));
        try (Subject redis = flavour.build(builder)) {
            assertThatThrownBy(() -> redis.get("anything")).isInstanceOf(JedisConnectionException.class)
                    .hasCauseInstanceOf(SSLHandshakeException.class)
                    .satisfies(failure -> assertThat(failure.getCause()).hasMessageContaining("PKIX"));
            RotationStatus status = redis.rotation().status();
            assertThat(status.activeSlot()).isEqualTo(Slot.CURRENT);
            assertThat(status.counters().switches()).isZero();
            assertThat(status.counters().rejectedLogins()).isZero();
            assertThat(SERVER.authenticationFailures(app.user())).isZero();
        }
    }

    private static DualCredentialRedis.Builder tlsBuilder(Account app) {
        SSLParameters hostnameCheck = new SSLParameters();
        hostnameCheck.setEndpointIdentificationAlgorithm("HTTPS");
        return RedisFixtures.builder(SERVER, app.source())
                .uri("rediss://" + SERVER.host() + ":" + SERVER.tlsPort())
                .sslSocketFactory(SERVER.tlsSocketFactory())
                .sslParameters(hostnameCheck);
    }

    private static void onTlsPort(ClientInfo client) {
        assertThat(client.localAddress()).as("the server port client %d connected to", client.id())
                .endsWith(":" + SERVER.tlsPort());
    }
}
