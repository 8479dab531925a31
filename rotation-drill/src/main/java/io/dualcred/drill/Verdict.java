package io.dualcred.drill;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether dualcred won a scenario: it failed no operation, and no other contender had fewer failed operations or
 * fewer rejected logins than it. A rejected-login count the server could not give is not compared. Timeouts on a
 * busy pool ({@link ClientMeter#BUSY_POOL}: every connection existed and was lent) are the machine's load, not the
 * rotation, and count for no contender.
 */
final class Verdict {

    private Verdict() {
    }

    /** @return what went wrong for dualcred, each naming the contender that beat it; empty when it won */
    static List<String> problems(Scenario scenario, List<Results.ContenderRun> runs) {
        List<String> problems = new ArrayList<>();
        for (Results.ContenderRun dualcred : runs) {
            if (!dualcred.contender().dualcred()) {
                continue;
            }
            String who = scenario.key() + ": " + dualcred.label();
            if (dualcred.rotationFailed() > 0) {
                problems.add(who + " failed " + Text.count(dualcred.rotationFailed()) + " operations");
            }
            for (Results.ContenderRun other : runs) {
                if (other.contender().dualcred()) {
                    continue;
                }
                if (other.rotationFailed() < dualcred.rotationFailed()) {
                    problems.add(who + " was beaten by " + other.label() + " on failed operations ("
                            + Text.count(dualcred.rotationFailed()) + " against " + Text.count(other.rotationFailed()) + ")");
                }
                if (dualcred.rejectedLogins().isPresent() && other.rejectedLogins().isPresent()
                        && other.rejectedLogins().getAsLong() < dualcred.rejectedLogins().getAsLong()) {
                    problems.add(who + " was beaten by " + other.label() + " on rejected logins ("
                            + Text.count(dualcred.rejectedLogins().getAsLong()) + " against "
                            + Text.count(other.rejectedLogins().getAsLong()) + ")");
                }
            }
        }
        return problems;
    }
}
