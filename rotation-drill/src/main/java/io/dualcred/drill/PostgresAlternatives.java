package io.dualcred.drill;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.util.Credentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;

/**
 * What a careful team writes without dualcred to let a HikariCP pool follow a secret store, each in about twenty
 * lines: the bar dualcred has to clear. They live in the drill, not in the library.
 */
final class PostgresAlternatives {

    private PostgresAlternatives() {
    }

    /**
     * HikariCP 7's own extension point: a {@code HikariCredentialsProvider} that reads the store's CURRENT for every
     * new physical connection. Connections already open keep the credential they logged in with.
     */
    static HikariDataSource provider(HikariConfig config, Path secrets) {
        // setCredentialsProviderClassName is broken in 7.1.0; the instance setter works.
        config.setCredentialsProvider(() -> {
            StoreReader.Current current = StoreReader.current(secrets);
            return Credentials.of(current.user(), current.password());
        });
        return new HikariDataSource(config);
    }

    /**
     * A plain pool configured with the store's CURRENT, plus a thread watching the store: when CURRENT changes it
     * gives the pool the new password ({@code HikariConfigMXBean.setPassword}) and retires the open connections
     * gently ({@code softEvictConnections()}: idle ones now, busy ones when returned).
     */
    static HikariDataSource watcher(HikariConfig config, Path secrets) {
        StoreReader.Current first = StoreReader.current(secrets);
        config.setUsername(first.user());
        config.setPassword(first.password());
        WatchService service;
        try {
            service = secrets.getFileSystem().newWatchService();
            secrets.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch " + secrets + ": " + e.getMessage(), e);
        }
        HikariDataSource pool = new HikariDataSource(config) {
            @Override
            public void close() {
                super.close();
                try {
                    service.close();
                } catch (IOException e) {
                    // nothing left to release
                }
            }
        };
        Thread watch = new Thread(() -> {
            String known = first.password();
            try (service) {
                while (!pool.isClosed()) {
                    WatchKey key = service.take();
                    key.pollEvents();
                    key.reset();
                    String password;
                    try {
                        password = StoreReader.current(secrets).password();
                    } catch (UncheckedIOException unreadable) {
                        continue;   // keep the password the pool has; the next change is read again
                    }
                    if (!password.equals(known)) {
                        pool.getHikariConfigMXBean().setPassword(password);
                        pool.getHikariPoolMXBean().softEvictConnections();
                        known = password;
                    }
                }
            } catch (IOException | InterruptedException | ClosedWatchServiceException e) {
                // the pool is closing
            }
        }, config.getPoolName() + "-store-watch");
        watch.setDaemon(true);
        watch.start();
        return pool;
    }
}
