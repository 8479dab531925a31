package io.dualcred.testservers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * PgBouncer from the operating system's package, run as a local process in the foreground, its log on stderr. As
 * root it runs as {@value #UNPRIVILEGED_USER} ({@code -u}): PgBouncer refuses to run as root, and it reads its
 * {@code auth_file} again at every {@code RELOAD}, after it dropped its privileges, so its directory is handed to
 * that user (owner-only, as the {@code auth_file} holds secrets).
 */
final class PgBouncerEngine extends LocalEngine {

    /** The system property naming the {@code pgbouncer} executable; by default it is looked up on the path. */
    static final String EXECUTABLE_PROPERTY = "dualcred.pgbouncer";
    /** The system property naming the {@code psql} executable, for the admin console. */
    static final String PSQL_PROPERTY = "dualcred.psql";
    static final String UNPRIVILEGED_USER = "nobody";
    static final String CONFIG_FILE = "pgbouncer.ini";
    static final String AUTH_FILE = "userlist.txt";

    private final Path executable;
    private final String config;
    private Process process;

    /**
     * @param config the whole {@code pgbouncer.ini} but for {@code listen_port} and {@code auth_file}, appended here
     * @param authFile the first content of the {@code auth_file}
     */
    PgBouncerEngine(String config, String authFile) {
        super("PgBouncer", "127.0.0.1", "pgbouncer.log");
        this.executable = locate(EXECUTABLE_PROPERTY, "pgbouncer", "/usr/sbin/pgbouncer");
        this.config = config + "listen_port = " + port() + "\nauth_file = " + root.resolve(AUTH_FILE) + "\n";
        Support.write(root.resolve(CONFIG_FILE), this.config);
        writeAuthFile(authFile);
    }

    /** @return the directory holding {@value #CONFIG_FILE} and {@value #AUTH_FILE} */
    Path directory() {
        return root;
    }

    /**
     * Replaces the {@code auth_file}; PgBouncer reads it at start and at {@code RELOAD}. The new text goes to a new
     * file moved into place, as the runbook tells operators: at a {@code RELOAD} PgBouncer skips a file whose inode,
     * size and modification second look unchanged, and a new SCRAM verifier is as long as the old one, so a file
     * rewritten in place within the second of its last reading would keep the old verifier in force.
     */
    void writeAuthFile(String content) {
        Path file = root.resolve(AUTH_FILE);
        Path fresh = root.resolve(AUTH_FILE + ".new");
        Support.write(fresh, content);
        handOver();
        try {
            Files.move(fresh, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + fresh + " to " + file, e);
        }
    }

    @Override
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of(executable.toString()));
        if (runsAsRoot()) {
            command.addAll(List.of("-u", UNPRIVILEGED_USER));
        }
        command.add(root.resolve(CONFIG_FILE).toString());
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException(failure("did not start: " + e), e);
        }
    }

    @Override
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        Process running = process;
        process = null;
        Support.terminate(running);
    }

    @Override
    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /**
     * Runs a console command with {@code psql --csv}, the password in {@code PGPASSWORD} (never on a command line).
     *
     * @return the rows, each a map from column to value as text
     * @throws IllegalStateException if psql fails, with its output (which never holds the password)
     */
    static List<Map<String, String>> console(String host, int port, String user, String password, String command) {
        ProcessBuilder psql = new ProcessBuilder(locate(PSQL_PROPERTY, "psql", "/usr/bin/psql").toString(),
                "--csv", "--no-psqlrc", "-w", "-h", host, "-p", Integer.toString(port), "-U", user, "-d", "pgbouncer",
                "-v", "ON_ERROR_STOP=1", "-c", command).redirectErrorStream(true);
        psql.environment().put("PGPASSWORD", password);
        psql.environment().put("PGCONNECT_TIMEOUT", "10");
        try {
            Process process = psql.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("PgBouncer console command '" + command + "' on port " + port
                        + " failed: " + output.strip());
            }
            return csv(output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run psql", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running psql", e);
        }
    }

    /** psql's CSV: a header line, then rows; the console's values hold no commas, quotes or line breaks. */
    private static List<Map<String, String>> csv(String output) {
        List<String> lines = output.lines().filter(line -> !line.isEmpty()).toList();
        List<Map<String, String>> rows = new ArrayList<>();
        if (lines.size() < 2) {
            return rows;
        }
        String[] header = lines.get(0).split(",", -1);
        for (String line : lines.subList(1, lines.size())) {
            String[] values = line.split(",", -1);
            Map<String, String> row = new LinkedHashMap<>();
            for (int column = 0; column < header.length; column++) {
                row.put(header[column], column < values.length ? values[column] : null);
            }
            rows.add(row);
        }
        return rows;
    }

    /** The directory and its files belong to the user PgBouncer runs as, and to no one else. */
    private void handOver() {
        if (!runsAsRoot()) {
            return;
        }
        try {
            UserPrincipalLookupService users = root.getFileSystem().getUserPrincipalLookupService();
            var owner = users.lookupPrincipalByName(UNPRIVILEGED_USER);
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Files.setOwner(file, owner);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hand " + root + " to " + UNPRIVILEGED_USER, e);
        }
    }

    private static boolean runsAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * @param property a system property that names the executable; when unset, it is looked up on the path
     * @throws IllegalStateException naming how to install it when it cannot be found: tests that need PgBouncer
     *     fail with this message, they are never skipped
     */
    private static Path locate(String property, String name, String usual) {
        String configured = System.getProperty(property, "").trim();
        List<Path> candidates = new ArrayList<>();
        if (!configured.isEmpty()) {
            candidates.add(Path.of(configured));
        } else {
            for (String directory : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
                if (!directory.isEmpty()) {
                    candidates.add(Path.of(directory, name));
                }
            }
            candidates.add(Path.of(usual));
        }
        for (Path candidate : candidates) {
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(name + " is not installed (looked for " + candidates.get(0)
                + (candidates.size() > 1 ? " and on the PATH" : "") + "). The tests of the Maven profile 'pgbouncer' "
                + "need PgBouncer and psql: install them (Debian: apt-get install -y pgbouncer postgresql-client; "
                + ".ci/run does this), or set -D" + property + "=/path/to/" + name);
    }
}
