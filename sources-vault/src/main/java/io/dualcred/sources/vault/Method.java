package io.dualcred.sources.vault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dualcred.rotation.CredentialSourceException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/** How a {@link VaultAuth} obtains a token; the client asks for one before every request. */
interface Method {

    /**
     * @param client logs in through it when needed
     * @return the token for the next request
     */
    String token(VaultClient client) throws Exception;

    /**
     * Vault answered 403 to a request made with {@code token}.
     *
     * @return whether a new token may be obtained and the request retried once
     */
    boolean rejected(String token);

    /** A token given outright: a 403 is final. */
    final class Token implements Method {
        private final Supplier<String> token;

        Token(Supplier<String> token) {
            this.token = token;
        }

        @Override
        public String token(VaultClient client) {
            return token.get();
        }

        @Override
        public boolean rejected(String rejected) {
            return false;
        }

        @Override
        public String toString() {
            return "token";
        }
    }

    /** A login whose token is kept for two thirds of its lease, or until Vault rejects it. */
    final class Login implements Method {
        private final String mount;
        private final String name;
        private final Supplier<ObjectNode> body;
        // Guarded by this. Logins are rare and short (bounded by the request timeout) and happen on the source's
        // reader or poll thread, never on a pool's.
        private String token;
        private long renewAtNanos;

        Login(String mount, String name, Supplier<ObjectNode> body) {
            this.mount = mount;
            this.name = name;
            this.body = body;
        }

        @Override
        public synchronized String token(VaultClient client) throws Exception {
            if (token == null || System.nanoTime() - renewAtNanos >= 0) {
                JsonNode auth = client.login("auth/" + mount + "/login", body.get()).path("auth");
                String issued = auth.path("client_token").asText("");
                if (issued.isBlank()) {
                    throw new CredentialSourceException(name + " login at auth/" + mount + " returned no token");
                }
                long lease = auth.path("lease_duration").asLong(0);
                token = issued;
                renewAtNanos = System.nanoTime() + (lease > 0 ? Duration.ofSeconds(lease).toNanos() * 2 / 3
                        : Long.MAX_VALUE / 2);
            }
            return token;
        }

        @Override
        public synchronized boolean rejected(String rejected) {
            if (Objects.equals(token, rejected)) {
                token = null;
            }
            return true;
        }

        @Override
        public String toString() {
            return name + " (auth/" + mount + ")";
        }
    }
}
