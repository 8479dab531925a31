package io.dualcred.sources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSource;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RemoteCredentialSourceTest {

    private static final Credential BLUE = Credential.of("app", "blue-secret");
    private static final Credential GREEN = Credential.of("app", "green-secret");
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private final StubStore store = new StubStore(BLUE);

    @Test
    void loadsWithinTheTtlAreServedFromOneRead() throws Exception {
        RemoteCredentialSource source = RemoteCredentialSource.builder(store, store.counter).build();

        for (int i = 0; i < 100; i++) {
            assertThat(source.load().current()).isEqualTo(BLUE);
        }

        assertThat(source.calls()).isEqualTo(new StoreCalls(1, 0, 1, 0));
    }

    @Test
    void concurrentLoadsShareOneRead() throws Exception {
        RemoteCredentialSource source = RemoteCredentialSource.builder(store, store.counter).build();
        store.readGate = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(16);
        try {
            List<Future<CredentialSet>> loads = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                loads.add(threads.submit(source::load));
            }
            await().atMost(PATIENCE).until(() -> store.counter.calls() == 1);
            store.readGate.countDown();
            for (Future<CredentialSet> load : loads) {
                assertThat(load.get().current()).isEqualTo(BLUE);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(source.calls().reads()).isEqualTo(1);
    }

    @Test
    void aRejectionBypassesTheCacheExactlyOnce() throws Exception {
        RemoteCredentialSource source = RemoteCredentialSource.builder(store, store.counter).build();
        source.load();
        store.write(BLUE, GREEN);

        assertThat(source.load().next()).as("served from the cache").isEmpty();
        assertThat(source.loadFresh().next()).as("after a rejection").contains(GREEN);
        assertThat(source.load().next()).as("the fresh read is cached again").contains(GREEN);
        assertThat(source.load().next()).contains(GREEN);

        assertThat(source.calls().reads()).isEqualTo(2);
    }

    @Test
    void aPolledVersionChangeTellsTheWatchersAndTheNextLoadReadsTheStore() throws Exception {
        RemoteCredentialSource source = RemoteCredentialSource.builder(store, store.counter)
                .cacheTtl(Duration.ofHours(1))
                .pollInterval(Duration.ofMillis(20))
                .build();
        AtomicInteger notices = new AtomicInteger();
        CredentialSource.Watch watch = source.watch(notices::incrementAndGet);
        try {
            source.load();
            await().atMost(PATIENCE).until(() -> source.calls().versionChecks() >= 3);
            assertThat(notices).as("no change, no notice").hasValue(0);

            store.write(BLUE, GREEN);

            await().atMost(PATIENCE).until(() -> notices.get() == 1);
            assertThat(source.load().next()).as("the notice dropped the cached set").contains(GREEN);
            long checks = source.calls().versionChecks();
            await().atMost(PATIENCE).until(() -> source.calls().versionChecks() >= checks + 3);
            assertThat(notices).as("one notice per change").hasValue(1);
        } finally {
            watch.close();
        }
        StoreCalls calls = source.calls();
        assertThat(calls.calls()).isEqualTo(calls.reads() + calls.versionChecks());
    }

    @Test
    void aStoreThatStopsAnsweringIsReportedOnceAndAgainWhenItAnswers() throws Exception {
        RemoteCredentialSource source = RemoteCredentialSource.builder(store, store.counter)
                .pollInterval(Duration.ofMillis(20))
                .build();
        AtomicInteger notices = new AtomicInteger();
        CredentialSource.Watch watch = source.watch(notices::incrementAndGet);
        try {
            source.load();
            store.failWith(new IOException("connection reset"));
            await().atMost(PATIENCE).until(() -> notices.get() == 1);
            long failures = source.calls().failures();
            await().atMost(PATIENCE).until(() -> source.calls().failures() >= failures + 3);
            assertThat(notices).as("a store that keeps failing is reported once").hasValue(1);
            assertThatThrownBy(source::loadFresh).hasMessage("connection reset");

            store.heal();
            await().atMost(PATIENCE).until(() -> notices.get() == 2);
            assertThat(source.load().current()).isEqualTo(BLUE);
        } finally {
            watch.close();
        }
    }

    @Test
    void pollingStopsWhenTheLastWatchCloses() throws Exception {
        RemoteCredentialSource source = RemoteCredentialSource.builder(store, store.counter)
                .pollInterval(Duration.ofMillis(10))
                .build();
        CredentialSource.Watch first = source.watch(() -> { });
        CredentialSource.Watch second = source.watch(() -> { });
        await().atMost(PATIENCE).until(() -> source.calls().versionChecks() >= 2);
        first.close();
        long checks = source.calls().versionChecks();
        await().atMost(PATIENCE).until(() -> source.calls().versionChecks() >= checks + 2);
        second.close();
        await().atMost(PATIENCE).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("dualcred-store-poll")));
        long stopped = source.calls().versionChecks();
        assertThat(source.calls().versionChecks()).isEqualTo(stopped);
    }

    @Test
    void aZeroPollIntervalPollsNothing() {
        RemoteCredentialSource source = RemoteCredentialSource.builder(store, store.counter)
                .pollInterval(Duration.ZERO)
                .build();
        assertThat(source.watch(() -> { })).isSameAs(CredentialSource.Watch.NONE);
        assertThatThrownBy(() -> RemoteCredentialSource.builder(store, store.counter).cacheTtl(Duration.ZERO))
                .hasMessageContaining("cacheTtl");
    }
}
