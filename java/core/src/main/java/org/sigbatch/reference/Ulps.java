package org.sigbatch.reference;

/**
 * Error of a computed value in units in the last place (ULP) of the true value's binade, against a
 * higher-precision reference. NaN must match NaN; infinities and exact zeros must match exactly.
 */
public final class Ulps {
    private Ulps() {
    }

    /** ULP error of a float32 result against a double reference. */
    public static double error(float actual, double ref) {
        if (Double.isNaN(ref) || Float.isNaN(actual)) {
            return Double.isNaN(ref) && Float.isNaN(actual) ? 0 : Double.POSITIVE_INFINITY;
        }
        if (actual == ref) {
            return 0;
        }
        if (Double.isInfinite(ref) || Float.isInfinite(actual)) {
            return Double.POSITIVE_INFINITY;
        }
        return Math.abs(actual - ref) / floatUlp(ref);
    }

    /** ULP error of a float64 result against a double-double reference. */
    public static double error(double actual, DoubleDouble ref) {
        double hi = ref.hi();
        if (Double.isNaN(hi) || Double.isNaN(actual)) {
            return Double.isNaN(hi) && Double.isNaN(actual) ? 0 : Double.POSITIVE_INFINITY;
        }
        if (Double.isInfinite(hi) || Double.isInfinite(actual)) {
            return actual == hi ? 0 : Double.POSITIVE_INFINITY;
        }
        double diff = (actual - hi) - ref.lo(); // actual - hi is exact when they are close (Sterbenz)
        if (diff == 0) {
            return 0;
        }
        return Math.abs(diff) / doubleUlp(hi);
    }

    /** Spacing of float32 values in the binade of |v| (2^-149 in the subnormal range). */
    public static double floatUlp(double v) {
        double a = Math.abs(v);
        if (a < Float.MIN_NORMAL) {
            return Float.MIN_VALUE;
        }
        return Math.scalb(1.0, Math.getExponent(a) - 23);
    }

    /** Spacing of float64 values in the binade of |v|. */
    public static double doubleUlp(double v) {
        double a = Math.abs(v);
        if (a < Double.MIN_NORMAL) {
            return Double.MIN_VALUE;
        }
        return Math.scalb(1.0, Math.getExponent(a) - 52);
    }
}
