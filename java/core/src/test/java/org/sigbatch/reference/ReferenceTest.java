package org.sigbatch.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * Checks that the double-double reference is a valid higher-precision reference for float64: its
 * values agree with independent BigDecimal computations (50 significant digits) to 2^-95 relative, or
 * to 2^-1075 absolute where the value is near or below the underflow threshold (there a double-double
 * cannot hold more than a correctly rounded hi and no lo: its error is then at most half a subnormal
 * ULP, i.e. the reference's hi is the correctly rounded result).
 */
public class ReferenceTest {
    private static final double REL = 0x1p-95;
    private static final BigDecimal ABS = new BigDecimal(Double.MIN_VALUE).multiply(new BigDecimal("0.50005"));

    /** Independent BigDecimal evaluations of exp, σ and σ' (also used by the float64 kernel tests). */
    public static final class Exact {
        public static final MathContext MC = new MathContext(50);
        private static final MathContext WIDE = new MathContext(90);
        private static final BigDecimal LN2;

        static {
            BigDecimal s = BigDecimal.ZERO; // ln 2 = sum 1/(k 2^k)
            BigDecimal p = BigDecimal.ONE;
            for (int k = 1; k < 320; k++) {
                p = p.multiply(BigDecimal.TWO);
                s = s.add(BigDecimal.ONE.divide(p.multiply(BigDecimal.valueOf(k)), WIDE), WIDE);
            }
            LN2 = s;
        }

        private Exact() {
        }

        /** e^a for a finite double a ≤ 0 (|a| ≤ ~10^4), to 50 digits. */
        public static BigDecimal exp(double a) {
            BigDecimal x = new BigDecimal(a);
            long k = Math.round(a / 0.6931471805599453);
            BigDecimal r = x.subtract(LN2.multiply(BigDecimal.valueOf(k)), WIDE); // |r| ≤ ~0.35
            BigDecimal term = BigDecimal.ONE;
            BigDecimal sum = BigDecimal.ONE;
            BigDecimal eps = new BigDecimal("1e-70");
            for (int i = 1; term.abs().compareTo(eps) > 0; i++) {
                term = term.multiply(r, WIDE).divide(BigDecimal.valueOf(i), WIDE);
                sum = sum.add(term, WIDE);
            }
            BigDecimal pow = new BigDecimal(BigInteger.TWO.pow((int) Math.abs(k)));
            return k >= 0 ? sum.multiply(pow, MC) : sum.divide(pow, MC);
        }

        public static BigDecimal sigmoid(double x) {
            BigDecimal e = exp(-Math.abs(x));
            BigDecimal den = BigDecimal.ONE.add(e, WIDE);
            return x >= 0 ? BigDecimal.ONE.divide(den, MC) : e.divide(den, MC);
        }

        public static BigDecimal derivative(double x) {
            BigDecimal e = exp(-Math.abs(x));
            BigDecimal den = BigDecimal.ONE.add(e, WIDE);
            return e.divide(den.multiply(den, WIDE), MC);
        }

        /** |actual − exact| in units of the double spacing at exact (2^-1074 below MIN_NORMAL). */
        public static double ulpError(double actual, BigDecimal exact) {
            double ref = exact.doubleValue();
            double ulp = Ulps.doubleUlp(ref);
            if (Double.isInfinite(ref)) {
                ulp = Math.ulp(Double.MAX_VALUE);
            }
            if (Double.isInfinite(actual)) {
                return Double.POSITIVE_INFINITY;
            }
            return new BigDecimal(actual).subtract(exact).abs().divide(new BigDecimal(ulp), MathContext.DECIMAL64).doubleValue();
        }
    }

    private static BigDecimal value(DoubleDouble d) {
        return new BigDecimal(d.hi()).add(new BigDecimal(d.lo()));
    }

    /** Worst |ref − exact| / (2^-95·|exact| + 2^-1075) over the points; asserts it is ≤ 1. */
    private static double check(String what, List<Double> xs, DoubleFunction<DoubleDouble> ref, DoubleFunction<BigDecimal> exact) {
        double worst = 0;
        double worstRel = 0;
        double at = Double.NaN;
        for (double x : xs) {
            BigDecimal e = exact.apply(x);
            BigDecimal err = value(ref.apply(x)).subtract(e).abs();
            BigDecimal allowed = e.abs().multiply(new BigDecimal(REL)).add(ABS);
            double ratio = err.divide(allowed, MathContext.DECIMAL64).doubleValue();
            if (ratio > worst) {
                worst = ratio;
                at = x;
            }
            if (e.compareTo(new BigDecimal(0x1p-960)) > 0) {
                worstRel = Math.max(worstRel, err.divide(e, MathContext.DECIMAL64).doubleValue());
            }
            assertTrue(ratio <= 1, () -> what + "(" + x + "): reference " + ref.apply(x) + " vs exact " + e.round(new MathContext(25))
                    + ", error " + err.round(new MathContext(5)) + " > allowed " + allowed.round(new MathContext(5)));
        }
        System.out.printf("ReferenceTest %s: %d points, worst error/allowed %.3g at x=%s, worst relative error (values > 2^-960) 2^%.1f%n",
                what, xs.size(), worst, at, worstRel == 0 ? Double.NEGATIVE_INFINITY : Math.log(worstRel) / Math.log(2));
        return worst;
    }

    private static List<Double> points(long seed, double lo, double hi, int uniform, int tiny) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Double> xs = new ArrayList<>();
        for (int i = 0; i < uniform; i++) {
            xs.add(lo + (hi - lo) * rnd.nextDouble());
        }
        for (int i = 0; i < tiny; i++) { // log-uniform magnitudes 2^-1074 .. 2^10, both signs
            double m = Math.scalb(1 + rnd.nextDouble(), -1074 + rnd.nextInt(1085));
            xs.add(rnd.nextBoolean() ? m : -m);
        }
        return xs;
    }

    @Test
    void expNonPositiveMatchesBigDecimal() {
        List<Double> xs = points(1, -770, 0, 2000, 0);
        for (int i = 0; i < 500; i++) { // underflow region: subnormal results and the rounding to 0
            xs.add(-700 - 75 * (i / 500.0) - i * 1e-9);
        }
        xs.add(0.0);
        xs.add(-0.0);
        xs.add(-Double.MIN_VALUE);
        xs.add(-1e-300);
        xs.add(-Math.log(2));
        check("expNonPositive", xs, Reference::expNonPositive, Exact::exp);
    }

    @Test
    void sigmoidMatchesBigDecimal() {
        List<Double> xs = points(2, -745, 745, 2500, 1000);
        for (int i = 0; i < 400; i++) {
            xs.add(-708.5 - 37 * (i / 400.0)); // subnormal σ, to ≈ −745.5
        }
        xs.add(0.0);
        xs.add(-0.0);
        xs.add(Double.MIN_VALUE);
        xs.add(-Double.MIN_VALUE);
        xs.add(37.5);
        check("sigmoidDD", xs, Reference::sigmoidDD, Exact::sigmoid);
    }

    @Test
    void derivativeMatchesBigDecimal() {
        List<Double> xs = points(3, -745, 745, 2500, 1000);
        for (int i = 0; i < 400; i++) {
            double x = 708.5 + 37 * (i / 400.0);
            xs.add(i % 2 == 0 ? x : -x);
        }
        xs.add(0.0);
        xs.add(Double.MIN_VALUE);
        xs.add(1e-9);
        check("derivativeDD", xs, Reference::derivativeDD, Exact::derivative);
    }

    @Test
    void specialValues() {
        assertTrue(Double.isNaN(Reference.sigmoidDD(Double.NaN).value()));
        assertTrue(Double.isNaN(Reference.derivativeDD(Double.NaN).value()));
        assertEquals(1.0, Reference.sigmoidDD(Double.POSITIVE_INFINITY).value());
        assertEquals(0.0, Reference.sigmoidDD(Double.NEGATIVE_INFINITY).value());
        assertEquals(0.0, Reference.derivativeDD(Double.POSITIVE_INFINITY).value());
        assertEquals(0.0, Reference.derivativeDD(Double.NEGATIVE_INFINITY).value());
        assertEquals(0.5, Reference.sigmoidDD(0.0).value());
        assertEquals(0.5, Reference.sigmoidDD(-0.0).value());
        assertEquals(0.25, Reference.derivativeDD(0.0).value());
        // σ(−745) ≈ 4.9e-324 = 2^-1074 (subnormal, not 0)
        assertEquals(Double.MIN_VALUE, Reference.sigmoidDD(-745.0).value());
        assertEquals(0.0, Reference.sigmoidDD(-745.2).value());
        // backward from output: y(1−y)g with 1 − y exact
        DoubleDouble b = Reference.backwardFromOutputDD(0.75, 2.0);
        assertEquals(0.375, b.value());
        assertEquals(new BigDecimal("0.1875"), value(b).divide(BigDecimal.TWO).setScale(4, RoundingMode.UNNECESSARY));
    }
}
