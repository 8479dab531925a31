package io.dualcred.testservers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away TLS identity for a test server on the loopback interface: an EC key and a self-signed certificate
 * for {@code 127.0.0.1} and {@code localhost}, made by the JDK's own {@code keytool} (no other tool or library), and
 * written as the PEM files servers read. Clients trust exactly that certificate through {@link #socketFactory()}.
 */
public final class SelfSignedTls {

    /** The certificate file name, PEM. */
    public static final String CERTIFICATE_FILE = "tls.crt";
    /** The private key file name, PEM (PKCS#8, unencrypted). */
    public static final String KEY_FILE = "tls.key";

    private static final String ALIAS = "server";

    private final Certificate certificate;
    private final PrivateKey key;

    private SelfSignedTls(Certificate certificate, PrivateKey key) {
        this.certificate = certificate;
        this.key = key;
    }

    /**
     * Creates the identity and writes {@value #CERTIFICATE_FILE} and {@value #KEY_FILE} into {@code directory}.
     *
     * @param directory a private directory of the server
     * @return the identity, for clients
     */
    public static SelfSignedTls createIn(Path directory) {
        Path keyStoreFile = directory.resolve("tls.p12");
        String storePassword = Support.randomSecret(24);
        keytool(directory, "-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "7",
                "-storetype", "PKCS12", "-keystore", keyStoreFile.toString(),
                "-storepass", storePassword, "-keypass", storePassword);
        try (InputStream in = Files.newInputStream(keyStoreFile)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, storePassword.toCharArray());
            PrivateKey key = (PrivateKey) store.getKey(ALIAS, storePassword.toCharArray());
            Certificate certificate = store.getCertificate(ALIAS);
            Support.write(directory.resolve(CERTIFICATE_FILE), pem("CERTIFICATE", certificate.getEncoded()));
            Support.write(directory.resolve(KEY_FILE), pem("PRIVATE KEY", key.getEncoded()));
            Files.delete(keyStoreFile);
            return new SelfSignedTls(certificate, key);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the key store keytool made in " + directory + ": " + e, e);
        }
    }

    /** @return the TLS settings of a server in Java (an {@code HttpsServer}) presenting this identity */
    public SSLContext serverContext() {
        try {
            KeyStore identity = KeyStore.getInstance("PKCS12");
            identity.load(null, null);
            char[] password = Support.randomSecret(24).toCharArray();
            identity.setKeyEntry(ALIAS, key, password, new Certificate[] {certificate});
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(identity, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a server TLS context from the test certificate: " + e, e);
        }
    }

    /** @return a socket factory that trusts this certificate and nothing else */
    SSLSocketFactory socketFactory() {
        try {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            trusted.setCertificateEntry(ALIAS, certificate);
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a TLS context trusting the test certificate: " + e, e);
        }
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    private static void keytool(Path directory, String... arguments) {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> command = new java.util.ArrayList<>(List.of(keytool.toString()));
        command.addAll(List.of(arguments));
        try {
            Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                    .start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool did not finish within 60 s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("keytool failed (exit " + process.exitValue() + "): " + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + keytool + ", which makes the test certificate: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while making the test certificate", e);
        }
    }
}
