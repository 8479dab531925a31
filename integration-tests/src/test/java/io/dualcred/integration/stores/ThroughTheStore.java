package io.dualcred.integration.stores;

import static io.dualcred.integration.support.Eventually.within;
import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.integration.redaction.Exposure;
import io.dualcred.integration.support.Account;
import io.dualcred.integration.support.Load;
import io.dualcred.integration.support.PoolKind;
import io.dualcred.integration.support.PoolSpec;
import io.dualcred.integration.support.PoolUnderTest;
import io.dualcred.integration.support.Report;
import io.dualcred.integration.support.ServerAdmin;
import io.dualcred.rotation.RotationConfig;
import io.dualcred.rotation.RotationEvent;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import io.dualcred.sources.StoreCalls;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The scenarios every store source goes through, against a real server under {@link Load#THREADS} threads: a whole
 * rotation driven through the store, and the store failing in the middle of one.
 */
final class ThroughTheStore {

    /** How the store is polled in these scenarios: often, so that the suite stays fast. */
    static final Duration POLL = Duration.ofMillis(200);

    private static final Duration STEP = Duration.ofSeconds(15);

    private ThroughTheStore() {
    }

    /** What a rotation cost the store, as the source counted it. */
    record Cost(StoreCalls calls, Duration elapsed) {
        /** @return full reads that were not version checks */
        long reads() {
            return calls.reads();
        }
    }

    /**
     * Stage NEXT in the store, change the password on the server, promote NEXT in the store, revoke the old password
     * and close its sessions; the pool follows the store by polling alone, with no {@code refresh()} call.
     *
     * @return what the rotation cost the store, from just before staging to the end of the revocation
     */
    static Cost rotate(PoolKind kind, ServerAdmin server, Account account, StoreUnderTest store) throws Exception {
        List<RotationEvent> events = new CopyOnWriteArrayList<>();
        PoolSpec spec = PoolSpec.of(store.name() + "-rotation-" + kind, store.source()).listener(events::add);
        try (PoolUnderTest pool = kind.open(server, spec); Load load = Load.start(pool)) {
            load.awaitSuccesses(500);
            StoreCalls before = store.source().calls();
            long started = System.nanoTime();

            server.addNextPassword(account.user(), account.next());
            store.stageNext(account);
            within("the pool to see NEXT in " + store.name(), STEP).until(() -> pool.status().nextStaged());

            ServerAdmin.Mark cutOver = server.mark();
            server.replacePassword(account.user(), account.current(), account.next());
            pool.evictConnections();
            within("the pool to switch to NEXT", STEP).until(() -> pool.status().activeSlot() == Slot.NEXT);

            store.promote(account);
            within("the pool to follow the promotion in " + store.name(), STEP).until(() -> {
                RotationStatus status = pool.status();
                return status.activeSlot() == Slot.CURRENT && !status.nextStaged();
            });

            within("the pool to retire the sessions of the old password", STEP)
                    .until(() -> server.sessionsOpenedBefore(account.user(), cutOver).isEmpty());
            server.killSessionsOpenedBefore(account.user(), cutOver);
            load.awaitSuccesses(500);
            Cost cost = new Cost(minus(store.source().calls(), before), Duration.ofNanos(System.nanoTime() - started));
            load.close();

            RotationStatus status = pool.status();
            Exposure.status(status);
            Exposure.status(store.source());
            assertThat(load.failures()).as("failed operations; the first: %s", load.someFailures()).isZero();
            assertThat(status.counters().switches()).isEqualTo(1);
            assertThat(status.sourceFailing()).isFalse();
            assertThat(pool.loggedInAs()).isEqualTo(account.user());
            assertThat(events).noneMatch(event -> event instanceof RotationEvent.SourceFailed);
            // The JDK's HTTP clients may send a request again over a keep-alive connection the server closed, and a
            // version check interrupted by the pool's close may be counted without having been sent.
            long counted = store.source().calls().calls();
            assertThat(store.requestsReceived()).as("the source counts every request the store received")
                    .isBetween(counted - 1, counted + 2);
            Report.line("%s rotation on %s: %d operations, 0 failed, %d rejected logins; store: %d calls (%d reads, "
                            + "%d version checks every %d ms) in %d ms", store.name(), kind, load.successes(),
                    server.rejectedLogins(account.user()), cost.calls().calls(), cost.reads(),
                    cost.calls().versionChecks(), POLL.toMillis(), cost.elapsed().toMillis());
            return cost;
        }
    }

    /**
     * With NEXT staged, the store starts refusing the source (its credentials revoked), then the server's password
     * changes: the pool keeps its last good credentials, switches to NEXT with no failed operation, and says why the
     * store cannot be read; once the store answers again the pool reads it again by itself.
     */
    static void storeFailsMidRotation(PoolKind kind, ServerAdmin server, Account account, StoreUnderTest store,
            String reason) throws Exception {
        List<RotationEvent> events = new CopyOnWriteArrayList<>();
        store.source().load(); // the client's set-up is not what the short source timeout below is about
        PoolSpec spec = PoolSpec.of(store.name() + "-failing-" + kind, store.source())
                .rotation(RotationConfig.custom()
                        .backoff(Duration.ofMillis(200), 2.0, Duration.ofSeconds(1))
                        .sourceTimeout(Duration.ofSeconds(2))
                        .build())
                .listener(events::add);
        try (PoolUnderTest pool = kind.open(server, spec); Load load = Load.start(pool)) {
            server.addNextPassword(account.user(), account.next());
            store.stageNext(account);
            within("the pool to see NEXT", STEP).until(() -> pool.status().nextStaged());
            String goodRevision = pool.status().sourceRevision();
            load.awaitSuccesses(500);

            store.denyEverything();
            within("the pool to report that the store fails", STEP).until(() -> pool.status().sourceFailing());
            server.replacePassword(account.user(), account.current(), account.next());
            pool.evictConnections();
            within("the pool to switch to its last good NEXT", STEP)
                    .until(() -> pool.status().activeSlot() == Slot.NEXT);
            load.awaitSuccesses(500);

            RotationStatus failing = pool.status();
            assertThat(failing.sourceFailing()).isTrue();
            assertThat(failing.sourceRevision()).as("the last good credentials are kept").isEqualTo(goodRevision);
            assertThat(events).filteredOn(RotationEvent.SourceFailed.class::isInstance)
                    .map(event -> ((RotationEvent.SourceFailed) event).problem())
                    .isNotEmpty()
                    .allMatch(problem -> problem.contains(reason), "names the store's answer: " + reason);

            store.heal();
            within("the pool to read the store again once it answers", STEP)
                    .until(() -> !pool.status().sourceFailing());
            load.awaitSuccesses(500);
            load.close();
            assertThat(load.failures()).as("failed operations; the first: %s", load.someFailures()).isZero();
            events.forEach(Exposure::event);
            Exposure.status(pool.status());
            Report.line("%s failing on %s: %d SourceFailed events, e.g. %s", store.name(), kind,
                    events.stream().filter(RotationEvent.SourceFailed.class::isInstance).count(),
                    events.stream().filter(RotationEvent.SourceFailed.class::isInstance).findFirst().orElseThrow());
        }
    }

    /**
     * The store stops answering at all: a refresh returns within the pool's source timeout saying so, the pool
     * keeps its credentials and its callers, and reads the store again by itself once it answers.
     *
     * @return how long the refresh took
     */
    static Duration storeHangs(PoolKind kind, ServerAdmin server, Account account, StoreUnderTest store)
            throws Exception {
        Duration sourceTimeout = Duration.ofSeconds(1);
        // A gRPC client sets its channel up at its first call, which may take longer than this short timeout on a
        // busy machine: that first read is not what this scenario is about.
        store.source().load();
        PoolSpec spec = PoolSpec.of(store.name() + "-hanging-" + kind, store.source())
                .rotation(RotationConfig.custom()
                        .backoff(Duration.ofMillis(200), 2.0, Duration.ofSeconds(1))
                        .sourceTimeout(sourceTimeout)
                        .build());
        try (PoolUnderTest pool = kind.open(server, spec); Load load = Load.start(pool)) {
            load.awaitSuccesses(500);
            String revision = pool.status().sourceRevision();

            store.hangEverything();
            long started = System.nanoTime();
            RotationStatus hanging = pool.refresh();
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            load.awaitSuccesses(500);

            assertThat(hanging.sourceFailing()).as("the refresh reports the hanging store").isTrue();
            assertThat(hanging.sourceRevision()).isEqualTo(revision);
            assertThat(took).as("a refresh waits the source timeout, not the store")
                    .isLessThan(sourceTimeout.plusSeconds(2));
            store.heal();
            within("the pool to read the store again once it answers", STEP)
                    .until(() -> !pool.status().sourceFailing());
            load.close();
            assertThat(load.failures()).as("failed operations; the first: %s", load.someFailures()).isZero();
            Report.line("%s hanging on %s: refresh returned in %d ms with the last good credentials, 0 failed "
                    + "operations", store.name(), kind, took.toMillis());
            return took;
        }
    }

    private static StoreCalls minus(StoreCalls after, StoreCalls before) {
        return new StoreCalls(after.calls() - before.calls(), after.failures() - before.failures(),
                after.reads() - before.reads(), after.versionChecks() - before.versionChecks());
    }
}
