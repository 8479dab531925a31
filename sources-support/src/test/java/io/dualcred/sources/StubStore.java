package io.dualcred.sources;

import io.dualcred.rotation.Credential;
import io.dualcred.rotation.CredentialSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** A store in memory whose version moves with every write; reads and version checks each count one call. */
final class StubStore implements RemoteStore {

    final StoreCallCounter counter = new StoreCallCounter();
    private final AtomicReference<CredentialSet> content;
    private final AtomicInteger version = new AtomicInteger(1);
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    /** When set, reads wait for it: lets a test hold many loads inside one read. */
    volatile CountDownLatch readGate;

    StubStore(Credential current) {
        content = new AtomicReference<>(CredentialSet.of(current));
    }

    void write(Credential current, Credential next) {
        content.set(CredentialSet.of(current, next));
        version.incrementAndGet();
    }

    void failWith(Exception e) {
        failure.set(e);
    }

    void heal() {
        failure.set(null);
    }

    @Override
    public StoreRead read() throws Exception {
        return counter.count(() -> {
            CountDownLatch gate = readGate;
            if (gate != null) {
                gate.await();
            }
            throwIfFailing();
            return new StoreRead(content.get(), String.valueOf(version.get()));
        });
    }

    @Override
    public String version() throws Exception {
        return counter.count(() -> {
            throwIfFailing();
            return String.valueOf(version.get());
        });
    }

    private void throwIfFailing() throws Exception {
        Exception e = failure.get();
        if (e != null) {
            throw e;
        }
    }

    @Override
    public String description() {
        return "stub:store";
    }
}
