package org.sigbatch.cpu.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.sigbatch.cpu.HalfRounding;
import org.sigbatch.reference.HalfFormat;

/**
 * {@link HalfFormat#roundBits} and {@link HalfFormat#nearTie} on long lanes: the double's significand
 * is shifted right by the format's mantissa position (more in its subnormal range), rounded to
 * nearest-even from the discarded bits, and the exponent field added, so the carry of a round-up
 * moves into the exponent (and to Inf above the largest value) as in the scalar code.
 */
public final class VectorHalfRounding implements HalfRounding {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Long> LS = LongVector.SPECIES_PREFERRED;
    private static final int L = D.length();
    private static final long ABS = 0x7FFF_FFFF_FFFF_FFFFL;
    private static final long INF = 0x7FF0_0000_0000_0000L;
    private static final long MANT = 0x000F_FFFF_FFFF_FFFFL;
    private static final long TOL = 1L << (53 - HalfFormat.TRUST_BITS);

    private VectorHalfRounding() {
    }

    /** Called reflectively only when the Vector API module is present. */
    public static HalfRounding create() {
        if (L < 2 || LS.length() != L) {
            throw new UnsupportedOperationException("no usable double SIMD species (" + L + " lanes)");
        }
        return new VectorHalfRounding();
    }

    @Override
    public String name() {
        return "simd-" + D.vectorBitSize();
    }

    @Override
    public int round(HalfFormat f, double[] r, int n, short[] out, int[] flagged) {
        int mant = f.mantissaBits();
        int bias = f.bias();
        long infBits = f.infBits();
        long nanBits = f.nan() & 0xFFFF;
        long[] bitsOut = new long[L]; // the long lanes narrowed by a plain loop: no shape-changing castShape next to
                                      // the float32 kernels' own conversions (a suspected, unproven JIT interference)
        int k = 0;
        int i = 0;
        for (; i <= n - L; i += L) {
            LongVector bits = DoubleVector.fromArray(D, r, i).reinterpretAsLongs();
            LongVector sign = bits.lanewise(VectorOperators.LSHR, 63).lanewise(VectorOperators.LSHL, 15);
            LongVector a = bits.and(ABS);
            LongVector e = a.lanewise(VectorOperators.LSHR, 52).sub(1023);
            LongVector m = a.and(MANT).or(1L << 52);
            LongVector shift = e.neg().add(1 - bias).max(0).add(52 - mant).min(62);
            LongVector q = m.lanewise(VectorOperators.LSHR, shift);
            LongVector one = LongVector.broadcast(LS, 1);
            LongVector rem = m.and(one.lanewise(VectorOperators.LSHL, shift).sub(1));
            LongVector hw = one.lanewise(VectorOperators.LSHL, shift.sub(1));
            VectorMask<Long> up = rem.compare(VectorOperators.GT, hw)
                    .or(rem.compare(VectorOperators.EQ, hw).and(q.and(1).compare(VectorOperators.NE, 0)));
            LongVector field = e.add(bias - 1).max(0);
            LongVector h = field.lanewise(VectorOperators.LSHL, mant).add(q).add(one, up);
            VectorMask<Long> special = a.compare(VectorOperators.GE, INF);
            VectorMask<Long> isNan = a.compare(VectorOperators.GT, INF);
            h = h.blend(infBits, e.compare(VectorOperators.GT, bias).or(special)).min(infBits).or(sign);
            h = h.blend(nanBits, isNan);
            VectorMask<Long> tie = rem.sub(hw).abs().compare(VectorOperators.LE, TOL).andNot(special).or(isNan);
            h.intoArray(bitsOut, 0);
            for (int j = 0; j < L; j++) {
                out[i + j] = (short) bitsOut[j];
            }
            if (tie.anyTrue()) {
                long lanes = tie.toLong();
                while (lanes != 0) {
                    flagged[k++] = i + Long.numberOfTrailingZeros(lanes);
                    lanes &= lanes - 1;
                }
            }
        }
        for (; i < n; i++) {
            out[i] = f.round(r[i]);
            if (f.nearTie(r[i])) {
                flagged[k++] = i;
            }
        }
        return k;
    }
}
