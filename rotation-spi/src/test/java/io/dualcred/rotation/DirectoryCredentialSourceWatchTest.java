package io.dualcred.rotation;

import static io.dualcred.rotation.SourceFixtures.keys;
import static io.dualcred.rotation.SourceFixtures.kubernetesVolume;
import static io.dualcred.rotation.SourceFixtures.loadOrNull;
import static io.dualcred.rotation.SourceFixtures.renameIntoPlace;
import static io.dualcred.rotation.SourceFixtures.swapData;
import static io.dualcred.rotation.SourceFixtures.writePlainFiles;
import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.rotation.internal.DirectoryCredentialSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The directory watch against real file-system events. Each test waits, with a deadline, until the listener sees
 * the new content through {@link CredentialSource#load()}, the way the engine reacts to a notice.
 */
class DirectoryCredentialSourceWatchTest {

    static final CredentialSet OLD = CredentialSet.of(Credential.of("app", "old-pw"));
    static final CredentialSet NEW = CredentialSet.of(Credential.of("app", "old-pw"), Credential.of("app", "new-pw"));

    @TempDir
    Path temp;

    Path directory;

    /** Named after the test, so that the watch thread's name tells which test started it. */
    @BeforeEach
    void nameTheDirectoryAfterTheTest(TestInfo test) {
        directory = temp.resolve(test.getTestMethod().orElseThrow().getName());
    }

    DirectoryCredentialSource.Builder builder() {
        return DirectoryCredentialSource.builder(directory)
                .quietPeriod(Duration.ofMillis(50))
                .pollInterval(Duration.ofMillis(50));
    }

    /** Counts down once the source, read in the listener, holds {@code expected}. */
    static Runnable countDownOn(CredentialSource source, CredentialSet expected, CountDownLatch seen) {
        return () -> {
            if (expected.equals(loadOrNull(source))) {
                seen.countDown();
            }
        };
    }

    /** A change to the directory made by the test. */
    @FunctionalInterface
    interface Change {
        void apply() throws IOException;
    }

    /** Watches, applies the change, and asserts that a notice came after which the source read {@code NEW}. */
    static void assertNoticeAfter(CredentialSource source, Change change) throws Exception {
        CountDownLatch seen = new CountDownLatch(1);
        try (CredentialSource.Watch watch = source.watch(countDownOn(source, NEW, seen))) {
            change.apply();

            assertThat(seen.await(5, TimeUnit.SECONDS)).as("a notice after which the change is visible").isTrue();
        }
    }

    @Test
    void watchFiresOnDataSymlinkSwap() throws Exception {
        kubernetesVolume(directory, "..2026_11_23_10_00_00.000000001", keys("app", "old-pw", null));

        assertNoticeAfter(builder().build(),
                () -> swapData(directory, "..2026_11_23_10_05_00.000000002", keys("app", "old-pw", "new-pw")));
    }

    @Test
    void watchFiresOnRenameIntoPlace() throws Exception {
        writePlainFiles(directory, keys("app", "old-pw", null));

        assertNoticeAfter(builder().build(), () -> renameIntoPlace(directory, "PASSWORD_NEXT", "new-pw\n"));
    }

    @Test
    void watchFiresOnPlainRewrite() throws Exception {
        writePlainFiles(directory, keys("app", "old-pw", "  "));

        assertNoticeAfter(builder().build(),
                () -> Files.writeString(directory.resolve("PASSWORD_NEXT"), "new-pw\n"));
    }

    @Test
    void watchFiresWhenTheDirectoryIsDeletedAndRecreated() throws Exception {
        writePlainFiles(directory, keys("app", "old-pw", null));

        assertNoticeAfter(builder().build(), () -> {
            SourceFixtures.deleteRecursively(directory);
            writePlainFiles(directory, keys("app", "old-pw", "new-pw"));
        });
    }

    @Test
    void pollsWhenNoWatchServiceIsAvailable() throws Exception {
        writePlainFiles(directory, keys("app", "old-pw", null));
        CredentialSource source = builder()
                .watchServiceFactory(dir -> {
                    throw new IOException("no inotify instances left");
                })
                .build();

        assertNoticeAfter(source, () -> renameIntoPlace(directory, "PASSWORD_NEXT", "new-pw"));
    }

    @Test
    void watchKeepsWorkingAfterTheDirectoryWasRecreated() throws Exception {
        writePlainFiles(directory, keys("app", "old-pw", null));
        CredentialSource source = builder().build();
        CountDownLatch recreated = new CountDownLatch(1);
        CountDownLatch rewritten = new CountDownLatch(1);
        Runnable first = countDownOn(source, OLD, recreated);
        Runnable second = countDownOn(source, NEW, rewritten);

        try (CredentialSource.Watch watch = source.watch(() -> {
            first.run();
            second.run();
        })) {
            SourceFixtures.deleteRecursively(directory);
            writePlainFiles(directory, keys("app", "old-pw", null));
            assertThat(recreated.await(5, TimeUnit.SECONDS)).isTrue();

            Files.writeString(directory.resolve("PASSWORD_NEXT"), "new-pw");

            assertThat(rewritten.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aFailingListenerDoesNotStopTheWatch() throws Exception {
        writePlainFiles(directory, keys("app", "old-pw", null));
        CredentialSource source = builder().build();
        AtomicInteger notices = new AtomicInteger();
        CountDownLatch seen = new CountDownLatch(1);
        Runnable check = countDownOn(source, NEW, seen);

        try (CredentialSource.Watch watch = source.watch(() -> {
            if (notices.incrementAndGet() == 1) {
                throw new IllegalStateException("listener bug");
            }
            check.run();
        })) {
            Files.writeString(directory.resolve("USER"), "app\n");
            SourceFixtures.awaitCondition("the first notice", () -> notices.get() > 0);

            Files.writeString(directory.resolve("PASSWORD_NEXT"), "new-pw");

            assertThat(seen.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void closeStopsTheWatchThread() throws Exception {
        writePlainFiles(directory, keys("app", "old-pw", null));
        CredentialSource.Watch watch = builder().build().watch(() -> { });
        Thread thread = watchThread();
        assertThat(thread.isDaemon()).isTrue();

        watch.close();
        thread.join(TimeUnit.SECONDS.toMillis(5));

        assertThat(thread.isAlive()).isFalse();
        watch.close(); // idempotent: a second close neither throws nor blocks
    }

    @Test
    void closeStopsAPollingWatchThread() throws Exception {
        writePlainFiles(directory, keys("app", "old-pw", null));
        CredentialSource.Watch watch = builder()
                .pollInterval(Duration.ofMinutes(10))
                .watchServiceFactory(dir -> {
                    throw new UnsupportedOperationException("no watch service here");
                })
                .build()
                .watch(() -> { });
        Thread thread = watchThread();

        watch.close();
        thread.join(TimeUnit.SECONDS.toMillis(5));

        assertThat(thread.isAlive()).as("close does not wait out the poll interval").isFalse();
    }

    private Thread watchThread() {
        String name = "dualcred-watch-" + directory.getFileName();
        List<Thread> threads = Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals(name))
                .toList();
        assertThat(threads).as("threads named " + name).hasSize(1);
        return threads.get(0);
    }
}
