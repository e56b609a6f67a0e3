package org.sigbatch.cpu.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.sigbatch.cpu.AccurateF64Kernels;
import org.sigbatch.cpu.F64Kernels;

/**
 * float64 kernels on the Vector API with the accuracy of {@link AccurateF64Kernels} (σ and σ' rounded
 * once from a value with ~2^−62 relative error), at the full double width (4 lanes on AVX2, 8 on AVX-512).
 *
 * <p>E = exp(−|x|) as Eh + El times 2^m: k = round(a·4/ln2), r = a − k·ln2/4 = rh + rl (the first
 * product exact by FMA, ln2/4 in two doubles), |r| ≤ ln2/8. e^r = 1 + rh + rh²/2 + s, where rh²/2 is
 * exact (FMA), and s = rl + rh·rl + r³·P(r) with P the Taylor series to r^11 (truncation 2^−70;
 * |r³P| &lt; 2^−13, so its rounding errors are below 2^−65). Times 2^(j/4), j = k mod 4, as hi + lo
 * doubles chosen by blends (no gather: a lookup of four constants is three compare + blend steps).
 * Then the same compensated reciprocal and once-rounded σ, σ', g·σ' as {@link AccurateF64Kernels}.
 *
 * <p>A group of lanes with some a = −|x| &lt; −670 (subnormal or zero results, ±Inf) goes to
 * {@link AccurateF64Kernels} as a whole, before anything is stored (so in-place calls stay right).
 * The computation is written out inside each loop (see {@link VectorF32Kernels}).
 */
public final class VectorF64Kernels implements F64Kernels {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Long> LS = LongVector.SPECIES_PREFERRED;
    private static final int L = D.length();
    private static final F64Kernels SCALAR = AccurateF64Kernels.INSTANCE;

    /** 4/ln2; ln2/4 = LH + LL. */
    private static final double INV_L = 0x1.71547652b82fep2;
    private static final double LH = 0x1.62e42fefa39efp-3;
    private static final double LL = 0x1.abc9e3b39803fp-58;
    private static final double SHIFT = 0x1.8p52;
    private static final long SHIFT_BITS = Double.doubleToRawLongBits(SHIFT);
    private static final double FAST_LIMIT = -670.0;
    /** 2^(j/4) = TH[j] + TL[j]. */
    private static final double TH1 = 0x1.306fe0a31b715p0, TL1 = 0x1.6f46ad23182e4p-55;
    private static final double TH2 = 0x1.6a09e667f3bcdp0, TL2 = -0x1.bdd3413b26456p-54;
    private static final double TH3 = 0x1.ae89f995ad3adp0, TL3 = 0x1.7a1cd345dcc81p-54;
    /** Taylor coefficients 1/n!, n = 3..11. */
    private static final double C3 = 1.0 / 6, C4 = 1.0 / 24, C5 = 1.0 / 120, C6 = 1.0 / 720, C7 = 1.0 / 5040, C8 = 1.0 / 40320,
            C9 = 1.0 / 362880, C10 = 1.0 / 3628800, C11 = 1.0 / 39916800;

    private static final int SIG = 0, DER = 1, FUSED = 2, BWD = 3;

    private VectorF64Kernels() {
    }

    /** Called reflectively by {@link org.sigbatch.cpu.Kernels} only when the Vector API module is present. */
    public static F64Kernels create() {
        if (L < 2 || LS.length() != L) {
            throw new UnsupportedOperationException("no usable double SIMD species (preferred species has " + L + " lane)");
        }
        return new VectorF64Kernels();
    }

    @Override
    public String name() {
        return "simd-" + D.vectorBitSize() + "-dd";
    }

    @Override
    public void sigmoid(double[] x, int xo, double[] y, int yo, int n) {
        withTail(SIG, x, xo, null, 0, y, yo, null, 0, n);
    }

    @Override
    public void derivative(double[] x, int xo, double[] d, int dOff, int n) {
        withTail(DER, x, xo, null, 0, d, dOff, null, 0, n);
    }

    @Override
    public void fused(double[] x, int xo, double[] y, int yo, double[] d, int dOff, int n) {
        withTail(FUSED, x, xo, null, 0, y, yo, d, dOff, n);
    }

