package io.dualcred.drill;

import io.dualcred.rotation.RotationStatus;
import java.util.Optional;

/** One of the two pools under test, with the operation the load threads run through it. */
interface DrillClient extends AutoCloseable {

    /** @return borrow a connection, run a trivial command ({@code SELECT 1} / {@code GET}), give it back */
    Load.Operation operation();

    /** @return the rotation status of a dualcred pool; empty for a plain pool */
    Optional<RotationStatus> status();

    /**
     * Retires the pool's connections so that new ones log in with the new credential: the runbook's way to move a
     * running dualcred pool after the password changed on the server. Plain pools have nothing equivalent.
     */
    void evictConnections();

    @Override
    void close();
}
