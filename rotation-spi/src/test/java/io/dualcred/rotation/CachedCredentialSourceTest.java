package io.dualcred.rotation;

import static io.dualcred.rotation.SourceFixtures.SENTINEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dualcred.rotation.EngineFixtures.FakeClock;
import io.dualcred.rotation.internal.CachedCredentialSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CachedCredentialSourceTest {

    static final Duration TTL = Duration.ofSeconds(30);
    static final CredentialSet FIRST = CredentialSet.of(Credential.of("app", "first-pw"));
    static final CredentialSet SECOND = CredentialSet.of(Credential.of("app", "second-pw"));

    final FakeClock clock = new FakeClock();
    final ExecutorService executor = Executors.newCachedThreadPool();

    /** A delegate that counts its loads and answers whatever the test put in {@link #next}. */
    final class CountingSource implements CredentialSource {
        final AtomicInteger loads = new AtomicInteger();
        final AtomicReference<CredentialSet> next = new AtomicReference<>(FIRST);
        volatile Runnable watcher;

        @Override
        public CredentialSet load() throws Exception {
            loads.incrementAndGet();
            return next.get();
        }

        @Override
        public Watch watch(Runnable changed) {
            watcher = changed;
            return () -> watcher = null;
        }

        @Override
        public String description() {
            return "vault:secret/db";
        }
    }

    /**
     * A delegate whose reads stay open until the test releases them, and that tells a plain read from a fresh one:
     * a plain read answers what the store held when it began ({@link #FIRST}), a fresh read what it holds now
     * ({@link #SECOND}).
     */
    static final class GatedSource implements CredentialSource {
        final AtomicInteger plainReads = new AtomicInteger();
        final AtomicInteger freshReads = new AtomicInteger();
        final CountDownLatch plainEntered = new CountDownLatch(1);
        final CountDownLatch freshEntered = new CountDownLatch(1);
        final CountDownLatch releasePlain = new CountDownLatch(1);
        final CountDownLatch releaseFresh = new CountDownLatch(1);

        @Override
        public CredentialSet load() throws InterruptedException {
            plainReads.incrementAndGet();
            plainEntered.countDown();
            assertThat(releasePlain.await(5, TimeUnit.SECONDS)).as("plain read released").isTrue();
            return FIRST;
        }

        @Override
        public CredentialSet loadFresh() throws InterruptedException {
            freshReads.incrementAndGet();
            freshEntered.countDown();
            assertThat(releaseFresh.await(5, TimeUnit.SECONDS)).as("fresh read released").isTrue();
            return SECOND;
        }
    }

    final CountingSource delegate = new CountingSource();
    final CachedCredentialSource cached = new CachedCredentialSource(delegate, TTL, clock);

    @AfterEach
    void stopThreads() {
        executor.shutdownNow();
    }

    @Test
    void servesTheCachedSetWhileYoungerThanTtl() throws Exception {
        assertThat(cached.load()).isEqualTo(FIRST);
        delegate.next.set(SECOND);
        clock.advance(TTL.minusMillis(1));

        assertThat(cached.load()).isEqualTo(FIRST);
        assertThat(delegate.loads).hasValue(1);
    }

    @Test
    void asksTheDelegateAgainOnceTheTtlHasPassed() throws Exception {
        cached.load();
        delegate.next.set(SECOND);
        clock.advance(TTL);

        assertThat(cached.load()).isEqualTo(SECOND);
        assertThat(delegate.loads).hasValue(2);
    }

    @Test
    void aClockThatStepsBackExpiresTheCache() throws Exception {
        cached.load();
        clock.advance(Duration.ofSeconds(-1));

        cached.load();

        assertThat(delegate.loads).hasValue(2);
    }

    @Test
    void concurrentLoadsShareOneDelegateCall() throws Exception {
        CountDownLatch delegateEntered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        CachedCredentialSource source = new CachedCredentialSource(() -> {
            calls.incrementAndGet();
            delegateEntered.countDown();
            assertThat(release.await(5, TimeUnit.SECONDS)).isTrue();
            return FIRST;
        }, TTL, clock);
        int followers = 7;
        List<Thread> followerThreads = new CopyOnWriteArrayList<>();
        List<Future<CredentialSet>> results = new ArrayList<>();

        results.add(executor.submit(source::load));
        assertThat(delegateEntered.await(5, TimeUnit.SECONDS)).isTrue();
        CountDownLatch followersStarted = new CountDownLatch(followers);
        for (int i = 0; i < followers; i++) {
            results.add(executor.submit(() -> {
                followerThreads.add(Thread.currentThread());
                followersStarted.countDown();
                return source.load();
            }));
        }
        assertThat(followersStarted.await(5, TimeUnit.SECONDS)).isTrue();
        // A thread parked while the delegate is held can only be waiting on the flight in progress.
        SourceFixtures.awaitCondition("every follower waiting on the flight", () -> followerThreads.stream()
                .allMatch(thread -> thread.getState() == Thread.State.WAITING));
        release.countDown();

        for (Future<CredentialSet> result : results) {
            assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo(FIRST);
        }
        assertThat(calls).hasValue(1);
    }

    @Test
    void aFailedLoadReachesEveryCallerSharingItAndIsNotCached() throws Exception {
        CountDownLatch delegateEntered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        CredentialSourceException failure = new CredentialSourceException("vault:secret/db: sealed");
        CachedCredentialSource source = new CachedCredentialSource(() -> {
            if (calls.incrementAndGet() > 1) {
                return SECOND;
            }
            delegateEntered.countDown();
            assertThat(release.await(5, TimeUnit.SECONDS)).isTrue();
            throw failure;
        }, TTL, clock);
        AtomicReference<Thread> followerThread = new AtomicReference<>();

        Future<CredentialSet> leader = executor.submit(source::load);
        assertThat(delegateEntered.await(5, TimeUnit.SECONDS)).isTrue();
        Future<CredentialSet> follower = executor.submit(() -> {
            followerThread.set(Thread.currentThread());
            return source.load();
        });
        SourceFixtures.awaitCondition("the follower waiting on the flight", () -> followerThread.get() != null
                && followerThread.get().getState() == Thread.State.WAITING);
        release.countDown();

        assertThatThrownBy(() -> leader.get(5, TimeUnit.SECONDS)).hasCause(failure);
        assertThatThrownBy(() -> follower.get(5, TimeUnit.SECONDS)).hasCause(failure);
        assertThat(source.load()).as("the failure was not cached").isEqualTo(SECOND);
        assertThat(calls).hasValue(2);
    }

    @Test
    void aChangeReportedByTheDelegateDropsTheCachedSet() throws Exception {
        AtomicInteger notices = new AtomicInteger();
        CredentialSource.Watch watch = cached.watch(notices::incrementAndGet);
        cached.load();
        delegate.next.set(SECOND);

        delegate.watcher.run();

        assertThat(notices).hasValue(1);
        assertThat(cached.load()).isEqualTo(SECOND);
        watch.close();
        assertThat(delegate.watcher).as("closing the cached watch closes the delegate's").isNull();
    }

    @Test
    void aChangeReportedDuringALoadIsServedButNotKept() throws Exception {
        CachedCredentialSource source = new CachedCredentialSource(new CredentialSource() {
            final AtomicInteger loads = new AtomicInteger();

            @Override
            public CredentialSet load() {
                if (loads.incrementAndGet() == 1) {
                    delegate.watcher.run(); // the store changes while this load is reading it
                    return FIRST;
                }
                return SECOND;
            }

            @Override
            public Watch watch(Runnable changed) {
                return delegate.watch(changed);
            }
        }, TTL, clock);
        source.watch(() -> { });

        assertThat(source.load()).isEqualTo(FIRST);
        assertThat(source.load()).isEqualTo(SECOND);
    }

    @Test
    void aFreshLoadSkipsTheCachedSetAndKeepsWhatItRead() throws Exception {
        cached.load();
        delegate.next.set(SECOND);

        assertThat(cached.loadFresh()).isEqualTo(SECOND);
        assertThat(cached.load()).as("the fresh result is cached").isEqualTo(SECOND);
        assertThat(delegate.loads).hasValue(2);
    }

    @Test
    void aFreshLoadAsksTheDelegateForAFreshRead() throws Exception {
        GatedSource gated = new GatedSource();
        gated.releasePlain.countDown();
        gated.releaseFresh.countDown();
        CachedCredentialSource source = new CachedCredentialSource(gated, TTL, clock);

        assertThat(source.loadFresh()).isEqualTo(SECOND);
        assertThat(gated.freshReads).hasValue(1);
        assertThat(gated.plainReads).hasValue(0);
    }

    @Test
    void aFreshLoadNeverReturnsAReadThatBeganBeforeIt() throws Exception {
        GatedSource gated = new GatedSource();
        gated.releaseFresh.countDown();
        CachedCredentialSource source = new CachedCredentialSource(gated, TTL, clock);
        Future<CredentialSet> plain = executor.submit(source::load);
        assertThat(gated.plainEntered.await(5, TimeUnit.SECONDS)).isTrue();

        // Called after the server rejected what the plain read is about to return.
        List<Thread> freshThread = new CopyOnWriteArrayList<>();
        Future<CredentialSet> fresh = executor.submit(() -> {
            freshThread.add(Thread.currentThread());
            return source.loadFresh();
        });
        awaitAllWaiting(freshThread, 1);
        gated.releasePlain.countDown();

        assertThat(plain.get(5, TimeUnit.SECONDS)).isEqualTo(FIRST);
        assertThat(fresh.get(5, TimeUnit.SECONDS)).isEqualTo(SECOND);
        assertThat(gated.freshReads).hasValue(1);
    }

    @Test
    void freshLoadsArrivingDuringOneReadShareOneFreshRead() throws Exception {
        GatedSource gated = new GatedSource();
        gated.releaseFresh.countDown();
        CachedCredentialSource source = new CachedCredentialSource(gated, TTL, clock);
        Future<CredentialSet> plain = executor.submit(source::load);
        assertThat(gated.plainEntered.await(5, TimeUnit.SECONDS)).isTrue();
        int rejectedPools = 5;
        List<Thread> freshThreads = new CopyOnWriteArrayList<>();
        List<Future<CredentialSet>> fresh = new ArrayList<>();

        for (int i = 0; i < rejectedPools; i++) {
            fresh.add(executor.submit(() -> {
                freshThreads.add(Thread.currentThread());
                return source.loadFresh();
            }));
        }
        awaitAllWaiting(freshThreads, rejectedPools);
        gated.releasePlain.countDown();

        assertThat(plain.get(5, TimeUnit.SECONDS)).isEqualTo(FIRST);
        for (Future<CredentialSet> result : fresh) {
            assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo(SECOND);
        }
        assertThat(gated.freshReads).as("one fresh read for every pool rejected together").hasValue(1);
    }

    @Test
    void aReadOvertakenByAFreshLoadIsServedButNotKept() throws Exception {
        GatedSource gated = new GatedSource();
        CachedCredentialSource source = new CachedCredentialSource(gated, TTL, clock);
        Future<CredentialSet> plain = executor.submit(source::load);
        assertThat(gated.plainEntered.await(5, TimeUnit.SECONDS)).isTrue();
        List<Thread> freshThread = new CopyOnWriteArrayList<>();
        Future<CredentialSet> fresh = executor.submit(() -> {
            freshThread.add(Thread.currentThread());
            return source.loadFresh();
        });
        awaitAllWaiting(freshThread, 1);
        gated.releasePlain.countDown();
        assertThat(plain.get(5, TimeUnit.SECONDS)).isEqualTo(FIRST);
        assertThat(gated.freshEntered.await(5, TimeUnit.SECONDS)).isTrue();

        // The plain read began before the rejection: a load now must wait for the fresh read, not serve FIRST.
        List<Thread> loader = new CopyOnWriteArrayList<>();
        Future<CredentialSet> later = executor.submit(() -> {
            loader.add(Thread.currentThread());
            return source.load();
        });
        awaitAllWaiting(loader, 1);
        gated.releaseFresh.countDown();

        assertThat(fresh.get(5, TimeUnit.SECONDS)).isEqualTo(SECOND);
        assertThat(later.get(5, TimeUnit.SECONDS)).isEqualTo(SECOND);
        assertThat(source.load()).as("the fresh result is kept").isEqualTo(SECOND);
        assertThat(gated.plainReads).hasValue(1);
        assertThat(gated.freshReads).hasValue(1);
    }

    @Test
    void aWaitingFreshCallerThatIsInterruptedStillReadsForEveryoneSharingItsRead() throws Exception {
        GatedSource gated = new GatedSource();
        gated.releaseFresh.countDown();
        CachedCredentialSource source = new CachedCredentialSource(gated, TTL, clock);
        Future<CredentialSet> plain = executor.submit(source::load);
        assertThat(gated.plainEntered.await(5, TimeUnit.SECONDS)).isTrue();
        List<Thread> first = new CopyOnWriteArrayList<>();
        AtomicReference<Boolean> firstStillInterrupted = new AtomicReference<>();
        Future<CredentialSet> interrupted = executor.submit(() -> {
            first.add(Thread.currentThread());
            CredentialSet set = source.loadFresh();
            firstStillInterrupted.set(Thread.currentThread().isInterrupted());
            return set;
        });
        awaitAllWaiting(first, 1);
        List<Thread> second = new CopyOnWriteArrayList<>();
        Future<CredentialSet> sharing = executor.submit(() -> {
            second.add(Thread.currentThread());
            return source.loadFresh();
        });
        awaitAllWaiting(second, 1);

        first.get(0).interrupt();

        assertThat(interrupted.get(5, TimeUnit.SECONDS)).isEqualTo(SECOND);
        assertThat(firstStillInterrupted.get()).as("the interrupt is kept for the caller").isTrue();
        assertThat(sharing.get(5, TimeUnit.SECONDS)).isEqualTo(SECOND);
        gated.releasePlain.countDown();
        assertThat(plain.get(5, TimeUnit.SECONDS)).isEqualTo(FIRST);
        assertThat(source.load()).as("the older plain read did not replace the fresh one").isEqualTo(SECOND);
        assertThat(gated.freshReads).hasValue(1);
    }

    /** A thread parked while the delegate is held can only be waiting for a read in progress. */
    private static void awaitAllWaiting(List<Thread> threads, int expected) {
        SourceFixtures.awaitCondition(expected + " caller(s) waiting", () -> threads.size() == expected
                && threads.stream().allMatch(thread -> thread.getState() == Thread.State.WAITING));
    }

    @Test
    void ttlMustBePositive() {
        for (Duration ttl : new Duration[] {Duration.ZERO, Duration.ofSeconds(-1), null}) {
            assertThatThrownBy(() -> CredentialSources.cached(delegate, ttl))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("ttl");
        }
    }

    @Test
    void describesItselfAfterTheDelegate() {
        CredentialSource source = CredentialSources.cached(delegate, TTL);

        assertThat(source.description()).isEqualTo("cached(vault:secret/db)");
        assertThat(source).hasToString("cached(vault:secret/db)");
    }

    @Test
    void neverRevealsAPassword() throws Exception {
        delegate.next.set(CredentialSet.of(Credential.of("app", SENTINEL)));

        CredentialSet set = cached.load();

        assertThat(set.toString()).doesNotContain(SENTINEL);
        assertThat(cached.toString()).doesNotContain(SENTINEL);
        assertThat(cached.description()).doesNotContain(SENTINEL);
    }
}
