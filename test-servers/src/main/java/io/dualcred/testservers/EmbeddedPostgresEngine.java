package io.dualcred.testservers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * PostgreSQL from the zonky binaries, run as a local process (as root, zonky runs it in a user namespace through
 * {@code unshare -U}). Its superuser is zonky's {@code postgres}. The data directory and the server log live in the
 * engine's temporary directory.
 *
 * <p>zonky runs {@code initdb -A trust}; this engine passes {@code --pwfile} to initdb (through zonky's locale
 * options, which become {@code --name=value} initdb arguments) so that the superuser has a password from the first
 * start, and replaces {@code pg_hba.conf} before the server starts so that every connection needs SCRAM.
 */
final class EmbeddedPostgresEngine extends LocalEngine {

    private static final String CONFIG_FILE = "dualcred.conf";

    private final String superuserPassword;
    private final Path dataDirectory;
    /** The TLS identity, or {@code null} for a server without TLS. */
    private final SelfSignedTls tls;
    /** For a standby, the settings that make it follow its primary; empty otherwise. */
    private final String replicationSettings;
    private EmbeddedPostgres postgres;

    EmbeddedPostgresEngine(String superuserPassword) {
        this(superuserPassword, false);
    }

    /**
     * @param superuserPassword the superuser's password
     * @param withTls whether the server also accepts TLS ({@code ssl = on}) with a self-signed certificate for
     *     {@code localhost}; plain connections keep working, for the admin methods
     */
    EmbeddedPostgresEngine(String superuserPassword, boolean withTls) {
        this(superuserPassword, withTls, "");
    }

    private EmbeddedPostgresEngine(String superuserPassword, boolean withTls, String replicationSettings) {
        super("PostgreSQL", "localhost", "postgres.log");
        this.superuserPassword = superuserPassword;
        this.dataDirectory = root.resolve("data");
        this.tls = withTls ? SelfSignedTls.createIn(root) : null;
        this.replicationSettings = replicationSettings;
    }

    /**
     * A standby of this running server, not started yet: its data directory is a base backup of this one, taken
     * through {@link StandbyCopy} (the zonky binaries have no {@code pg_basebackup}), with {@code standby.signal} and
     * a {@code primary_conninfo} that streams from this server through a physical replication slot of its own.
     *
     * @param superuser a superuser session on this server, used for the backup and the slot
     * @param slot the replication slot's name, unique on this server
     */
    EmbeddedPostgresEngine newStandby(java.sql.Connection superuser, String slot) {
        String conninfo = "host=" + host() + " port=" + port() + " user=" + PostgresServer.SUPERUSER
                + " password=" + superuserPassword + " application_name=" + slot;
        EmbeddedPostgresEngine standby = new EmbeddedPostgresEngine(superuserPassword, false, String.join("\n",
                "primary_conninfo = '" + conninfo + "'",
                "primary_slot_name = '" + slot + "'",
                "hot_standby = on",
                "wal_receiver_status_interval = 1s",
                ""));
        try {
            StandbyCopy.take(superuser, dataDirectory, standby.dataDirectory, slot);
        } catch (RuntimeException e) {
            standby.destroy();
            throw e;
        }
        return standby;
    }

    /** @return the certificate clients must trust (PEM), or {@code null} if this server has no TLS */
    Path tlsCertificate() {
        return tls == null ? null : root.resolve(SelfSignedTls.CERTIFICATE_FILE);
    }

    @Override
    public synchronized void start() {
        if (postgres != null) {
            return;
        }
        boolean firstStart = !Files.exists(dataDirectory.resolve("postgresql.conf"));
        Path passwordFile = root.resolve("superuser-password");
        Redirect log = Redirect.appendTo(logFile.toFile());
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setPort(port())
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .setOutputRedirector(log)
                .setErrorRedirector(log)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setConnectConfig("password", superuserPassword)
                // zonky passes max_connections=300 on the command line, which beats the configuration file; the
                // fleet scenarios hold 50 pools of 8 connections, plus each pool's ready replacement.
                .setServerConfig("max_connections", "600")
                .setDataDirectoryCustomizer(directory -> configure(directory.toPath(), tls != null ? root : null,
                        replicationSettings));
        if (firstStart) {
            Support.write(passwordFile, superuserPassword + "\n");
            builder.setLocaleConfig("pwfile", passwordFile.toString());
        }
        try {
            postgres = builder.start();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(failure("did not start: " + e), e);
        } finally {
            passwordFile.toFile().delete();
        }
    }

