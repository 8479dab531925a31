package io.dualcred.drill;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads durations as people type them ({@code 20s}, {@code 1500ms}, {@code 1m}, {@code PT20S}) and prints them. */
final class Durations implements ITypeConverter<Duration> {

    @Override
    public Duration convert(String text) {
        return parse(text);
    }

    static Duration parse(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (value.startsWith("pt")) {
                return Duration.parse(value);
            }
            if (value.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2).trim()));
            }
            if (value.endsWith("s")) {
                return ofSeconds(value.substring(0, value.length() - 1));
            }
            if (value.endsWith("m")) {
                return ofSeconds(value.substring(0, value.length() - 1)).multipliedBy(60);
            }
            return ofSeconds(value);
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new TypeConversionException("'" + text + "' is not a duration; use e.g. 20s, 1500ms or 1m");
        }
    }

    private static Duration ofSeconds(String number) {
        double seconds = Double.parseDouble(number.trim());
        if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
            throw new NumberFormatException(number);
        }
        return Duration.ofNanos(Math.round(seconds * 1e9));
    }

    /** @return e.g. {@code 20 s}, {@code 1.5 s}, {@code 250 ms} */
    static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + " s";
        }
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
}
