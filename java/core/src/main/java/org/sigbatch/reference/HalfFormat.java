package org.sigbatch.reference;

import org.sigbatch.DType;

/**
 * The two 16-bit storage formats, float16 (IEEE binary16: 10 mantissa bits, bias 15) and bfloat16
 * (7 mantissa bits, bias 127), as raw bits in a {@code short}: exact widening to double, rounding a
 * double (or a double-double) to the format once, to nearest-even, with subnormals, and the test
 * that tells whether a double computed to a small relative error is safe to round directly.
 *
 * <p>Rounding rules: to nearest, ties to even; results below half the smallest subnormal go to ±0;
 * results whose magnitude rounds above the largest finite value become ±Inf (no op of sigbatch can
 * produce one from finite inputs: |σ| ≤ 1, |σ'| ≤ 1/4, |g·σ'| ≤ |g|/4, |g·y(1−y)| ≤ |g|·|y|·|1−y|
 * only for y outside [0, 1]). NaN becomes the format's quiet NaN ({@code 0x7E00} / {@code 0x7FC0}).
 */
public enum HalfFormat {
    F16(10, 15, (short) 0x7E00),
    BF16(7, 127, (short) 0x7FC0);

    /**
     * Relative error, as a power of two, under which a computed double is trusted: {@link #nearTie}
     * flags any result within 2^-45 (relative) of a rounding boundary of the format. The CPU's float64
     * kernels are within a few double ULPs (2^-52); the margin leaves a factor of 100.
     */
    public static final int TRUST_BITS = 45;
    /** The margin in units of the 53-bit significand: 2^(53 - TRUST_BITS). */
    private static final long TOL = 1L << (53 - TRUST_BITS);

    private final int mant;
    private final int bias;
    private final short nan;
    private final int infBits;

    HalfFormat(int mant, int bias, short nan) {
        this.mant = mant;
        this.bias = bias;
        this.nan = nan;
        this.infBits = ((2 * bias + 1) << mant);
    }

    /** The format of a half dtype. */
    public static HalfFormat of(DType t) {
        return switch (t) {
            case F16 -> F16;
            case BF16 -> BF16;
            default -> throw new IllegalArgumentException(t + " is not a 16-bit format");
        };
    }

    /** Mantissa (fraction) bits: 10 or 7. */
    public int mantissaBits() {
        return mant;
    }

    /** Exponent bias: 15 or 127. */
    public int bias() {
        return bias;
    }

    /** Bits of +Inf. */
    public int infBits() {
        return infBits;
    }

    /** The quiet NaN results are given. */
    public short nan() {
        return nan;
    }

    /** The exact value of {@code h}. */
    public double toDouble(short h) {
        return this == BF16 ? Float.intBitsToFloat(h << 16) : Float.float16ToFloat(h);
    }

    public boolean isNaN(short h) {
        return (h & 0x7FFF) > infBits;
    }

    /** {@code v} rounded once to this format, to nearest-even. */
    public short round(double v) {
        return (short) roundBits(v, 0);
    }

    /**
     * Rounds {@code v} to nearest-even; {@code lo} (the tail of a double-double, or 0) breaks the
     * tie when {@code v} is exactly halfway between two values of the format.
     */
    public int roundBits(double v, double lo) {
        long bits = Double.doubleToRawLongBits(v);
        int sign = (int) (bits >>> 63) << 15;
        long a = bits & 0x7FFF_FFFF_FFFF_FFFFL;
        if (a >= 0x7FF0_0000_0000_0000L) {
            return a == 0x7FF0_0000_0000_0000L ? sign | infBits : nan & 0xFFFF;
        }
        int e = (int) (a >>> 52) - 1023;
        if (e > bias) {
            return sign | infBits;
        }
        long m = (a & 0x000F_FFFF_FFFF_FFFFL) | (1L << 52);
        int shift = Math.min(52 - mant + Math.max(1 - bias - e, 0), 62);
        long q = m >>> shift;
        long rem = m & ((1L << shift) - 1);
        long hw = 1L << (shift - 1);
        boolean up;
        if (rem != hw) {
            up = rem > hw;
        } else if (lo != 0) {
            up = (lo > 0) == (sign == 0); // the tail moves the value away from zero
        } else {
            up = (q & 1) != 0;
        }
        int field = Math.max(e + bias - 1, 0);
        long h = ((long) field << mant) + q + (up ? 1 : 0);
        return sign | (int) Math.min(h, infBits);
    }

    /**
     * True if rounding {@code v} could differ from rounding any value within 2^-{@link #TRUST_BITS}
     * of it (relative): the discarded bits are that close to halfway. Such results, and NaN results,
     * are recomputed from the double-double reference ({@link #roundDD}).
     */
    public boolean nearTie(double v) {
        long a = Double.doubleToRawLongBits(v) & 0x7FFF_FFFF_FFFF_FFFFL;
        if (a >= 0x7FF0_0000_0000_0000L) {
            return a > 0x7FF0_0000_0000_0000L;
        }
        int e = (int) (a >>> 52) - 1023;
        long m = (a & 0x000F_FFFF_FFFF_FFFFL) | (1L << 52);
        int shift = Math.min(52 - mant + Math.max(1 - bias - e, 0), 62);
        long rem = m & ((1L << shift) - 1);
        long hw = 1L << (shift - 1);
        return Math.abs(rem - hw) <= TOL;
    }

    /** A double-double value rounded once to this format (exact to ~2^-100 relative). */
    public short roundDD(DoubleDouble v) {
        return (short) roundBits(v.hi(), v.lo());
    }

    /** Spacing of this format at |v| (the subnormal spacing below the normal range). */
    public double ulp(double v) {
        int e = Math.max(Math.getExponent(Math.abs(v)), 1 - bias);
        return Math.scalb(1.0, e - mant);
    }
}
