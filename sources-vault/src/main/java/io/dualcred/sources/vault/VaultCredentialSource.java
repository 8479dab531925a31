package io.dualcred.sources.vault;

import io.dualcred.rotation.CredentialSourceException;
import io.dualcred.sources.RemoteCredentialSource;
import io.dualcred.sources.StoreCallCounter;
import io.dualcred.sources.StoreSourceBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds the Vault credential source: CURRENT and NEXT in one KV secret.
 *
 * <pre>{@code
 * CredentialSource source = VaultCredentialSource.builder(URI.create("https://vault.example:8200"), "secret/orders-db")
 *         .auth(VaultAuth.kubernetes("kubernetes", "orders", VaultAuth.KUBERNETES_JWT))
 *         .build();
 * }</pre>
 *
 * <p>The secret holds the fields {@code username}, {@code current}, optional {@code next} (blank: nothing staged),
 * optional {@code username_next} (alternating users) and optional non-secret labels {@code current_version} /
 * {@code next_version}, shown in every session's tag; each name can be changed with {@link Builder#fields}. Keeping
 * both passwords in one secret means one read returns a consistent pair.
 */
public final class VaultCredentialSource {

    private VaultCredentialSource() {
    }

    /**
     * @param address Vault's address, e.g. {@code https://vault.example:8200} (what {@code VAULT_ADDR} holds)
     * @param secret the secret's mount and path, e.g. {@code secret/orders-db}; the first segment is the mount
     *     unless {@link Builder#mount} says otherwise
     * @return a builder: KV version 2, token from {@code VAULT_TOKEN}, the default field names, cache and poll
     */
    public static Builder builder(URI address, String secret) {
        return new Builder(address, secret);
    }

    /** The settings of a Vault source; {@link #build()} checks them. */
    public static final class Builder extends StoreSourceBuilder<Builder> {
        private final URI address;
        private final String secret;
        private String mount;
        private int kvVersion = 2;
        private String namespace;
        private VaultAuth auth = VaultAuth.token(() -> System.getenv("VAULT_TOKEN"));
        private SSLContext ssl;
        private Path caCertificates;
        private VaultFields fields = VaultFields.DEFAULT;

        private Builder(URI address, String secret) {
            this.address = Objects.requireNonNull(address, "address");
            if (!"https".equalsIgnoreCase(address.getScheme()) && !"http".equalsIgnoreCase(address.getScheme())
                    || address.getHost() == null || address.getRawUserInfo() != null) {
                throw new CredentialSourceException("Vault address must be http(s)://host[:port] without user info");
            }
            this.secret = Secrets.required(secret, "the Vault secret path").replaceAll("^/+|/+$", "");
        }

        /**
         * @param name the KV engine's mount when it has more than one segment, e.g. {@code kv/team-a}; the secret
         *     path given to {@link VaultCredentialSource#builder} must then start with it
         * @return this builder
         */
        public Builder mount(String name) {
            this.mount = Secrets.required(name, "the mount").replaceAll("^/+|/+$", "");
            return this;
        }

        /**
         * @param version 2 (versioned KV, the default) or 1
         * @return this builder
         */
        public Builder kvVersion(int version) {
            if (version != 1 && version != 2) {
                throw new IllegalArgumentException("kvVersion must be 1 or 2, was " + version);
            }
            this.kvVersion = version;
            return this;
        }

        /**
         * @param name the Vault Enterprise namespace, sent as {@code X-Vault-Namespace}; {@code null} for none
         * @return this builder
         */
        public Builder namespace(String name) {
            this.namespace = name == null || name.isBlank() ? null : name.strip();
            return this;
        }

        /**
         * @param method how to get a token; the default reads {@code VAULT_TOKEN} at every request
         * @return this builder
         */
        public Builder auth(VaultAuth method) {
            this.auth = Objects.requireNonNull(method, "auth");
            return this;
        }

        /**
         * @param pemFile the certificates (PEM) to trust for Vault's TLS certificate instead of the JDK's trust
         *     store, as {@code VAULT_CACERT} names them
         * @return this builder
         */
        public Builder caCertificates(Path pemFile) {
            this.caCertificates = Objects.requireNonNull(pemFile, "caCertificates");
            return this;
        }

        /**
         * @param context the TLS settings in full (trust, client certificate), instead of {@link #caCertificates}
         * @return this builder
         */
        public Builder sslContext(SSLContext context) {
            this.ssl = Objects.requireNonNull(context, "sslContext");
            return this;
        }

        /**
         * @param username the CURRENT username's field ({@code username})
         * @param current the CURRENT password's field ({@code current})
         * @param next the NEXT password's field ({@code next})
         * @param nextUsername the NEXT username's field, for alternating users ({@code username_next})
         * @param currentVersion the CURRENT password's label field ({@code current_version})
         * @param nextVersion the NEXT password's label field ({@code next_version})
         * @return this builder
         */
        public Builder fields(String username, String current, String next, String nextUsername,
                String currentVersion, String nextVersion) {
            this.fields = new VaultFields(Secrets.required(username, "the username field"),
                    Secrets.required(current, "the current field"), Secrets.required(next, "the next field"),
                    Secrets.required(nextUsername, "the username_next field"),
                    Secrets.required(currentVersion, "the current_version field"),
                    Secrets.required(nextVersion, "the next_version field"));
            return this;
        }

        /**
         * @return the source; it calls Vault only when a pool loads or watches it
         * @throws CredentialSourceException when the settings do not fit together or the CA file cannot be read
         */
        public RemoteCredentialSource build() {
            String kvMount = mount != null ? mount : secret.contains("/") ? secret.substring(0, secret.indexOf('/'))
                    : null;
            if (kvMount == null || !secret.startsWith(kvMount + "/") || secret.length() == kvMount.length() + 1) {
                throw new CredentialSourceException("Vault secret must be <mount>/<path>, e.g. secret/orders-db");
            }
            String path = secret.substring(kvMount.length() + 1);
            String base = address.getScheme() + "://" + address.getHost()
                    + (address.getPort() == -1 ? "" : ":" + address.getPort());
            String description = "vault:" + base.substring(base.indexOf("//")) + "/" + secret
                    + (namespace == null ? "" : " (namespace " + namespace + ")");
            StoreCallCounter counter = new StoreCallCounter();
            VaultClient client = new VaultClient(URI.create(base), namespace, auth,
                    ssl != null ? ssl : caCertificates != null ? trusting(caCertificates) : null, requestTimeout,
                    counter, description);
            return source(new VaultStore(client, kvMount, path, kvVersion, fields, description), counter);
        }

        private static SSLContext trusting(Path pemFile) {
            try (InputStream in = Files.newInputStream(pemFile)) {
                KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
                trusted.load(null, null);
                int i = 0;
                for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    trusted.setCertificateEntry("vault-ca-" + i++, certificate);
                }
                if (i == 0) {
                    throw new CredentialSourceException("no certificate in Vault CA file " + pemFile);
                }
                TrustManagerFactory trust = TrustManagerFactory.getInstance(
                        TrustManagerFactory.getDefaultAlgorithm());
                trust.init(trusted);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, trust.getTrustManagers(), null);
                return context;
            } catch (IOException | GeneralSecurityException e) {
                throw new CredentialSourceException("cannot read Vault CA file " + pemFile + ": " + e.getMessage());
            }
        }
    }
}
