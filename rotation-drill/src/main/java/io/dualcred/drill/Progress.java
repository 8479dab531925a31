package io.dualcred.drill;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Tells the person at the terminal what the drill is doing, about once a second and at every operator step. */
final class Progress {

    private final PrintStream out;

    Progress(PrintStream out) {
        this.out = out;
    }

    synchronized void line(String text) {
        out.println(text);
        out.flush();
    }

    /** An operator step. */
    synchronized void step(String scenario, double atSeconds, int number, String name, String detail) {
        line(String.format(Locale.ROOT, "%-16s %5.1fs  step %d  %s: %s", scenario, atSeconds, number, name, detail));
    }

    /** The load of the last second, per contender. */
    synchronized void tick(String scenario, double atSeconds, Window window, List<Rate> rates) {
        line(String.format(Locale.ROOT, "%-16s %5.1fs  %-7s %s", scenario, atSeconds, window.label(),
                rates.stream().map(rate -> String.format(Locale.ROOT, "%s %s/s%s", rate.contender(),
                        Text.count(Math.round(rate.okPerSecond())), rate.failed() > 0 ? " (" + Text.count(
                                rate.failed()) + " failed)" : "")).collect(Collectors.joining(" | "))));
    }

    /**
     * The load of one contender over the last progress period.
     *
     * @param contender its label
     * @param okPerSecond successful operations per second
     * @param failed failed operations in the period
     */
    record Rate(String contender, double okPerSecond, long failed) {
    }
}
