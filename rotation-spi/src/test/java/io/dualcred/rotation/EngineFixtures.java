package io.dualcred.rotation;

import io.dualcred.rotation.spi.AuthFailureClassifier;
import io.dualcred.rotation.spi.ConnectionEvictor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Stand-ins for the pieces around the engine. Real servers are used by the connector tests. */
final class EngineFixtures {

    private EngineFixtures() {
    }

    /** A clock that moves only when told to. */
    static final class FakeClock extends Clock {
        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-23T10:00:00Z"));

        void advance(Duration duration) {
            now.updateAndGet(t -> t.plus(duration));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    /** The failure a server gives for a wrong password. */
    static final class AuthRejected extends Exception {
        AuthRejected(String username) {
            super("password authentication failed for user \"" + username + "\"");
        }
    }

    /** The failure a server gives when it cannot be reached. */
    static final class Unreachable extends Exception {
        Unreachable() {
            super("connection refused");
        }
    }

    static final AuthFailureClassifier CLASSIFIER = new AuthFailureClassifier() {
        @Override
        public boolean isAuthenticationFailure(Throwable failure) {
            return failure instanceof AuthRejected;
        }

        @Override
        public String code(Throwable failure) {
            return "AUTH";
        }

        @Override
        public String reply(Throwable failure) {
            return failure.getMessage();
        }
    };

    /** A pretend server: which password each user may log in with, and a record of every attempt. */
    static final class FakeServer {
        private final Map<String, String> passwords = new ConcurrentHashMap<>();
        private final List<Credential> attempts = new CopyOnWriteArrayList<>();
        private volatile boolean reachable = true;

        FakeServer accept(Credential credential) {
            passwords.put(credential.username(), credential.password());
            return this;
        }

        void revoke(String username) {
            passwords.remove(username);
        }

        void setReachable(boolean reachable) {
            this.reachable = reachable;
        }

        FakeConnection open(Credential credential) throws Exception {
            attempts.add(credential);
            if (!reachable) {
                throw new Unreachable();
            }
            if (!credential.password().equals(passwords.get(credential.username()))) {
                throw new AuthRejected(credential.username());
            }
            return new FakeConnection(credential.username());
        }

        List<Credential> attempts() {
            return attempts;
        }

        long attemptsWith(Credential credential) {
            return attempts.stream().filter(credential::equals).count();
        }
    }

    record FakeConnection(String username) {
    }

    /** A source whose content the test sets; counts loads and can be made to fail. */
    static final class MutableSource implements CredentialSource {
        private final AtomicReference<CredentialSet> set;
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        private final AtomicInteger loads = new AtomicInteger();
        private final AtomicReference<Runnable> watcher = new AtomicReference<>();
        private final AtomicInteger closedWatches = new AtomicInteger();

        MutableSource(CredentialSet initial) {
            this.set = new AtomicReference<>(initial);
        }

        void set(CredentialSet next) {
            set.set(next);
        }

        void failWith(Exception e) {
            failure.set(e);
        }

        int loads() {
            return loads.get();
        }

        void announceChange() {
            watcher.get().run();
        }

        int closedWatches() {
            return closedWatches.get();
        }

        @Override
        public CredentialSet load() throws Exception {
            loads.incrementAndGet();
            Exception e = failure.get();
            if (e != null) {
                throw e;
            }
            return set.get();
        }

        @Override
        public Watch watch(Runnable changed) {
            watcher.set(changed);
            return closedWatches::incrementAndGet;
        }

        @Override
        public String description() {
            return "mutable";
        }
    }

    /** Records every generation the engine asked to evict below. */
    static final class RecordingEvictor implements ConnectionEvictor {
        private final List<Long> generations = new CopyOnWriteArrayList<>();

        @Override
        public void evictOlderThan(long generation) {
            generations.add(generation);
        }

        List<Long> generations() {
            return generations;
        }
    }

    /** Records every event. */
    static final class RecordingListener implements RotationListener {
        private final List<RotationEvent> events = new CopyOnWriteArrayList<>();

        @Override
        public void onEvent(RotationEvent event) {
            events.add(event);
        }

        List<RotationEvent> events() {
            return events;
        }

        <E extends RotationEvent> List<E> of(Class<E> type) {
            List<E> matching = new ArrayList<>();
            events.stream().filter(type::isInstance).map(type::cast).forEach(matching::add);
            return matching;
        }

        Map<Class<?>, Long> counts() {
            Map<Class<?>, Long> counts = new HashMap<>();
            events.forEach(e -> counts.merge(e.getClass(), 1L, Long::sum));
            return counts;
        }
    }
}
