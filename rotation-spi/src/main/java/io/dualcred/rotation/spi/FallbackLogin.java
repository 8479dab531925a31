package io.dualcred.rotation.spi;

import io.dualcred.rotation.AllCredentialsRejectedException;
import io.dualcred.rotation.AllCredentialsRejectedException.Attempt;
import io.dualcred.rotation.Credential;
import io.dualcred.rotation.Slot;
import io.dualcred.rotation.spi.EngineState.Rejection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The core of dualcred: a new connection logs in with the active credential (CURRENT at start); when the server
 * rejects it, the source is re-read and the other credentials are tried — CURRENT, then NEXT, then the last
 * credential the server accepted — and the first one accepted becomes active.
 *
 * <p>Two gates keep a burst of logins (a pool filling up, every connection dropped at once by a revocation) from
 * costing more than one rejected login per switch:
 * <ul>
 *   <li><b>The probe.</b> While a login with a credential is under way, further logins with the same credential wait
 *       for its outcome instead of trying it too. Accepted: the next one becomes the probe, so logins with one
 *       credential run one at a time and a password changed on the server between two of them costs one rejected
 *       login, not one per login in flight (a pool fills a few milliseconds slower; HikariCP's single adder thread
 *       is serial anyway). Rejected: the probe runs the recovery (unless another thread runs one) before it lets
 *       them go, and they find its outcome. A failure that is not about the credential (network, timeout): they go ahead and find out for
 *       themselves, so that an unreachable server does not make callers queue behind each other's timeouts. Logins
 *       that do not overlap never wait.</li>
 *   <li><b>The recovery.</b> One thread at a time re-reads the source and tries the credentials; every other login
 *       that needs the outcome waits for it, then looks at the state again. So N threads failing together cause one
 *       source read and one login per credential.</li>
 * </ul>
 * An engine that serves several servers with one credential (a cluster's nodes; {@link ConnectionOpener#target()})
 * keeps a rejected round to the server that rejected it: logins to that server back off, logins to the others go
 * on with the active credential, and a server that rejected the active credential makes the others wait only for
 * the recovery it runs, which switches the credential for all when the password changed everywhere.
 *
 * <p>Nothing here holds a lock while logging in, reading the source or waiting: the engine's state changes are
 * in-memory swaps, and waiting happens on futures that {@link #close()} completes. A caller with a deadline of its
 * own (a Jedis borrower's {@code maxWait}) waits for another thread's login only until then.
 */
final class FallbackLogin {

    private final RotationEngine engine;
    /** The credential the server rejected as the active one while no recovery has replaced it yet, and why. */
    private final AtomicReference<RejectedActive> rejectedActive = new AtomicReference<>();
    private final AtomicReference<Probe> probe = new AtomicReference<>();
    private final AtomicReference<Recovery> recovery = new AtomicReference<>();
    private volatile boolean closed;

    FallbackLogin(RotationEngine engine) {
        this.engine = engine;
    }

    <C> Login<C> open(ConnectionOpener<C> opener, Patience patience) throws Exception {
        Objects.requireNonNull(opener, "opener");
        String target = opener.target();
        while (true) {
            engine.ensureOpen();
            EngineState seen = engine.state();
            Instant now = engine.clock().instant();
            Rejection backoff = seen.rejectionFor(target);
            if (backoff != null) {
                if (now.isBefore(backoff.until())) {
                    throw engine.failFast(backoff, now);
                }
                // The backoff is over: the next round is a recovery, tried by one thread for all.
                Login<C> login = recoverOnce(opener, seen, null, patience);
                if (login != null) {
                    return login;
                }
                continue;
            }
            RejectedActive rejected = rejectedActive.get();
            if (rejected != null && rejected.credential.equals(seen.active())) {
                if (Objects.equals(rejected.target, target)) {
                    Login<C> login = recoverOnce(opener, seen, rejected, patience);
                    if (login != null) {
                        return login;
                    }
                    continue;
                }
                // Another server rejected the active credential. Its recovery may switch the credential (the
                // password changed everywhere): wait for it rather than try the credential here too. With no
                // recovery under way, this server's own login tells.
                Recovery underWay = recovery.get();
                if (underWay != null && underWay.owner != Thread.currentThread()) {
                    await(underWay.done, patience);
                    continue;
                }
            }
            Login<C> login = loginThroughProbe(opener, seen, patience);
            if (login != null) {
                return login;
            }
        }
    }

    /** Wakes every waiting login; they find the engine closed. */
    void close() {
        closed = true;
        Probe inFlight = probe.get();
        if (inFlight != null) {
            inFlight.outcome.complete(Outcome.OTHER);
        }
        Recovery recovering = recovery.get();
        if (recovering != null) {
            recovering.done.complete(null);
        }
    }

    /**
     * Logs in with the active credential, as the probe or behind it.
     *
     * @return the login, or {@code null} when the credential was rejected (the caller then looks at the state again)
     */
    private <C> Login<C> loginThroughProbe(ConnectionOpener<C> opener, EngineState seen, Patience patience)
            throws Exception {
        Credential credential = seen.active();
        Probe inFlight = probe.get();
        if (inFlight != null && inFlight.owner == Thread.currentThread()) {
            return attempt(opener, seen);   // a login opened from inside this thread's own probe: do not wait on it
        }
        if (inFlight != null && inFlight.credential.equals(credential)) {
            if (await(inFlight.outcome, patience) != Outcome.OTHER) {
                return null;   // accepted: be the next probe (one login at a time); rejected: join the recovery
            }
            return attempt(opener, seen);
        }
        Probe mine = new Probe(credential);
        if (!probe.compareAndSet(inFlight, mine)) {
            return null;
        }
        Outcome outcome = Outcome.OTHER;
        try {
            RejectedActive rejected = rejectedActive.get();
            if (engine.state() != seen || (rejected != null && rejected.credential.equals(credential))) {
                return null;   // another login settled this credential's fate meanwhile: look again
            }
            Login<C> login = attempt(opener, seen);
            if (login != null) {
                outcome = Outcome.ACCEPTED;
                return login;
            }
            outcome = Outcome.REJECTED;
            // Rejected: recover now, while this login still holds the probe, so that no login waiting for it (to
            // this server or another) tries the rejected credential in the moment before the recovery starts. Not
            // if another thread recovers: waiting for it while holding the probe could wait on this very probe.
            RejectedActive marked = rejectedActive.get();
            if (marked != null && marked.credential.equals(credential)) {
                return recoverIfFree(opener, engine.state(), marked);
            }
            return null;
        } finally {
            probe.compareAndSet(mine, null);
            mine.outcome.complete(outcome);
        }
    }

    /** @return the login, or {@code null} when the server rejected the credential */
    private <C> Login<C> attempt(ConnectionOpener<C> opener, EngineState seen) throws Exception {
        Credential credential = seen.active();
        C connection;
        try {
            connection = login(opener, credential);
        } catch (Exception failure) {
            if (!engine.isAuthenticationFailure(failure)) {
                throw failure;
            }
            engine.recordRejection(seen.activeSlot(), credential, failure);
            rejectedActive.set(new RejectedActive(credential, seen.activeSlot(), failure, opener.target()));
            return null;
        }
        return engine.accepted(seen, connection, opener.target());
    }

    /**
     * Runs the recovery if no other thread is running it, or waits for the one under way. A thread that finds no
     * recovery under way but an engine state other than the one it decided on ({@code seen}) runs none: a recovery
     * finished between the two (it may have just started a new backoff step), and the caller looks again.
     *
     * @return the login this thread obtained as the recovering thread, or {@code null} when it waited for another
     *     thread's recovery (the caller then looks at the state again)
     */
    private <C> Login<C> recoverOnce(ConnectionOpener<C> opener, EngineState seen, RejectedActive rejected,
                                     Patience patience) throws Exception {
        Recovery underWay = recovery.get();
        if (underWay != null && underWay.owner == Thread.currentThread()) {
            return recover(opener, rejected);   // opened from inside this thread's own recovery
        }
        if (underWay != null) {
            await(underWay.done, patience);
            return null;
        }
        return recoverIfFree(opener, seen, rejected);
    }

    /**
     * Runs the recovery unless another thread is running one.
     *
     * @return the login, or {@code null} when another thread recovers or had recovered meanwhile (the caller then
     *     looks at the state again)
     */
    private <C> Login<C> recoverIfFree(ConnectionOpener<C> opener, EngineState seen, RejectedActive rejected)
            throws Exception {
        Recovery mine = new Recovery();
        if (!recovery.compareAndSet(null, mine)) {
            return null;
        }
        try {
            if (engine.state() != seen || (rejected != null && rejectedActive.get() != rejected)) {
                return null;   // another recovery dealt with it while this thread was on its way
            }
            return recover(opener, rejected);
        } finally {
            recovery.compareAndSet(mine, null);
            mine.done.complete(null);
        }
    }

    /**
     * Re-reads the source and tries every credential not rejected in this round: CURRENT, NEXT, then the last one
     * the server accepted. Within the login retry budget, waits one backoff interval (less if the source changes
     * meanwhile) and tries again; past it, records the rejected round and throws.
     */
    private <C> Login<C> recover(ConnectionOpener<C> opener, RejectedActive rejected) throws Exception {
        Instant deadline = engine.clock().instant().plus(engine.config().loginRetryBudget());
        List<Attempt> attempts = new ArrayList<>();
        Set<Credential> rejectedThisRound = new HashSet<>();
        Exception last = null;
        if (rejected != null) {
            rejectedThisRound.add(rejected.credential);
            attempts.add(new Attempt(rejected.slot, rejected.credential.username()));
            last = rejected.failure;
        }
        String target = opener.target();
        Rejection previous = engine.state().rejectionFor(target);
        int rounds = previous == null ? 0 : previous.rounds();
        while (true) {
            engine.readFreshKeepingLastGood();
            EngineState now = engine.state();
            for (Candidate candidate : candidates(now)) {
                if (!rejectedThisRound.add(candidate.credential)) {
                    continue;
                }
                engine.ensureOpen();
                C connection;
                try {
                    connection = login(opener, candidate.credential);
                } catch (Exception failure) {
                    if (!engine.isAuthenticationFailure(failure)) {
                        // The recovery ends here without a verdict; later logins try the active credential again
                        // instead of each re-reading the source while the server is unreachable.
                        rejectedActive.set(null);
                        throw failure;
                    }
                    engine.recordRejection(candidate.slot, candidate.credential, failure);
                    Attempt attempt = new Attempt(candidate.slot, candidate.credential.username());
                    if (!attempts.contains(attempt)) {
                        attempts.add(attempt);
                    }
                    last = failure;
                    continue;
                }
                Login<C> login = engine.acceptedInRecovery(connection, candidate.credential, candidate.slot,
                        attempts, target);
                // Cleared only now that the new state is visible: a login that found the mark gone while the old
                // state was still in place would try the rejected credential again.
                rejectedActive.set(null);
                return login;
            }
            rounds++;
            Duration wait = Duration.ofMillis(engine.config().backoff().apply(rounds));
            Instant at = engine.clock().instant();
            if (at.plus(wait).isAfter(deadline)) {
                AllCredentialsRejectedException all = engine.rejectAll(attempts, rounds, at, wait, last, target);
                rejectedActive.set(null);
                throw all;
            }
            engine.waitWithinBudget(wait);
            rejectedThisRound.clear();
        }
    }

    /** CURRENT, NEXT, then the last credential the server accepted if the source no longer lists it. */
    private static List<Candidate> candidates(EngineState state) {
        List<Candidate> candidates = new ArrayList<>(3);
        candidates.add(new Candidate(state.set().current(), Slot.CURRENT));
        state.set().next().ifPresent(next -> candidates.add(new Candidate(next, Slot.NEXT)));
        Credential lastAccepted = state.lastAccepted();
        if (lastAccepted != null && state.set().slotOf(lastAccepted).isEmpty()) {
            candidates.add(new Candidate(lastAccepted, state.lastAcceptedSlot()));
        }
        return candidates;
    }

    private <C> C login(ConnectionOpener<C> opener, Credential credential) throws Exception {
        return Objects.requireNonNull(opener.open(credential), "ConnectionOpener returned null");
    }

    private <T> T await(CompletableFuture<T> future, Patience patience) throws InterruptedException,
            TimeoutException {
        try {
            T value = patience.limited() ? future.get(patience.remainingNanos(), TimeUnit.NANOSECONDS) : future.get();
            if (closed) {
                engine.ensureOpen();
            }
            return value;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new TimeoutException(engine.poolName() + " - no connection within the "
                    + patience.maxWait().toMillis() + " ms the caller would wait: a login on another thread is still "
                    + "under way");
        }
    }

    /** How long a caller waits for another thread's login: until a deadline of its own, or as long as it takes. */
    record Patience(Duration maxWait, long deadlineNanos) {

        static final Patience UNLIMITED = new Patience(null, 0);

        static Patience atMost(Duration maxWait) {
            return new Patience(maxWait, System.nanoTime() + maxWait.toNanos());
        }

        boolean limited() {
            return maxWait != null;
        }

        long remainingNanos() {
            return Math.max(0, deadlineNanos - System.nanoTime());
        }
    }

    private enum Outcome { ACCEPTED, REJECTED, OTHER }

    private record Candidate(Credential credential, Slot slot) {
    }

    /** The active credential, rejected by {@code target} ({@code null}: the engine's only server). */
    private record RejectedActive(Credential credential, Slot slot, Exception failure, String target) {
    }

    /** A recovery under way on {@code owner}; other logins wait until it is done. */
    private static final class Recovery {
        final Thread owner = Thread.currentThread();
        final CompletableFuture<Void> done = new CompletableFuture<>();
    }

    /** A login with {@code credential} under way; others with the same credential wait for its outcome. */
    private static final class Probe {
        final Credential credential;
        final Thread owner = Thread.currentThread();
        final CompletableFuture<Outcome> outcome = new CompletableFuture<>();

        Probe(Credential credential) {
            this.credential = credential;
        }
    }
}
