package io.dualcred.rotation;

/**
 * Receives {@link RotationEvent}s. Register listeners on a connector's builder (or on {@link RotationConfig}).
 *
 * <p>Listeners are called synchronously on the thread that caused the event (often a pool's connection-creation
 * thread), so they should return quickly. An exception thrown by a listener is logged and otherwise ignored.
 */
@FunctionalInterface
public interface RotationListener {

    /**
     * @param event what happened
     */
    void onEvent(RotationEvent event);
}
