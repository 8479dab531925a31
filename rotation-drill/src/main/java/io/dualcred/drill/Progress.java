package io.dualcred.drill;

import java.io.PrintStream;
import java.util.Locale;

/** Tells the person at the terminal what the drill is doing, about once a second and at every rotation step. */
final class Progress {

    private final PrintStream out;

    Progress(PrintStream out) {
        this.out = out;
    }

    synchronized void line(String text) {
        out.println(text);
        out.flush();
    }

    /** A rotation step. */
    synchronized void step(Backend backend, double atSeconds, int number, String name, String detail) {
        line(String.format(Locale.ROOT, "%-8s %5.1fs  step %d   %s: %s", backend.key(), atSeconds, number, name,
                detail));
    }

    /** The load of the last second. */
    synchronized void tick(Backend backend, double atSeconds, Window window, Rate plain, Rate dualcred) {
        line(String.format(Locale.ROOT, "%-8s %5.1fs  %-8s plain %8s ok/s %7s failed  |  dualcred %8s ok/s %7s failed",
                backend.key(), atSeconds, window.label(), Text.count(Math.round(plain.okPerSecond())),
                Text.count(plain.failed()), Text.count(Math.round(dualcred.okPerSecond())),
                Text.count(dualcred.failed())));
    }

    /**
     * The load of one client over the last progress period.
     *
     * @param okPerSecond successful operations per second
     * @param failed failed operations in the period
     */
    record Rate(double okPerSecond, long failed) {
    }
}
