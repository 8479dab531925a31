package io.dualcred.testservers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.exceptions.JedisConnectionException;

/** A Redis server with a TLS port: the handshake, the certificate's host names, and the plain port beside it. */
class RedisTlsServerTest {

    @AutoClose
    private static final RedisServer server = RedisServer.startNewWithTls();

    @Test
    void aClientTrustingTheServersCertificateLogsInOverTlsAndTheServerSeesItOnTheTlsPort() {
        String user = Names.unique("tls");
        server.setUser(user, "tls-secret");
        try (Jedis jedis = tlsClient(user, "tls-secret", withHostnameCheck())) {
            assertThat(jedis.aclWhoAmI()).isEqualTo(user);
            assertThat(server.clients()).filteredOn(client -> user.equals(client.user()))
                    .singleElement()
                    .satisfies(client -> assertThat(client.localAddress()).endsWith(":" + server.tlsPort()));
        }
        assertThat(server.tlsPort()).isNotEqualTo(server.port());
    }

    @Test
    void aPlainClientCannotTalkToTheTlsPort() {
        String user = Names.unique("plain");
        server.setUser(user, "plain-secret");
        DefaultJedisClientConfig config = DefaultJedisClientConfig.builder().protocol(RedisProtocol.RESP2)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED).timeoutMillis(2_000)
                .user(user).password("plain-secret").build();
        assertThatThrownBy(() -> {
            try (Jedis jedis = new Jedis(new HostAndPort(server.host(), server.tlsPort()), config)) {
                jedis.ping();
            }
        }).isInstanceOf(JedisConnectionException.class);
    }

    @Test
    void aServerStartedWithoutTlsSaysSo() {
        assertThatThrownBy(() -> RedisServer.shared().tlsPort()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("startNewWithTls");
    }

    /** JSSE's own check that the certificate names the host connected to (here the IP address 127.0.0.1). */
    private static SSLParameters withHostnameCheck() {
        SSLParameters parameters = new SSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        return parameters;
    }

    private static Jedis tlsClient(String user, String password, SSLParameters parameters) {
        DefaultJedisClientConfig config = DefaultJedisClientConfig.builder().protocol(RedisProtocol.RESP2)
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED).timeoutMillis(5_000)
                .ssl(true).sslSocketFactory(server.tlsSocketFactory()).sslParameters(parameters)
                .user(user).password(password).build();
        Jedis jedis = new Jedis(new HostAndPort(server.host(), server.tlsPort()), config);
        jedis.ping();
        return jedis;
    }
}
