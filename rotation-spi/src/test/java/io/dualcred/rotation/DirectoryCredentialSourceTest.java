package io.dualcred.rotation;

import static io.dualcred.rotation.SourceFixtures.SENTINEL;
import static io.dualcred.rotation.SourceFixtures.keys;
import static io.dualcred.rotation.SourceFixtures.kubernetesVolume;
import static io.dualcred.rotation.SourceFixtures.setModified;
import static io.dualcred.rotation.SourceFixtures.swapData;
import static io.dualcred.rotation.SourceFixtures.writePlainFiles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.dualcred.rotation.EngineFixtures.FakeClock;
import io.dualcred.rotation.internal.DirectoryCredentialSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryCredentialSourceTest {

    static final Duration QUIET = DirectoryCredentialSource.DEFAULT_QUIET_PERIOD;
    static final CredentialSet OLD = CredentialSet.of(Credential.of("app", "old-pw"), Credential.of("app", "next-pw"));
    static final CredentialSet NEW = CredentialSet.of(Credential.of("app2", "new-pw"));

    @TempDir
    Path temp;

    final FakeClock clock = new FakeClock();
    final List<Duration> sleeps = new ArrayList<>();

    Path directory() {
        return temp.resolve("db");
    }

    @BeforeEach
    void filesWrittenByTheTestAreAnHourOld() {
        clock.advance(Duration.between(clock.instant(), Instant.now().plus(Duration.ofHours(1))));
    }

    DirectoryCredentialSource.Builder builder() {
        return DirectoryCredentialSource.builder(directory()).clock(clock).sleeper(sleeps::add);
    }

    DirectoryCredentialSource source() {
        return builder().build();
    }

    @Test
    void readsOneFilePerKey() throws Exception {
        writePlainFiles(directory(), keys("app", "old-pw", "next-pw"));

        assertThat(source().load()).isEqualTo(OLD);
        assertThat(sleeps).as("a directory left alone is read at once").isEmpty();
    }

    @Test
    void readsTheVersionOfEachPasswordFromItsOwnFileInTheSameSnapshot() throws Exception {
        Map<String, String> keys = keys("app", "old-pw", "next-pw");
        keys.put("VERSION_CURRENT", "6\n");
        keys.put("VERSION_NEXT", "7\n");
        kubernetesVolume(directory(), "..2026_11_23_10_00_00.000000001", keys);

        CredentialSet set = source().load();

        assertThat(set.current()).isEqualTo(Credential.of("app", "old-pw").withVersion("6"));
        assertThat(set.next()).contains(Credential.of("app", "next-pw").withVersion("7"));
    }

    @Test
    void readsADifferentNextUser() throws Exception {
        Map<String, String> keys = keys("app_blue", "blue-pw", "green-pw");
        keys.put("USER_NEXT", "app_green");
        writePlainFiles(directory(), keys);

        assertThat(source().load().next()).contains(Credential.of("app_green", "green-pw"));
    }

    @Test
    void stripsExactlyOneTrailingLineBreak() throws Exception {
        writePlainFiles(directory(), keys("app", "unused", null));
        Files.writeString(directory().resolve("PASSWORD_CURRENT"), "pw\n\n");
        Files.writeString(directory().resolve("PASSWORD_NEXT"), "pw2\r\n");
        Files.writeString(directory().resolve("USER_NEXT"), " app2 ");

        CredentialSet set = source().load();

        assertThat(set.current().password()).isEqualTo("pw\n");
        assertThat(set.next()).contains(Credential.of(" app2 ", "pw2"));
    }

    @Test
    void blankNextPasswordCountsAsAbsent() throws Exception {
        writePlainFiles(directory(), keys("app", "old-pw", "  "));

        assertThat(source().load().next()).isEmpty();
    }

    @Test
    void errorNamesTheMissingFile() throws Exception {
        writePlainFiles(directory(), keys("app", "old-pw", null));
        Files.delete(directory().resolve("PASSWORD_CURRENT"));

        assertThatThrownBy(source()::load)
                .isInstanceOf(CredentialSourceException.class)
                .hasMessage("file:" + directory() + ": PASSWORD_CURRENT is missing");
    }

    @Test
    void emptyCurrentPasswordIsAnError() throws Exception {
        writePlainFiles(directory(), keys("app", "", null));

        assertThatThrownBy(source()::load)
                .isInstanceOf(CredentialSourceException.class)
                .hasMessage("file:" + directory() + ": PASSWORD_CURRENT is empty");
    }

    @Test
    void aKeyThatCannotBeReadIsNamed() throws Exception {
        writePlainFiles(directory(), keys("app", "old-pw", null));
        Files.createDirectory(directory().resolve("PASSWORD_NEXT"));

        assertThatThrownBy(source()::load)
                .isInstanceOf(CredentialSourceException.class)
                .hasMessageStartingWith("file:" + directory() + ": cannot read PASSWORD_NEXT")
                .hasCauseInstanceOf(IOException.class);
    }

    @Test
    void invalidUtf8IsReportedRatherThanReplaced() throws Exception {
        writePlainFiles(directory(), keys("app", "old-pw", null));
        Files.write(directory().resolve("PASSWORD_CURRENT"), new byte[] {'p', (byte) 0xff, 'w'});

        assertThatThrownBy(source()::load)
                .isInstanceOf(CredentialSourceException.class)
                .hasMessage("file:" + directory() + ": PASSWORD_CURRENT is not valid UTF-8");
    }

    @Test
    void creatingASourceForAMissingDirectoryFails() {
        assertThatThrownBy(() -> CredentialSources.directory(directory()))
                .isInstanceOf(CredentialSourceException.class)
                .hasMessage("file:" + directory() + ": the directory does not exist");
    }

    @Test
    void creatingASourceForAFileFails() throws Exception {
        Files.writeString(temp.resolve("db"), "not a directory");

        assertThatThrownBy(() -> CredentialSources.directory(directory()))
                .isInstanceOf(CredentialSourceException.class)
                .hasMessage("file:" + directory() + ": not a directory");
    }

    @Test
    void loadFailsClearlyWhenTheDirectoryIsRemovedLater() throws Exception {
        writePlainFiles(directory(), keys("app", "old-pw", null));
        DirectoryCredentialSource source = source();
        SourceFixtures.deleteRecursively(directory());

        assertThatThrownBy(source::load)
                .isInstanceOf(CredentialSourceException.class)
                .hasMessage("file:" + directory() + ": the directory does not exist");
    }

    @Test
    void readsThroughTheDataLinkOfAKubernetesVolume() throws Exception {
        kubernetesVolume(directory(), "..2026_11_23_10_00_00.000000001", keys("app", "old-pw", "next-pw"));

        assertThat(source().load()).isEqualTo(OLD);

        swapData(directory(), "..2026_11_23_10_05_00.000000002", keys("app2", "new-pw", null));

        assertThat(source().load()).isEqualTo(NEW);
    }

    @Test
    void readsAllKeysFromOneDataSnapshotDuringSwap() throws Exception {
        kubernetesVolume(directory(), "..2026_11_23_10_00_00.000000001", keys("app", "old-pw", "next-pw"));
        AtomicBoolean swapped = new AtomicBoolean();
        DirectoryCredentialSource source = builder().fileReader(file -> {
            byte[] content = Files.readAllBytes(file);
            if (!swapped.getAndSet(true)) {
                // The kubelet swaps right after the first key was read.
                swapData(directory(), "..2026_11_23_10_05_00.000000002", keys("app2", "new-pw", null));
            }
            return content;
        }).build();

        assertThat(source.load()).as("everything from the snapshot the read began with").isEqualTo(OLD);
        assertThat(source.load()).isEqualTo(NEW);
    }

    @Test
    void rereadsTheNewSnapshotWhenTheOldOneIsRemovedMidRead() throws Exception {
        String oldSnapshot = "..2026_11_23_10_00_00.000000001";
        kubernetesVolume(directory(), oldSnapshot, keys("app", "old-pw", "next-pw"));
        AtomicBoolean swapped = new AtomicBoolean();
        DirectoryCredentialSource source = builder().fileReader(file -> {
            byte[] content = Files.readAllBytes(file);
            if (!swapped.getAndSet(true)) {
                swapData(directory(), "..2026_11_23_10_05_00.000000002", keys("app2", "new-pw", null));
                SourceFixtures.deleteRecursively(directory().resolve(oldSnapshot));
            }
            return content;
        }).build();

        assertThat(source.load()).isEqualTo(NEW);
    }

    @Test
    void neverMixesSnapshotsWhileTheDataLinkIsSwappedRepeatedly() throws Exception {
        Map<String, String> blue = keys("app_blue", "blue-pw", "blue-next-pw");
        Map<String, String> green = keys("app_green", "green-pw", null);
        kubernetesVolume(directory(), "..snapshot_0", blue);
        DirectoryCredentialSource source = builder()
                .sleeper(duration -> {
                    throw new AssertionError("a ..data snapshot is complete; nothing to wait for");
                })
                .build();
        Set<CredentialSet> seen = ConcurrentHashMap.newKeySet();
        AtomicReference<Throwable> readerFailure = new AtomicReference<>();
        AtomicInteger loads = new AtomicInteger();
        CountDownLatch swapsDone = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try {
                while (swapsDone.getCount() > 0 || loads.get() == 0) {
                    seen.add(source.load());
                    loads.incrementAndGet();
                }
            } catch (Throwable t) {
                readerFailure.set(t);
            }
        }, "reader");
        reader.start();

        for (int swap = 1; swap <= 100; swap++) {
            swapData(directory(), "..snapshot_" + swap, swap % 2 == 0 ? blue : green);
        }
        swapsDone.countDown();
        reader.join(TimeUnit.SECONDS.toMillis(10));

        assertThat(reader.isAlive()).isFalse();
        assertThat(readerFailure.get()).isNull();
        assertThat(loads.get()).isPositive();
        assertThat(seen).isSubsetOf(
                CredentialSet.of(Credential.of("app_blue", "blue-pw"), Credential.of("app_blue", "blue-next-pw")),
                CredentialSet.of(Credential.of("app_green", "green-pw")));
    }

    @Test
    void waitsOutAHalfWrittenFileBeforeActing() throws Exception {
        writePlainFiles(directory(), keys("app", "unused", null));
        Path password = directory().resolve("PASSWORD_CURRENT");
        Files.writeString(password, SENTINEL.substring(0, 4));
        setModified(password, clock.instant().minusMillis(50));
        List<Duration> waits = new ArrayList<>();
        DirectoryCredentialSource source = builder().sleeper(duration -> {
            if (waits.isEmpty()) {
                // The writer finishes while the load waits.
                SourceFixtures.rewrite(password, SENTINEL + "\n", clock.instant());
            }
            waits.add(duration);
            clock.advance(duration);
        }).build();

        CredentialSet set = source.load();

        assertThat(set.current().password()).isEqualTo(SENTINEL);
        assertThat(waits).as("the rest of the quiet period after each write")
                .containsExactly(Duration.ofMillis(150), Duration.ofMillis(50));
    }

    @Test
    void givesUpWhenFilesKeepChanging() throws Exception {
        writePlainFiles(directory(), keys("app", "old-pw", null));
        Path password = directory().resolve("PASSWORD_CURRENT");
        setModified(password, clock.instant());
        AtomicInteger writes = new AtomicInteger();
        DirectoryCredentialSource source = builder().sleeper(duration -> {
            clock.advance(duration);
            SourceFixtures.rewrite(password, "pw-" + writes.incrementAndGet(), clock.instant());
        }).build();

        assertThatThrownBy(source::load)
                .isInstanceOf(CredentialSourceException.class)
                .hasMessageStartingWith("file:" + directory() + ": files are still changing after 5 reads");
        assertThat(writes.get()).isEqualTo(4);
    }

    @Test
    void waitsForAFileRenamedIntoPlaceJustNow() throws Exception {
        writePlainFiles(directory(), keys("app", "old-pw", null));
        setModified(directory().resolve("USER"), clock.instant().minusMillis(10));
        DirectoryCredentialSource source = builder().sleeper(duration -> {
            sleeps.add(duration);
            clock.advance(duration);
        }).build();

        assertThat(source.load()).isEqualTo(CredentialSet.of(Credential.of("app", "old-pw")));
        assertThat(sleeps).containsExactly(QUIET.minusMillis(10));
    }

    @Test
    void doesNotWaitForFilesDatedFarInTheFuture() throws Exception {
        writePlainFiles(directory(), keys("app", "old-pw", null));
        setModified(directory().resolve("PASSWORD_CURRENT"), clock.instant().plus(Duration.ofMinutes(5)));

        assertThat(source().load().current().password()).isEqualTo("old-pw");
        assertThat(sleeps).as("clock skew is not a write in progress").isEmpty();
    }

    @Test
    void zeroQuietPeriodNeverWaits() throws Exception {
        writePlainFiles(directory(), keys("app", "old-pw", null));
        setModified(directory().resolve("PASSWORD_CURRENT"), clock.instant());

        assertThat(builder().quietPeriod(Duration.ZERO).build().load().current().password()).isEqualTo("old-pw");
        assertThat(sleeps).isEmpty();
    }

    @Test
    void builderRejectsInvalidOptionsByName() {
        DirectoryCredentialSource.Builder builder = DirectoryCredentialSource.builder(directory());

        assertThatThrownBy(() -> builder.quietPeriod(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("quietPeriod");
        assertThatThrownBy(() -> builder.pollInterval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pollInterval");
        assertThatThrownBy(() -> builder.clock(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("clock");
    }

    @Test
    void describesItselfByAbsolutePath() throws Exception {
        writePlainFiles(directory(), keys("app", "old-pw", null));

        CredentialSource source = CredentialSources.directory(directory());

        assertThat(source.description()).isEqualTo("file:" + directory().toAbsolutePath());
        assertThat(source).hasToString(source.description());
    }

    @Test
    void neverRevealsAPassword() throws Exception {
        writePlainFiles(directory(), keys("app", SENTINEL, SENTINEL + "-next"));
        DirectoryCredentialSource source = source();
        CredentialSet set = source.load();
        Files.delete(directory().resolve("USER"));
        Throwable missing = catchThrowable(source::load);
        Files.writeString(directory().resolve("USER"), "app");
        Files.write(directory().resolve("PASSWORD_NEXT"), new byte[] {(byte) 0xff});
        Throwable malformed = catchThrowable(source::load);

        assertThat(List.of(set.toString(), source.toString(), source.description(), missing.getMessage(),
                malformed.getMessage())).noneMatch(text -> text.contains(SENTINEL));
    }
}
