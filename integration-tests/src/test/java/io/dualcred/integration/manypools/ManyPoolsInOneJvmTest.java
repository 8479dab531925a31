package io.dualcred.integration.manypools;

import static io.dualcred.integration.support.Eventually.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.dualcred.integration.redaction.Exposure;
import io.dualcred.integration.redaction.NoSecretLeaks;
import io.dualcred.integration.support.Account;
import io.dualcred.integration.support.LibraryThreads;
import io.dualcred.integration.support.Load;
import io.dualcred.integration.support.MutableSource;
import io.dualcred.integration.support.PoolKind;
import io.dualcred.integration.support.PoolSpec;
import io.dualcred.integration.support.PoolUnderTest;
import io.dualcred.integration.support.Report;
import io.dualcred.integration.support.SecretDirectory;
import io.dualcred.integration.support.Sentinels;
import io.dualcred.integration.support.ServerAdmin;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSource;
import io.dualcred.rotation.CredentialSources;
import io.dualcred.rotation.RotationConfig;
import io.dualcred.rotation.RotationStatus;
import io.dualcred.rotation.Slot;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Scenario 6, many pools in one JVM, as in a service that talks to several databases and caches: each pool has its
 * own user and its own kind of source (watched secret volume, system properties, a store read directly or through
 * a cache), its own refresh schedule and its own MBean. Rotating some must leave the others alone, and closing one
 * must stop exactly its threads, watch and MBean while the others keep working.
 */
@ExtendWith(NoSecretLeaks.class)
class ManyPoolsInOneJvmTest {

    private static final int THREADS_PER_POOL = 2;

    /** How one pool keeps its credentials. */
    private enum Store { SECRET_VOLUME, SYSTEM_PROPERTIES, STORE, CACHED_STORE }

    @Test
    void poolsRotateIndependentlyAndClosingOneStopsExactlyItsThreadsWatchAndMBean() throws Exception {
        List<Member> members = new ArrayList<>();
        List<Store> stores = List.of(Store.values());
        int index = 0;
        for (PoolKind kind : PoolKind.values()) {
            for (int copy = 0; copy < 2; copy++) {
                members.add(Member.open(kind, stores.get(index++ % stores.size())));
            }
        }
        try {
            members.forEach(member -> member.load.awaitSuccesses(200));

            // Every other pool rotates; the rest must not notice.
            List<Member> rotated = new ArrayList<>();
            for (int i = 0; i < members.size(); i += 2) {
                Member member = members.get(i);
                member.rotate();
                rotated.add(member);
            }
            for (Member member : rotated) {
                eventually(member.pool.name() + " to switch").until(() -> member.pool.status().activeSlot() == Slot.NEXT);
            }
            members.forEach(member -> member.load.awaitSuccesses(200));
            Exposure.jmx();
            for (Member member : members) {
                RotationStatus status = member.pool.status();
                Exposure.status(status);
                boolean wasRotated = rotated.contains(member);
                assertThat(status.counters().switches()).as("switches of %s", member.pool.name())
                        .isEqualTo(wasRotated ? 1 : 0);
                assertThat(status.counters().rejectedLogins()).as("rejected logins of %s", member.pool.name())
                        .isEqualTo(wasRotated ? 1 : 0);
            }

            // Close them one by one: each takes its own threads, watch and MBean along, and nothing else.
            while (!members.isEmpty()) {
                Member closing = members.remove(0);
                closing.close();
                assertThat(closing.load.failures()).as("failed operations of %s; the first: %s",
                        closing.pool.name(), closing.load.someFailures()).isZero();
                LibraryThreads.awaitNone(closing.pool.name());
                if (closing.volume != null) {
                    LibraryThreads.awaitNone(closing.volume.name());
                }
                assertThat(ManagementFactory.getPlatformMBeanServer().isRegistered(closing.mbean()))
                        .as("MBean of a closed pool").isFalse();
                for (Member open : members) {
                    String ownThread = open.volume != null
                            ? "dualcred-watch-" + open.volume.name() : "dualcred-" + open.pool.name() + "-refresh";
                    assertThat(LibraryThreads.alive(ownThread)).as("threads of %s, still open", open.pool.name())
                            .hasSize(1);
                    assertThat(ManagementFactory.getPlatformMBeanServer().isRegistered(open.mbean())).isTrue();
                    open.load.awaitSuccesses(50);
                }
                members.stream().filter(open -> open.volume != null).findFirst().ifPresent(Member::watchStillWorks);
            }
            LibraryThreads.awaitNone("dualcred-");
            LibraryThreads.awaitNone(LibraryThreads.POOL_EVICTOR);
            Report.line("many pools: 6 pools (2 of each kind) on 4 kinds of source, 3 rotated; each close stopped "
                    + "exactly its own threads, watch and MBean");
        } finally {
            members.forEach(Member::close);
        }
    }

