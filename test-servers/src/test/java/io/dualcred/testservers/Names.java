package io.dualcred.testservers;

import java.util.concurrent.atomic.AtomicInteger;

/** Unique role and user names, so that tests sharing a server never see each other's. */
final class Names {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    /** Passwords with every character that broke quoting somewhere once. */
    static final String[] AWKWARD_PASSWORDS = {
        "it's \"quoted\"",
        "back\\slash \\' and \\\\",
        "$1 $$ $tag$ 100% @host:5432/db?x=y&z",
        "pässwörd ☃",
        " leading and trailing spaces ",
        "semi;colon -- comment /* c */",
    };

    private Names() {
    }

    static String unique(String prefix) {
        return prefix + "_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    }
}
