package io.dualcred.drill;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import io.dualcred.rotation.CredentialSource;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The drill's secret store: what a Kubernetes secret volume or a vault is to a service. The operator's steps stage
 * NEXT and promote it; the dualcred pool reads it through the {@link CredentialSource} SPI and, like a watched
 * directory, is told at once when it changes.
 */
final class DrillSecretStore implements CredentialSource {

    private final List<Runnable> watchers = new CopyOnWriteArrayList<>();
    private final AtomicLong loads = new AtomicLong();
    private volatile CredentialSet set;

    DrillSecretStore(Credential current) {
        this.set = CredentialSet.of(current);
    }

    @Override
    public CredentialSet load() {
        loads.incrementAndGet();
        return set;
    }

    @Override
    public Watch watch(Runnable changed) {
        watchers.add(changed);
        return () -> watchers.remove(changed);
    }

    @Override
    public String description() {
        return "drill secret store";
    }

    /** Runbook step 1: CURRENT stays, NEXT is written next to it. */
    void stage(Credential next) {
        set = CredentialSet.of(set.current(), Objects.requireNonNull(next, "next"));
        changed();
    }

    /** Runbook step 4: NEXT becomes CURRENT; nothing is staged any more. */
    void promote() {
        CredentialSet staged = set;
        Credential next = staged.next().orElseThrow(() -> new IllegalStateException("nothing is staged"));
        set = CredentialSet.of(next);
        changed();
    }

    /** @return how many times a pool read the store */
    long loads() {
        return loads.get();
    }

    private void changed() {
        watchers.forEach(Runnable::run);
    }
}