    /**
     * Runs before every start: SCRAM for every connection, logging to stderr (our log file), no Unix socket; with
     * {@code tlsFiles}, TLS with the certificate and key found there (the key copied with owner-only permissions,
     * which PostgreSQL insists on); a standby's {@code replicationSettings} last. Streaming replication needs its
     * own {@code pg_hba.conf} line, with SCRAM as well.
     */
    private static void configure(Path directory, Path tlsFiles, String replicationSettings) {
        Support.write(directory.resolve("pg_hba.conf"), String.join("\n",
                "# Written by dualcred test-servers: every role needs its SCRAM password, over TCP and sockets.",
                "local all all scram-sha-256",
                "host  all all all scram-sha-256",
                "host  replication all all scram-sha-256",
                ""));
        Support.write(directory.resolve(CONFIG_FILE), String.join("\n",
                "listen_addresses = 'localhost'",
                "unix_socket_directories = ''",
                "password_encryption = 'scram-sha-256'",
                "log_destination = 'stderr'",
                "logging_collector = off",
                "log_connections = on",
                "lc_messages = 'C'",
                "log_line_prefix = '%m [%p] '",
                "fsync = off",
                "full_page_writes = off",
                tlsFiles == null ? "" : String.join("\n",
                        "ssl = on",
                        "ssl_cert_file = '" + SelfSignedTls.CERTIFICATE_FILE + "'",
                        "ssl_key_file = '" + SelfSignedTls.KEY_FILE + "'",
                        ""),
                replicationSettings));
        if (tlsFiles != null) {
            copyOwnerOnly(tlsFiles.resolve(SelfSignedTls.CERTIFICATE_FILE), directory);
            copyOwnerOnly(tlsFiles.resolve(SelfSignedTls.KEY_FILE), directory);
        }
        Path mainConfig = directory.resolve("postgresql.conf");
        String include = "include '" + CONFIG_FILE + "'";
        if (!Support.read(mainConfig).contains(include)) {
            try {
                Files.writeString(mainConfig, "\n" + include + "\n", java.nio.file.StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot extend " + mainConfig, e);
            }
        }
    }

    private static void copyOwnerOnly(Path file, Path directory) {
        Path copy = directory.resolve(file.getFileName());
        try {
            Files.copy(file, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(copy, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + file + " into " + directory, e);
        }
    }

    @Override
    public synchronized void stop() {
        if (postgres == null) {
            return;
        }
        EmbeddedPostgres running = postgres;
        postgres = null;
        try {
            running.close();
        } catch (IOException e) {
            throw new UncheckedIOException(failure("did not stop"), e);
        }
        if (Files.exists(dataDirectory.resolve("postmaster.pid"))) {
            throw new IllegalStateException(failure("still runs after pg_ctl stop"));
        }
    }

    /**
     * Sends the postmaster {@code SIGTERM}: PostgreSQL's smart shutdown, which refuses every new connection
     * ({@code 57P03}, "the database system is shutting down") and waits for the open sessions to end. {@link #stop()}
     * still stops it at once.
     */
    synchronized void beginSmartShutdown() {
        if (postgres == null) {
            throw new IllegalStateException(failure("is not running"));
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).strip());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(failure("has no readable postmaster.pid: " + e), e);
        }
        ProcessHandle postmaster = ProcessHandle.of(pid)
                .orElseThrow(() -> new IllegalStateException(failure("has no postmaster process " + pid)));
        if (!postmaster.destroy()) {
            throw new IllegalStateException(failure("did not take SIGTERM"));
        }
    }

    @Override
    public synchronized boolean isAlive() {
        return postgres != null;
    }
}
