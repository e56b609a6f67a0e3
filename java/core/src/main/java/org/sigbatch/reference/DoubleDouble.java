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

    /** Multiplies by 2^k exactly (barring underflow of lo). */
    public DoubleDouble scalb(int k) {
        return new DoubleDouble(Math.scalb(hi, k), Math.scalb(lo, k));
    }
}