    /** One pool with its user, its source and a small load. */
    private static final class Member {

        final PoolKind kind;
        final Store store;
        final ServerAdmin server;
        final String user;
        final String current;
        final String next;
        final SecretDirectory volume;
        final MutableSource mutable;
        final String propertyPrefix;
        final PoolUnderTest pool;
        final Load load;
        private boolean closed;

        private Member(PoolKind kind, Store store) {
            this.kind = kind;
            this.store = store;
            this.server = kind.sharedServer();
            Account account = Account.create(server, "many");
            this.user = account.user();
            this.current = account.current();
            this.next = account.next();
            this.volume = store == Store.SECRET_VOLUME
                    ? SecretDirectory.create("many-" + kind).holdCurrent(user, current) : null;
            this.mutable = store == Store.STORE || store == Store.CACHED_STORE
                    ? MutableSource.holding("many", Credential.of(user, current)) : null;
            this.propertyPrefix = store == Store.SYSTEM_PROPERTIES ? user : null;
            if (propertyPrefix != null) {
                System.setProperty(propertyPrefix + "_USER", user);
                System.setProperty(propertyPrefix + "_PASSWORD_CURRENT", current);
            }
            // A watched volume needs no schedule; the other stores are re-read every 200 ms.
            this.pool = kind.open(server, PoolSpec.of("many-" + kind + "-" + store, source())
                    .size(4)
                    .rotation(RotationConfig.custom()
                            .backoff(Duration.ofMillis(200), 2.0, Duration.ofSeconds(1))
                            .refreshInterval(volume == null ? Duration.ofMillis(200) : null)
                            .build())
                    .mbeans(true));
            this.load = Load.start(pool, THREADS_PER_POOL);
        }

        static Member open(PoolKind kind, Store store) {
            return new Member(kind, store);
        }

        private CredentialSource source() {
            return switch (store) {
                case SECRET_VOLUME -> volume.source();
                case SYSTEM_PROPERTIES -> CredentialSources.fromUri("sysprop:" + propertyPrefix);
                case STORE -> mutable;
                case CACHED_STORE -> CredentialSources.cached(mutable, Duration.ofSeconds(30));
            };
        }

        /** Stages NEXT in its own store, changes the password on the server, and evicts. */
        void rotate() {
            server.addNextPassword(user, next);
            switch (store) {
                case SECRET_VOLUME -> volume.stageNext(null, next);
                case SYSTEM_PROPERTIES -> System.setProperty(propertyPrefix + "_PASSWORD_NEXT", next);
                case STORE, CACHED_STORE -> mutable.set(Credential.of(user, current), Credential.of(user, next));
            }
            server.replacePassword(user, current, next);
            pool.evictConnections();
        }

        /** A change to this pool's volume is still noticed by its watch (it has no refresh schedule). */
        void watchStillWorks() {
            String revision = pool.status().sourceRevision();
            volume.stageNext(null, Sentinels.password("many-later"));
            eventually("the watch of " + pool.name() + " to notice a change")
                    .until(() -> !pool.status().sourceRevision().equals(revision));
        }

        ObjectName mbean() throws Exception {
            return new ObjectName("io.dualcred:type=Rotation,name=" + ObjectName.quote(pool.name()));
        }

        void close() {
            if (closed) {
                return;
            }
            closed = true;
            load.close();
            pool.close();
            if (volume != null) {
                volume.delete();
            }
            if (propertyPrefix != null) {
                for (String key : List.of("USER", "PASSWORD_CURRENT", "PASSWORD_NEXT")) {
                    System.clearProperty(propertyPrefix + "_" + key);
                }
            }
        }
    }
}
