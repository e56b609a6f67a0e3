package org.sigbatch.reference;

/**
 * Minimal double-double arithmetic (an unevaluated sum hi + lo, |lo| ≤ ulp(hi)/2, ~106 bits) for the
 * float64 reference. Error-free transformations after Dekker and Knuth; products use FMA.
 */
public record DoubleDouble(double hi, double lo) {
    public static final DoubleDouble ONE = new DoubleDouble(1, 0);
    public static final DoubleDouble ZERO = new DoubleDouble(0, 0);

    public static DoubleDouble of(double v) {
        return new DoubleDouble(v, 0);
    }

    /** hi + lo rounded to a double. */
    public double value() {
        return hi + lo;
    }

    static DoubleDouble twoSum(double a, double b) {
        double s = a + b;
        double bb = s - a;
        double err = (a - (s - bb)) + (b - bb);
        return new DoubleDouble(s, err);
    }

    static DoubleDouble fastTwoSum(double a, double b) {
        double s = a + b;
        return new DoubleDouble(s, b - (s - a));
    }

    static DoubleDouble twoProd(double a, double b) {
        double p = a * b;
        return new DoubleDouble(p, Math.fma(a, b, -p));
    }

    public DoubleDouble add(DoubleDouble o) {
        if (!Double.isFinite(hi) || !Double.isFinite(o.hi)) {
            return of(hi + o.hi);
        }
        DoubleDouble s = twoSum(hi, o.hi);
        DoubleDouble t = twoSum(lo, o.lo);
        DoubleDouble u = fastTwoSum(s.hi, s.lo + t.hi);
        return fastTwoSum(u.hi, u.lo + t.lo);
    }

    public DoubleDouble add(double o) {
        return add(of(o));
    }

    public DoubleDouble negate() {
        return new DoubleDouble(-hi, -lo);
    }

    public DoubleDouble sub(DoubleDouble o) {
        return add(o.negate());
    }

    public DoubleDouble mul(DoubleDouble o) {
        if (!Double.isFinite(hi) || !Double.isFinite(o.hi)) {
            return of(hi * o.hi);
        }
        DoubleDouble p = twoProd(hi, o.hi);
        if (!Double.isFinite(p.hi)) {
            return of(p.hi); // overflow: the error term would turn ±Inf into NaN
        }
        return fastTwoSum(p.hi, p.lo + (hi * o.lo + lo * o.hi));
    }

    public DoubleDouble mul(double o) {
        return mul(of(o));
    }

    public DoubleDouble div(DoubleDouble o) {
        double q1 = hi / o.hi;
        if (!Double.isFinite(q1) || q1 == 0) {
            return of(q1);
        }
        DoubleDouble r = sub(o.mul(q1));
        double q2 = r.hi / o.hi;
        r = r.sub(o.mul(q2));
        double q3 = r.hi / o.hi;
        return fastTwoSum(q1, q2).add(q3);
    }

    /**
     * (hi + lo)·2^k with one rounding: exact scaling where the result is normal, correct rounding to
     * the subnormal grid (ties to even) where it is not, ±Inf on overflow.
     */
    public DoubleDouble scaleRound(int k) {
        if (!Double.isFinite(hi) || hi == 0) {
            return of(hi);
        }
        int e = Math.getExponent(hi) + k;
        if (e > Double.MAX_EXPONENT) {
            return of(Math.copySign(Double.POSITIVE_INFINITY, hi));
        }
        if (e >= Double.MIN_EXPONENT + 1) {
            return new DoubleDouble(Math.scalb(hi, k), Math.scalb(lo, k));
        }
        // in units of the smallest subnormal 2^-1074 the value is t = (hi + lo)·2^(k+1074); round t to an integer
        int s = k + 1074;
        if (e < -1080) {
            return of(Math.copySign(0.0, hi)); // below a quarter of 2^-1074 whatever lo says
        }
        double th = Math.scalb(hi, s);
        double tl = Math.scalb(lo, s);
        double n = Math.rint(th);
        double rem = (th - n) + tl; // th - n is exact (Sterbenz); rint already rounded th half-even
        if (rem > 0.5 || (rem == 0.5 && !even(n))) {
            n += 1;
        } else if (rem < -0.5 || (rem == -0.5 && !even(n))) {
            n -= 1;
        }
        // below 2^-1022 a ULP is the absolute 2^-1074 and the rounded value is all a ULP measure needs
        double r = Math.scalb(n, -1074);
        return of(r == 0 ? Math.copySign(0.0, hi) : r);
    }

    private static boolean even(double n) {
        return Math.IEEEremainder(n, 2) == 0;
    }

    /** Multiplies by 2^k exactly (barring underflow of lo). */
    public DoubleDouble scalb(int k) {
        return new DoubleDouble(Math.scalb(hi, k), Math.scalb(lo, k));
    }
}
