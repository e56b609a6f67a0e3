package org.sigbatch.cli;

import java.util.Locale;

/** Numbers for people: times, rates. */
final class Format {
    private Format() {
    }

    /** Seconds with a unit that keeps 3 significant digits: "812 ns", "1.23 ms", "2.50 s"; "-" for NaN. */
    static String time(double s) {
        if (Double.isNaN(s)) {
            return "-";
        }
        if (s < 1e-6) {
            return String.format(Locale.ROOT, "%.0f ns", s * 1e9);
        }
        if (s < 1e-3) {
            return sig(s * 1e6) + " µs";
        }
        if (s < 1) {
            return sig(s * 1e3) + " ms";
        }
        return sig(s) + " s";
    }

    /** Elements per second: "3.21 Gelem/s", "812 Melem/s". */
    static String rate(double perSecond) {
        if (Double.isNaN(perSecond) || Double.isInfinite(perSecond)) {
            return "-";
        }
        if (perSecond >= 1e9) {
            return sig(perSecond / 1e9) + " Gelem/s";
        }
        if (perSecond >= 1e6) {
            return sig(perSecond / 1e6) + " Melem/s";
        }
        if (perSecond >= 1e3) {
            return sig(perSecond / 1e3) + " Kelem/s";
        }
        return sig(perSecond) + " elem/s";
    }

    /** Three significant digits, no exponent, for values from 0.001 to 999999. */
    static String sig(double v) {
        double a = Math.abs(v);
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** An ULP bound as written in the docs: 1, 2.5, 0.501. */
    static String bound(double ulps) {
        return java.math.BigDecimal.valueOf(ulps).stripTrailingZeros().toPlainString();
    }
}
