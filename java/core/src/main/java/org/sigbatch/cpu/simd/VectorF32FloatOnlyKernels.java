package org.sigbatch.cpu.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.sigbatch.cpu.F32Kernels;
import org.sigbatch.cpu.HasScalarTwin;

/**
 * ACCURATE float32 kernels in float arithmetic only, at the full float width (8 lanes on AVX2, 16 on
 * AVX-512): the compensated formulation of kernels-cuda/sigmoid_float_only.h, ported operation by
 * operation (same constants, same FMAs, same order), so every output is bit-identical to the C header
 * that the CUDA and OpenCL float-only kernels compile (FloatOnlyBitIdentityTest compares hashes of the
 * outputs). σ, σ' ≤ 0.501 ULP over all 2^32 inputs, subnormal results rounded once (CpuExhaustiveTest;
 * docs/float-only.md has the method and figures).
 *
 * <p>e^−|x| = (mh + ml)·2^k: n = round(a·8/ln2), r = a − n·ln2/8 (three-part ln2/8, 2Prod and 2Sum),
 * 2^(n mod 8 / 8) from an 8-entry hi/lo table held in one vector and picked with {@code rearrange},
 * e^r − 1 = r + r²/2 + r³·Q(r) with r² by 2Prod. Then 1/(1+e) with an FMA residual, and the products
 * as float pairs, each output rounded once at its final exponent ({@code scale} below). Clamps are
 * compare+blend, so NaN flows. As in the other SIMD kernels, the whole computation sits in the loop
 * (C2 does not reliably inline helpers that take vectors).
 */
public final class VectorF32FloatOnlyKernels extends ModeF32Kernels implements HasScalarTwin<F32Kernels> {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    // the constants of sigmoid_float_only.h (same hex literals; FloatOnlyTwinKernels shares them)
    static final float INV = 0x1.715476p+3f;
    static final float SHIFT = 0x1.8p23f;
    static final float L1 = 0x1.62ep-4f;
    static final float L2 = 0x1.0bfbe8p-18f;
    static final float L3 = 0x1.cf79acp-43f;
    static final float A_MIN = -200.0f;
    static final float C3 = 0x1.555556p-3f, C4 = 0x1.555556p-5f, C5 = 0x1.111112p-7f, C6 = 0x1.6c16c2p-10f;
    static final float[] TH = {0x1p+0f, 0x1.172b84p+0f, 0x1.306fep+0f, 0x1.4bfdaep+0f, 0x1.6a09e6p+0f, 0x1.8ace54p+0f, 0x1.ae89fap+0f, 0x1.d5818ep+0f};
    static final float[] TL = {0.0f, -0x1.c15742p-27f, 0x1.4636e2p-25f, -0x1.593abcp-25f, 0x1.9fcef4p-26f, 0x1.15506ep-27f, -0x1.a94b14p-26f, -0x1.822dbcp-27f};
    static final float MAX = 0x1.fffffep+127f;

    /*
     * SUBNORMAL: the header's n·2^-149 (n an integer in [0, 2^23] wherever that lane is chosen) is taken here
     * from n's integer bits, which are that float exactly. Multiplying by the subnormal constant 2^-149 costs a
     * microcode assist per vector on the CPU measured: with it this kernel ran 2.2x slower (AMD Zen 5,
     * 2.78 vs 1.24 ns per element for sigma; results bit-identical; scripts/kernel-exp, BENCHMARKS.md).
     */
    private static final IntVector TH_V = table(TH);
    private static final IntVector TL_V = table(TL);

    private VectorF32FloatOnlyKernels() {
        super(L, VectorF32FloatOnlyKernels::loop);
    }

    /** Called reflectively by {@link org.sigbatch.cpu.Kernels} only when the Vector API module is present. */
    public static F32Kernels create() {
        if (L < 8 || I.length() != L) {
            throw new UnsupportedOperationException("the float-only kernels need >= 8 float lanes for their table (preferred species has " + L + ")");
        }
        return new VectorF32FloatOnlyKernels();
    }

