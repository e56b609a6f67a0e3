package org.sigbatch.spi;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The options every {@link BackendProvider#open(Map)} receives, with the one parser every backend
 * uses, so that a bad value gets the same message whichever backend reads it: the key, what it
 * must be, and what it got. Absent and blank values mean "use the default".
 */
public final class Options {
    private final Map<String, String> values;

    public Options(Map<String, String> values) {
        this.values = Map.copyOf(Objects.requireNonNull(values, "values"));
    }

    /** The raw value, trimmed, or {@code null} when absent or blank. */
    public String get(String key) {
        String v = values.get(key);
        return v == null || v.isBlank() ? null : v.trim();
    }

    public String get(String key, String dflt) {
        String v = get(key);
        return v == null ? dflt : v;
    }

    /** A lower-case word from {@code allowed}, e.g. {@code auto} / {@code off}. */
    public String choice(String key, String dflt, String... allowed) {
        String v = get(key, dflt).toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw new IllegalArgumentException(key + " must be one of " + String.join(", ", allowed) + ", got '" + values.get(key) + "'");
    }

    /** An integer in {@code [min, max]}; underscores are allowed as digit separators ({@code 1_000_000}). */
    public int intValue(String key, int dflt, int min, int max) {
        String v = get(key);
        if (v == null) {
            return dflt;
        }
        long x = parse(key, v);
        if (x < min || x > max) {
            throw new IllegalArgumentException(key + " must be in [" + min + ", " + max + "], got " + v);
        }
        return (int) x;
    }

    /** A long of at least {@code min}. */
    public long longValue(String key, long dflt, long min) {
        String v = get(key);
        if (v == null) {
            return dflt;
        }
        long x = parse(key, v);
        if (x < min) {
            throw new IllegalArgumentException(key + " must be >= " + min + ", got " + v);
        }
        return x;
    }

    private static long parse(String key, String v) {
        try {
            return Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
        }
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
