package org.sigbatch.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Element counts with binary suffixes: 4K = 4096, 16M = 16777216, 1G = 2^30 (K/M/G, any case, optional "i"). */
public final class Sizes {
    private Sizes() {
    }

    /** Largest count a Java array can hold. */
    public static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    /** Parses one size; throws {@link UserError} naming the option and the bad value. */
    public static long parse(String text, String option) {
        String s = text == null ? "" : text.trim();
        String bad = option + ": '" + text + "' is not a size (expected a positive whole number with an optional binary suffix K, M or G, e.g. 4K, 16M, 1G)";
        if (s.isEmpty()) {
            throw new UserError(bad);
        }
        String u = s.toUpperCase(Locale.ROOT);
        if (u.endsWith("I")) {
            u = u.substring(0, u.length() - 1); // 4Ki, 16Mi
        }
        int shift = 0;
        char last = u.isEmpty() ? ' ' : u.charAt(u.length() - 1);
        switch (last) {
            case 'K' -> shift = 10;
            case 'M' -> shift = 20;
            case 'G' -> shift = 30;
            default -> {
                if (!s.equals(u)) {
                    throw new UserError(bad); // a trailing "i" without K/M/G
                }
            }
        }
        String digits = shift == 0 ? u : u.substring(0, u.length() - 1);
        if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit)) {
            throw new UserError(bad);
        }
        long v;
        try {
            v = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new UserError(option + ": '" + text + "' is too large");
        }
        if (v <= 0) {
            throw new UserError(option + ": '" + text + "' must be positive");
        }
        if (v > (Long.MAX_VALUE >> shift)) {
            throw new UserError(option + ": '" + text + "' is too large");
        }
        return v << shift;
    }

    /** Parses a comma-separated list of sizes, ascending and without duplicates. */
    public static long[] parseList(String text, String option) {
        List<Long> out = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            long v = parse(part, option);
            if (!out.contains(v)) {
                out.add(v);
            }
        }
        return out.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    /** 4096 → "4K", 16777216 → "16M", 1000 → "1000". */
    public static String format(long n) {
        if (n >= 1L << 30 && n % (1L << 30) == 0) {
            return (n >> 30) + "G";
        }
        if (n >= 1L << 20 && n % (1L << 20) == 0) {
            return (n >> 20) + "M";
        }
        if (n >= 1L << 10 && n % (1L << 10) == 0) {
            return (n >> 10) + "K";
        }
        return Long.toString(n);
    }

    /** Bytes in a readable binary unit: "1.5 GiB". */
    public static String bytes(long b) {
        if (b >= 1L << 30) {
            return String.format(Locale.ROOT, "%.1f GiB", b / (double) (1L << 30));
        }
        if (b >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
        }
        if (b >= 1L << 10) {
            return String.format(Locale.ROOT, "%.1f KiB", b / (double) (1L << 10));
        }
        return b + " B";
    }
}
