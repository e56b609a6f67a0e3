package org.sigbatch.reference;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * Higher-precision reference values of σ and σ', used to verify backends and to measure errors in ULP.
 * Every method here is scalar, simple and slow on purpose: correctness over speed.
 *
 * <ul>
 *   <li>float32 inputs: the stable forms evaluated in double (Math.exp is within 1 ulp of double), a
 *       relative error near 2^-52, some 2^-29 of a float ULP.</li>
 *   <li>float64 inputs: the stable forms evaluated in double-double (~2^-100 relative), with an exp of
 *       its own (range reduction by ln 2, Taylor series on r/2^8, eight squarings).</li>
 * </ul>
 */
public final class Reference {
    private Reference() {
    }

    // ---------------------------------------------------------------- float32: double is enough

    /** σ(x) for a float32 input, as a double within ~2^-52 relative. */
    public static double sigmoid(float x) {
        double e = Math.exp(-Math.abs((double) x));
        return x >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    }

    /** σ'(x) = e/(1+e)^2 with e = exp(-|x|), as a double. */
    public static double derivative(float x) {
        double e = Math.exp(-Math.abs((double) x));
        double s = 1.0 + e;
        return e / (s * s);
    }

    /** gradOut·σ'(x). */
    public static double backward(float x, float gradOut) {
        return gradOut * derivative(x);
    }

    /** gradOut·y·(1−y), exact in double but for one rounding. */
    public static double backwardFromOutput(float y, float gradOut) {
        return gradOut * ((double) y * (1.0 - (double) y));
    }

    // ---------------------------------------------------------------- float64: double-double

    private static final DoubleDouble LN2;
    private static final DoubleDouble[] INV_FACT = new DoubleDouble[16];

    static {
        MathContext mc = new MathContext(60);
        // ln 2 from the series ln 2 = sum 1/(k 2^k), to 60 digits
        BigDecimal ln2 = BigDecimal.ZERO;
        BigDecimal two = BigDecimal.valueOf(2);
        BigDecimal pow = BigDecimal.ONE;
        for (int k = 1; k < 220; k++) {
            pow = pow.multiply(two);
            ln2 = ln2.add(BigDecimal.ONE.divide(pow.multiply(BigDecimal.valueOf(k)), mc), mc);
        }
        LN2 = split(ln2);
        BigDecimal f = BigDecimal.ONE;
        for (int i = 0; i < INV_FACT.length; i++) {
            if (i > 0) {
                f = f.multiply(BigDecimal.valueOf(i));
            }
            INV_FACT[i] = split(BigDecimal.ONE.divide(f, mc));
        }
    }

    private static DoubleDouble split(BigDecimal v) {
        double hi = v.doubleValue();
        double lo = v.subtract(new BigDecimal(hi)).doubleValue();
        return new DoubleDouble(hi, lo);
    }

    /** exp(a) = mantissa·2^k for a ≤ 0, the mantissa in double-double near [0.7, 1.5]; null mantissa means exactly 0 at this precision. */
    private record Exp(DoubleDouble mantissa, int k) {
    }

    private static Exp expParts(double a) {
        int k = (int) Math.rint(a / LN2.hi());
        DoubleDouble r = DoubleDouble.of(a).sub(LN2.mul(k)); // |r| <= ~0.35, k*LN2 exact enough (k has 11 bits)
        r = r.scalb(-8);
        DoubleDouble sum = INV_FACT[INV_FACT.length - 1];
        for (int i = INV_FACT.length - 2; i >= 0; i--) {
            sum = sum.mul(r).add(INV_FACT[i]);
        }
        for (int i = 0; i < 8; i++) {
            sum = sum.mul(sum);
        }
        return new Exp(sum, k);
    }

    /** exp(a) for a ≤ 0 in double-double, rounded once where it is subnormal; 0 below 2^-1100. */
    public static DoubleDouble expNonPositive(double a) {
        if (Double.isNaN(a)) {
            return DoubleDouble.of(Double.NaN);
        }
        if (a < -770) {
            return DoubleDouble.ZERO;
        }
        Exp e = expParts(a);
        return e.mantissa().scaleRound(e.k());
    }

    /** σ(x) in double-double. */
    public static DoubleDouble sigmoidDD(double x) {
        if (Double.isNaN(x)) {
            return DoubleDouble.of(Double.NaN);
        }
        DoubleDouble e = expNonPositive(-Math.abs(x));
        DoubleDouble den = DoubleDouble.ONE.add(e);
        return x >= 0 ? DoubleDouble.ONE.div(den) : e.div(den);
    }

    /** σ'(x) = e/(1+e)^2 in double-double. */
    public static DoubleDouble derivativeDD(double x) {
        if (Double.isNaN(x)) {
            return DoubleDouble.of(Double.NaN);
        }
        DoubleDouble e = expNonPositive(-Math.abs(x));
        DoubleDouble den = DoubleDouble.ONE.add(e);
        return e.div(den.mul(den));
    }

    /** gradOut·σ'(x), with e^−|x| kept as mantissa·2^k until after the product, so it rounds (and underflows) once. */
    public static DoubleDouble backwardDD(double x, double gradOut) {
        if (Double.isNaN(x) || Double.isNaN(gradOut)) {
            return DoubleDouble.of(Double.NaN);
        }
        double a = -Math.abs(x);
        if (a < -2300 || Double.isInfinite(gradOut)) {
            // e^a·g is 0 for any finite g; 0·Inf is NaN unless x is finite, where the product is ±Inf
            if (Double.isInfinite(gradOut)) {
                return DoubleDouble.of(Double.isInfinite(x) ? Double.NaN : gradOut);
            }
            return DoubleDouble.of(Math.copySign(0.0, gradOut));
        }
        if (gradOut == 0) {
            return DoubleDouble.of(gradOut); // e^a/(1+e^a)^2 > 0, so the sign of the zero is g's
        }
        // g = gm·2^sg with gm in [1, 2), so that neither the product nor g itself over- or underflows
        int sg = Math.getExponent(gradOut) == Double.MIN_EXPONENT - 1
                ? Math.getExponent(Math.scalb(gradOut, 64)) - 64 : Math.getExponent(gradOut);
        double gm = Math.scalb(gradOut, -sg);
        Exp e = expParts(a);
        DoubleDouble den = DoubleDouble.ONE.add(e.mantissa().scaleRound(e.k()));
        return e.mantissa().div(den.mul(den)).mul(gm).scaleRound(e.k() + sg);
    }

    public static DoubleDouble backwardFromOutputDD(double y, double gradOut) {
        return DoubleDouble.of(y).mul(DoubleDouble.ONE.sub(DoubleDouble.of(y))).mul(gradOut);
    }
}