    /** The table's bits repeated over every lane (entries 0..7 are the ones indexed). */
    private static IntVector table(float[] t) {
        int[] b = new int[L];
        for (int i = 0; i < L; i++) {
            b[i] = Float.floatToRawIntBits(t[i % 8]);
        }
        return IntVector.fromArray(I, b, 0);
    }

    @Override
    public String name() {
        return "simd-" + F.vectorBitSize() + "-floatonly";
    }

    @Override
    public F32Kernels scalarTwin() {
        return FloatOnlyTwinKernels.INSTANCE;
    }

    private static void loop(int mode, float[] x, int xo, float[] g, int go, float[] o0, int o0o, float[] o1, int o1o, int n) {
        if (mode == BFO) {
            fromY(x, xo, g, go, o0, o0o, n);
        } else {
            fromX(mode, x, xo, g, go, o0, o0o, o1, o1o, n);
        }
    }

    /** One loop for the ops that need e^−|x|; {@code mode} is loop-invariant. n is a multiple of L. */
    private static void fromX(int mode, float[] x, int xo, float[] g, int go, float[] o0, int o0o, float[] o1, int o1o, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector zero = FloatVector.zero(F);
        FloatVector nL1 = FloatVector.broadcast(F, -L1), vL2 = FloatVector.broadcast(F, L2), nL3 = FloatVector.broadcast(F, -L3),
                c3 = FloatVector.broadcast(F, C3), c4 = FloatVector.broadcast(F, C4);
        for (int i = 0; i < n; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            VectorMask<Float> nan = xv.test(VectorOperators.IS_NAN);
            // ---- sbfo_exp
            FloatVector a = xv.blend(0f, nan).abs().neg();
            a = a.blend(A_MIN, a.compare(VectorOperators.LT, A_MIN));
            FloatVector t = a.fma(INV, SHIFT);
            FloatVector nf = t.sub(SHIFT);
            IntVector ni = (IntVector) nf.convert(VectorOperators.F2I, 0);
            VectorShuffle<Integer> j = ni.and(7).toShuffle();
            IntVector k = ni.lanewise(VectorOperators.ASHR, 3);
            FloatVector r1 = nf.fma(nL1, a);
            FloatVector p = nf.mul(L2);
            FloatVector pe = nf.fma(vL2, p.neg());
            FloatVector rh = r1.sub(p);
            FloatVector bb = rh.sub(r1);
            FloatVector e1 = r1.sub(rh.sub(bb)).add(p.neg().sub(bb));
            FloatVector rl = nf.fma(nL3, e1.sub(pe));
            FloatVector sq = rh.mul(rh);
            FloatVector sqe = rh.fma(rh, sq.neg());
            FloatVector q = rh.fma(C6, C5);
            q = q.fma(rh, c4);
            q = q.fma(rh, c3);
            FloatVector tail = rl.fma(rh, rl).add(sqe.mul(0.5f));
            tail = sq.mul(rh).fma(q, tail);
            FloatVector hsq = sq.mul(0.5f);
            FloatVector sh = rh.add(hsq);
            FloatVector sl = hsq.sub(sh.sub(rh)).add(tail);
            FloatVector th = TH_V.rearrange(j).reinterpretAsFloats();
            FloatVector tl = TL_V.rearrange(j).reinterpretAsFloats();
            FloatVector ph = th.mul(sh);
            FloatVector phe = th.fma(sh, ph.neg());
            FloatVector mh = th.add(ph);
            FloatVector ml = ph.sub(mh.sub(th));
            FloatVector c = th.fma(sl, tl.fma(sh, tl));
            ml = ml.add(phe.add(c));
            // ---- sbfo_recip_one_plus
            IntVector ks = k.blend(-100, k.compare(VectorOperators.LT, -100));
            FloatVector sc = ks.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector eh = mh.mul(sc);
            FloatVector el = ml.mul(sc);
            FloatVector dh = eh.add(1f);
            FloatVector dl = eh.sub(dh.sub(1f)).add(el);
            FloatVector i1 = one.div(dh);
            FloatVector res = i1.neg().fma(dh, one);
            res = i1.neg().fma(dl, res);
            FloatVector i2 = res.mul(i1);
            if (mode == SIG || mode == FUSED) {
                // m·R, then scaled (sbfo_mul + sbfo_scale)
                FloatVector vh = mh.mul(i1);
                FloatVector vl = mh.fma(i1, vh.neg()).add(mh.fma(i2, ml.mul(i1)));
                // sbfo_scale(m·R, k), written out (a helper taking vectors is not inlined by C2: measured 20× slower)
                FloatVector hA = vh.add(vl);
                FloatVector lA = vl.sub(hA.sub(vh));
                FloatVector hnA = hA.blend(hA.mul(2f), k.compare(VectorOperators.GT, 127).cast(F));
                IntVector knA = k.blend(-126, k.compare(VectorOperators.LT, -126));
                knA = knA.blend(127, knA.compare(VectorOperators.GT, 127));
                FloatVector normalA = hnA.mul(knA.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
                IntVector kcA = k.blend(-175, k.compare(VectorOperators.LT, -175));
                kcA = kcA.blend(-122, kcA.compare(VectorOperators.GT, -122));
                FloatVector uA = kcA.add(149 + 127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
                FloatVector rhA = hA.mul(uA);
                FloatVector rlA = lA.mul(uA);
                FloatVector nnA = rhA.add(0x1p23f).sub(0x1p23f);
                FloatVector errA = rhA.sub(nnA);
                nnA = nnA.blend(nnA.add(1f), errA.compare(VectorOperators.EQ, 0.5f).and(rlA.compare(VectorOperators.GT, 0f)));
                nnA = nnA.blend(nnA.sub(1f), errA.compare(VectorOperators.EQ, -0.5f).and(rlA.compare(VectorOperators.LT, 0f)));
                FloatVector subA = ((IntVector) nnA.convert(VectorOperators.F2I, 0)).reinterpretAsFloats(); // nn·2^-149, see SUBNORMAL
                VectorMask<Float> isSubA = k.compare(VectorOperators.LE, -122).cast(F).and(rhA.compare(VectorOperators.LT, 0x1p23f));
                FloatVector neg = normalA.blend(subA, isSubA);
                FloatVector y = neg.blend(i1.add(i2), xv.compare(VectorOperators.GE, 0f));
                y.blend(xv, nan).intoArray(o0, o0o + i);
                if (mode == SIG) {
                    continue;
                }
            }
            // R² = sbfo_mul(r, r), then m·R²
            FloatVector s = i1.mul(i1);
            FloatVector se = i1.fma(i1, s.neg()).add(i1.fma(i2, i2.mul(i1)));
            FloatVector dh2 = mh.mul(s);
            FloatVector dl2 = mh.fma(s, dh2.neg()).add(mh.fma(se, ml.mul(s)));
            // sbfo_scale(m·R², k)
            FloatVector hB = dh2.add(dl2);
            FloatVector lB = dl2.sub(hB.sub(dh2));
            FloatVector hnB = hB.blend(hB.mul(2f), k.compare(VectorOperators.GT, 127).cast(F));
            IntVector knB = k.blend(-126, k.compare(VectorOperators.LT, -126));
            knB = knB.blend(127, knB.compare(VectorOperators.GT, 127));
            FloatVector normalB = hnB.mul(knB.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            IntVector kcB = k.blend(-175, k.compare(VectorOperators.LT, -175));
            kcB = kcB.blend(-122, kcB.compare(VectorOperators.GT, -122));
            FloatVector uB = kcB.add(149 + 127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector rhB = hB.mul(uB);
            FloatVector rlB = lB.mul(uB);
            FloatVector nnB = rhB.add(0x1p23f).sub(0x1p23f);
            FloatVector errB = rhB.sub(nnB);
            nnB = nnB.blend(nnB.add(1f), errB.compare(VectorOperators.EQ, 0.5f).and(rlB.compare(VectorOperators.GT, 0f)));
            nnB = nnB.blend(nnB.sub(1f), errB.compare(VectorOperators.EQ, -0.5f).and(rlB.compare(VectorOperators.LT, 0f)));
            FloatVector subB = ((IntVector) nnB.convert(VectorOperators.F2I, 0)).reinterpretAsFloats(); // nn·2^-149, see SUBNORMAL
            VectorMask<Float> isSubB = k.compare(VectorOperators.LE, -122).cast(F).and(rhB.compare(VectorOperators.LT, 0x1p23f));
            FloatVector d = normalB.blend(subB, isSubB);
            if (mode != BWD) {
                d.blend(xv, nan).intoArray(mode == DER ? o0 : o1, (mode == DER ? o0o : o1o) + i);
                continue;
            }
            // ---- sbfo_backward: g = gm·2^ge, |gm| in [0.5, 1), folded in before the one rounding
            FloatVector gv = FloatVector.fromArray(F, g, go + i);
            IntVector gb = gv.reinterpretAsInts();
            IntVector gexp = gb.lanewise(VectorOperators.LSHR, 23).and(0xff);
            FloatVector gm = gb.and(0x007fffff).or(0x3f000000).reinterpretAsFloats();
            FloatVector bh = dh2.mul(gm);
            FloatVector bl = dh2.fma(gm, bh.neg()).add(dh2.fma(zero, dl2.mul(gm)));
            IntVector kg = k.add(gexp).sub(126);
            // sbfo_scale(g·m·R²/2^ge, k + ge)
            FloatVector hC = bh.add(bl);
            FloatVector lC = bl.sub(hC.sub(bh));
            FloatVector hnC = hC.blend(hC.mul(2f), kg.compare(VectorOperators.GT, 127).cast(F));
            IntVector knC = kg.blend(-126, kg.compare(VectorOperators.LT, -126));
            knC = knC.blend(127, knC.compare(VectorOperators.GT, 127));
            FloatVector normalC = hnC.mul(knC.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
            IntVector kcC = kg.blend(-175, kg.compare(VectorOperators.LT, -175));
            kcC = kcC.blend(-122, kcC.compare(VectorOperators.GT, -122));
            FloatVector uC = kcC.add(149 + 127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector rhC = hC.mul(uC);
            FloatVector rlC = lC.mul(uC);
            FloatVector nnC = rhC.add(0x1p23f).sub(0x1p23f);
            FloatVector errC = rhC.sub(nnC);
            nnC = nnC.blend(nnC.add(1f), errC.compare(VectorOperators.EQ, 0.5f).and(rlC.compare(VectorOperators.GT, 0f)));
            nnC = nnC.blend(nnC.sub(1f), errC.compare(VectorOperators.EQ, -0.5f).and(rlC.compare(VectorOperators.LT, 0f)));
            FloatVector subC = ((IntVector) nnC.convert(VectorOperators.F2I, 0)).reinterpretAsFloats(); // nn·2^-149, see SUBNORMAL
            VectorMask<Float> isSubC = kg.compare(VectorOperators.LE, -122).cast(F).and(rhC.compare(VectorOperators.LT, 0x1p23f));
            FloatVector scaled = normalC.blend(subC, isSubC);
            scaled = scaled.blend(scaled.neg(), gb.compare(VectorOperators.LT, 0).cast(F));
            FloatVector plain = gv.mul(d);
            VectorMask<Float> special = gexp.compare(VectorOperators.EQ, 0).or(gexp.compare(VectorOperators.EQ, 0xff)).cast(F);
            scaled.blend(plain, special).blend(xv, nan).intoArray(o0, o0o + i);
        }
    }


    /** sbfo_backward_from_output: g·y·(1 − y), 1 − y and both products compensated. */
    private static void fromY(float[] y, int yo, float[] g, int go, float[] out, int oo, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int i = 0; i < n; i += L) {
            FloatVector yv = FloatVector.fromArray(F, y, yo + i);
            FloatVector gv = FloatVector.fromArray(F, g, go + i);
            FloatVector th = one.sub(yv);
            FloatVector bb = th.sub(1f);
            FloatVector tl = one.sub(th.sub(bb)).add(yv.neg().sub(bb));
            FloatVector p = yv.mul(th);
            FloatVector pe = yv.fma(th, p.neg()).add(yv.mul(tl));
            FloatVector v = p.mul(gv);
            FloatVector ve = p.fma(gv, v.neg()).add(pe.mul(gv));
            v.add(ve).blend(v, v.abs().compare(VectorOperators.LE, MAX).not()).intoArray(out, oo + i);
        }
    }
}
