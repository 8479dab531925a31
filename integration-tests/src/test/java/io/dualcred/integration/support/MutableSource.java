package io.dualcred.integration.support;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSource;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A secret store the scenario changes while the pool runs: it can hold CURRENT and NEXT, fail in the ways a real
 * store fails (throw, return nothing), and run an action at the moment the engine reads it because a credential was
 * just rejected, which is the middle of a switch.
 */
public final class MutableSource implements CredentialSource {

    private final String name;
    private final AtomicReference<CredentialSet> set;
    private final AtomicReference<Callable<CredentialSet>> failure = new AtomicReference<>();
    private final AtomicReference<Runnable> duringNextSwitch = new AtomicReference<>();
    private final AtomicLong loads = new AtomicLong();

    private MutableSource(String name, CredentialSet initial) {
        this.name = name;
        this.set = new AtomicReference<>(initial);
    }

    /**
     * @param name describes the source as {@code test:<name>}
     * @param current the credential it holds
     * @return a source holding CURRENT only
     */
    public static MutableSource holding(String name, Credential current) {
        return new MutableSource(name, CredentialSet.of(current));
    }

    /** @param current the only credential the store holds from now on (a promotion, or a revert) */
    public void set(Credential current) {
        set.set(CredentialSet.of(current));
    }

    /**
     * @param current the CURRENT credential
     * @param next the NEXT credential
     */
    public void set(Credential current, Credential next) {
        set.set(CredentialSet.of(current, next));
    }

    /** @return what the store holds */
    public CredentialSet content() {
        return set.get();
    }

    /**
     * From now on every read fails: it runs {@code failure}, which throws or returns what the store returns (e.g.
     * {@code null}), until {@link #heal()}.
     *
     * @param failure what a read does instead of returning the set
     */
    public void failWith(Callable<CredentialSet> failure) {
        this.failure.set(failure);
    }

    /** Reads succeed again. */
    public void heal() {
        failure.set(null);
    }

    /**
     * Runs {@code action} once, on the engine's thread, at the engine's next fresh read of the source. When the
     * server has just rejected the active credential, that read is the middle of the switch: after the rejection,
     * before the other credential is tried. (An explicit {@code refresh()} reads fresh too; the scenarios that use
     * this do not call it meanwhile.)
     *
     * @param action e.g. stopping the server or killing sessions
     */
    public void duringNextSwitch(Runnable action) {
        duringNextSwitch.set(action);
    }

    /** @return how many times the engine read the source */
    public long loads() {
        return loads.get();
    }

    @Override
    public CredentialSet load() throws Exception {
        loads.incrementAndGet();
        Callable<CredentialSet> failing = failure.get();
        return failing != null ? failing.call() : set.get();
    }

    @Override
    public CredentialSet loadFresh() throws Exception {
        Runnable action = duringNextSwitch.getAndSet(null);
        if (action != null) {
            action.run();
        }
        return load();
    }

    @Override
    public String description() {
        return "test:" + name;
    }
}
