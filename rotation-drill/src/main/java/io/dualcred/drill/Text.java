package io.dualcred.drill;

import java.util.Locale;

/** Number formatting shared by the console table and the HTML report. */
final class Text {

    private Text() {
    }

    /** @return e.g. {@code 12,345} */
    static String count(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    /** @return milliseconds with precision that suits their size, or a dash when there is no value */
    static String millis(double value) {
        if (Double.isNaN(value)) {
            return "-";
        }
        if (value < 10) {
            return String.format(Locale.ROOT, "%.2f", value);
        }
        if (value < 100) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%,.0f", value);
    }

    /** @return e.g. {@code 4,812} or {@code 3.5} for small rates */
    static String rate(double value) {
        if (value >= 100 || value == 0) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        return String.format(Locale.ROOT, "%.1f", value);
    }

    /** @return e.g. {@code 0.99} */
    static String ratio(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? "-" : String.format(Locale.ROOT, "%.2f", value);
    }
}