    @Override
    public void backward(double[] x, int xo, double[] g, int go, double[] out, int oo, int n) {
        withTail(BWD, x, xo, g, go, out, oo, null, 0, n);
    }

    @Override
    public void backwardFromOutput(double[] y, int yo, double[] g, int go, double[] out, int oo, int n) {
        // a handful of operations per element, no exp: the scalar kernel as is
        SCALAR.backwardFromOutput(y, yo, g, go, out, oo, n);
    }

    private static void withTail(int mode, double[] x, int xo, double[] g, int go, double[] o0, int o0o, double[] o1, int o1o, int n) {
        check(x, xo, n);
        check(o0, o0o, n);
        if (g != null) {
            check(g, go, n);
        }
        if (o1 != null) {
            check(o1, o1o, n);
        }
        PaddedTail.run(VectorF64Kernels::fromX, L, mode, x, xo, g, go, o0, o0o, o1, o1o, n);
    }

    /** n is a multiple of L; {@code mode} is loop-invariant. */
    private static void fromX(int mode, double[] x, int xo, double[] g, int go, double[] o0, int o0o, double[] o1, int o1o, int n) {
        DoubleVector one = DoubleVector.broadcast(D, 1.0), half = DoubleVector.broadcast(D, 0.5), c4 = DoubleVector.broadcast(D, C4),
                c5 = DoubleVector.broadcast(D, C5), c6 = DoubleVector.broadcast(D, C6), c7 = DoubleVector.broadcast(D, C7),
                c8 = DoubleVector.broadcast(D, C8), c9 = DoubleVector.broadcast(D, C9), c10 = DoubleVector.broadcast(D, C10),
                c11 = DoubleVector.broadcast(D, C11), c3 = DoubleVector.broadcast(D, C3),
                nLH = DoubleVector.broadcast(D, -LH), th0 = one, th1 = DoubleVector.broadcast(D, TH1), th2 = DoubleVector.broadcast(D, TH2),
                th3 = DoubleVector.broadcast(D, TH3), tl0 = DoubleVector.zero(D), tl1 = DoubleVector.broadcast(D, TL1),
                tl2 = DoubleVector.broadcast(D, TL2), tl3 = DoubleVector.broadcast(D, TL3);
        LongVector bias = LongVector.broadcast(LS, 1023L);
        for (int i = 0; i < n; i += L) {
            DoubleVector v = DoubleVector.fromArray(D, x, xo + i);
            DoubleVector a = v.abs().neg();
            if (a.compare(VectorOperators.LT, FAST_LIMIT).anyTrue()) {
                scalarGroup(mode, x, xo + i, g, go + i, o0, o0o + i, o1, o1o + i);
                continue;
            }
            // k = round(a·4/ln2); r = a − k·ln2/4 = rh + rl
            DoubleVector t = a.fma(INV_L, SHIFT);
            DoubleVector kd = t.sub(SHIFT);
            DoubleVector r1 = kd.fma(nLH, a); // exact: |r1| < 2^-3.5 on the grid of a
            DoubleVector c = kd.mul(LL);
            DoubleVector rh = r1.sub(c);
            DoubleVector rl = r1.sub(rh).sub(c);
            // e^r − 1 = ph + pl: rh + rh²/2 by Fast2Sum, the rest (below 2^-12) in plain double
            DoubleVector sq = rh.mul(rh);
            DoubleVector sqe = rh.fma(rh, sq.neg());
            DoubleVector h2 = sq.mul(half);
            DoubleVector r4 = sq.mul(sq);
            DoubleVector pa = rh.fma(c5, c4).add(sq.mul(rh.fma(c7, c6))); // Estrin: C4 + C5 r + r²(C6 + C7 r)
            DoubleVector pb = rh.fma(c9, c8).add(sq.mul(rh.fma(c11, c10))); // C8 + C9 r + r²(C10 + C11 r)
            DoubleVector p3 = r4.fma(pb, pa).fma(rh, c3); // C3 + r(C4 + …)
            DoubleVector s = sq.mul(rh).mul(p3).add(sqe.mul(half)).add(rh.fma(rl, rl));
            DoubleVector ph = rh.add(h2);
            DoubleVector pl = rh.sub(ph).add(h2).add(s);
            // 2^(j/4) = th + tl, j = k mod 4; 2^m with m = k >> 2
            LongVector kl = t.reinterpretAsLongs().sub(SHIFT_BITS);
            LongVector j = kl.and(3L);
            VectorMask<Double> m1 = j.compare(VectorOperators.EQ, 1L).cast(D);
            VectorMask<Double> m2 = j.compare(VectorOperators.EQ, 2L).cast(D);
            VectorMask<Double> m3 = j.compare(VectorOperators.EQ, 3L).cast(D);
            DoubleVector th = th0.blend(th1, m1).blend(th2, m2).blend(th3, m3);
            DoubleVector tl = tl0.blend(tl1, m1).blend(tl2, m2).blend(tl3, m3);
            // E/2^m = (th + tl)(1 + ph + pl) = eh + el
            DoubleVector w = th.mul(ph);
            DoubleVector we = th.fma(ph, w.neg());
            DoubleVector eh = th.add(w);
            DoubleVector el0 = th.sub(eh).add(w).add(we).add(th.fma(pl, tl.fma(ph, tl)));
            DoubleVector e1 = eh.add(el0);
            DoubleVector el = el0.sub(e1.sub(eh));
            DoubleVector scale = kl.lanewise(VectorOperators.ASHR, 2).add(bias).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
            DoubleVector es = e1.mul(scale);
            DoubleVector els = el.mul(scale);
            // D = 1 + E = dh + dl; 1/D = q(1 + rr)
            DoubleVector dh = es.add(one);
            DoubleVector dl = one.sub(dh).add(es).add(els);
            DoubleVector q = one.div(dh);
            DoubleVector rr = q.neg().fma(dh, one).sub(q.mul(dl));
            if (mode == SIG || mode == FUSED) {
                // σ = N/D, N = 1 (x ≥ 0) or E: N·q(1 + rr) = nh·q + q(nh·rr + nl), rounded once; NaN fails the compare
                VectorMask<Double> pos = v.compare(VectorOperators.GE, 0.0);
                DoubleVector nh = es.blend(one, pos);
                DoubleVector nl = els.blend(0.0, pos);
                nh.fma(q, q.mul(nh.fma(rr, nl))).intoArray(o0, o0o + i);
            }
            if (mode != SIG) {
                // σ' = E·q²(1 + rr)² = (q2 + q2e)(es + wd), wd = 2·es·rr + els
                DoubleVector q2 = q.mul(q);
                DoubleVector q2e = q.fma(q, q2.neg());
                DoubleVector wd = es.add(es).fma(rr, els);
                if (mode == BWD) {
                    DoubleVector gv = DoubleVector.fromArray(D, g, go + i);
                    DoubleVector bh = q2.mul(es);
                    DoubleVector bl = q2.fma(es, bh.neg()).add(q2e.fma(es, q2.mul(wd)));
                    DoubleVector o = gv.fma(bh, gv.mul(bl));
                    o.blend(gv.mul(bh), o.test(VectorOperators.IS_NAN)).intoArray(o0, o0o + i); // g = ±Inf: Inf − Inf inside
                } else {
                    q2.fma(es, q2e.fma(es, q2.mul(wd))).intoArray(mode == DER ? o0 : o1, (mode == DER ? o0o : o1o) + i);
                }
            }
        }
    }

    private static void scalarGroup(int mode, double[] x, int xo, double[] g, int go, double[] o0, int o0o, double[] o1, int o1o) {
        switch (mode) {
            case SIG -> SCALAR.sigmoid(x, xo, o0, o0o, L);
            case DER -> SCALAR.derivative(x, xo, o0, o0o, L);
            case FUSED -> SCALAR.fused(x, xo, o0, o0o, o1, o1o, L);
            default -> SCALAR.backward(x, xo, g, go, o0, o0o, L);
        }
    }

    private static void check(double[] arr, int off, int n) {
        if (n < 0 || off < 0 || off > arr.length - n) {
            throw new IllegalArgumentException("window [" + off + ", " + off + "+" + n + ") outside array of length " + arr.length);
        }
    }
}
