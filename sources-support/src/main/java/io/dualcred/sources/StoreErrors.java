package io.dualcred.sources;

/** How the store modules put a store's own error text into a message: on one line, and not too long. */
public final class StoreErrors {

    private static final int MAX = 200;

    private StoreErrors() {
    }

    /**
     * @param text a store's error message (it names a resource or a reason, never a secret value)
     * @return the text on one line, cut at 200 characters
     */
    public static String shorten(String text) {
        String flat = String.valueOf(text).replaceAll("\\s+", " ").strip();
        return flat.length() > MAX ? flat.substring(0, MAX) + "..." : flat;
    }
}
