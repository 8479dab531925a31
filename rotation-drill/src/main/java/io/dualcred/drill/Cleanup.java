package io.dualcred.drill;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What the drill must undo (users it created, pools, servers), run in reverse order when the drill ends — normally
 * or through Ctrl-C, when a shutdown hook runs it. Each action runs once; a failing one does not stop the others.
 */
final class Cleanup implements AutoCloseable {

    private final Deque<Action> actions = new ArrayDeque<>();

    private record Action(String what, Runnable action) {
    }

    /** @return {@code this}, after registering an action to run at the end */
    synchronized Cleanup add(String what, Runnable action) {
        actions.push(new Action(what, action));
        return this;
    }

    /** Runs and forgets every action registered after {@code mark} was taken by {@link #mark()}. */
    void runDownTo(int mark) {
        while (true) {
            Action next;
            synchronized (this) {
                if (actions.size() <= mark) {
                    return;
                }
                next = actions.pop();
            }
            try {
                next.action().run();
            } catch (RuntimeException e) {
                System.err.println("dualcred drill: could not " + next.what() + ": " + e.getMessage());
            }
        }
    }

    /** @return a mark for {@link #runDownTo(int)} */
    synchronized int mark() {
        return actions.size();
    }

    @Override
    public void close() {
        runDownTo(0);
    }
}
