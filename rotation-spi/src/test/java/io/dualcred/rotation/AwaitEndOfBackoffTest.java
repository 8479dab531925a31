package io.dualcred.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.dualcred.rotation.EngineFixtures.FakeServer;
import io.dualcred.rotation.EngineFixtures.MutableSource;
import io.dualcred.rotation.EngineFixtures.RecordingEvictor;
import io.dualcred.rotation.spi.RotationEngine;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RotationEngine#awaitEndOfBackoff()}: a login that would fail fast after every credential was rejected waits
 * instead, and goes ahead as soon as the source changes, the backoff ends or the engine closes.
 */
class AwaitEndOfBackoffTest {

    static final Credential WRONG = Credential.of("app", "wrong-password");
    static final Credential FIXED = Credential.of("app", "fixed-password");

    final FakeServer server = new FakeServer().accept(FIXED);
    final MutableSource source = new MutableSource(CredentialSet.of(WRONG));
    RotationEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void returnsAtOnceWhenLoginsAreNotBackingOff() throws Exception {
        start(Duration.ofSeconds(60));

        assertThat(waitInBackground()).succeedsWithin(Duration.ofSeconds(5));
    }

    @Test
    void aChangedSourceEndsTheWaitAndTheNextLoginUsesIt() throws Exception {
        start(Duration.ofSeconds(60));
        CompletableFuture<Void> waiting = aLoginWaitingOutTheBackoff();

        source.set(CredentialSet.of(FIXED));
        source.announceChange();

        assertThat(waiting).succeedsWithin(Duration.ofSeconds(5));
        assertThat(engine.openWithFallback(server::open).username()).isEqualTo("app");
        assertThat(server.attemptsWith(WRONG)).as("no login with the rejected credential while waiting").isOne();
    }

    @Test
    void theWaitEndsWithTheBackoff() throws Exception {
        start(Duration.ofMillis(500));
        rejectEveryCredential();
        Instant until = engine.status().backoffUntil().orElseThrow();

        CompletableFuture<Void> waiting = waitInBackground();

        assertThat(waiting).succeedsWithin(Duration.ofSeconds(5));
        assertThat(Instant.now()).isAfterOrEqualTo(until);
        assertThat(engine.status().backingOff()).isFalse();
    }

    @Test
    void closingTheEngineEndsTheWait() throws Exception {
        start(Duration.ofSeconds(60));
        CompletableFuture<Void> waiting = aLoginWaitingOutTheBackoff();

        engine.close();

        assertThat(waiting).succeedsWithin(Duration.ofSeconds(5));
    }

    private void start(Duration backoff) {
        engine = RotationEngine.builder("orders-db").source(source).classifier(EngineFixtures.CLASSIFIER)
                .evictor(new RecordingEvictor())
                .config(RotationConfig.custom().backoff(backoff, 1.0, backoff).build())
                .start();
    }

    private void rejectEveryCredential() {
        assertThat(catchThrowable(() -> engine.openWithFallback(server::open)))
                .isInstanceOf(AllCredentialsRejectedException.class);
        assertThat(engine.status().backingOff()).isTrue();
    }

    /** Every credential rejected, and a login waiting out the backoff: still waiting 300 ms later. */
    private CompletableFuture<Void> aLoginWaitingOutTheBackoff() {
        rejectEveryCredential();
        CompletableFuture<Void> waiting = waitInBackground();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !waiting.isDone());
        return waiting;
    }

    private CompletableFuture<Void> waitInBackground() {
        CompletableFuture<Void> waiting = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                engine.awaitEndOfBackoff();
                waiting.complete(null);
            } catch (InterruptedException e) {
                waiting.completeExceptionally(e);
            }
        }, "awaits-end-of-backoff");
        thread.setDaemon(true);
        thread.start();
        return waiting;
    }
}
