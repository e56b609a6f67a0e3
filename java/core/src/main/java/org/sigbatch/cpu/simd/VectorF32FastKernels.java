package org.sigbatch.cpu.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.sigbatch.cpu.F32Kernels;
import org.sigbatch.cpu.Kernels;

/**
 * The {@link org.sigbatch.Precision#FAST} float32 kernels: float arithmetic only, at the full float
 * width of the machine (8 lanes on AVX2, 16 on AVX-512). Bounds (measured over all 2^32 inputs by
 * CpuExhaustiveTest, written down in Precision): σ ≤ 3 ULP, σ' ≤ 2.5 ULP. Subnormal results are
 * computed, not flushed.
 *
 * <p>e = exp(−|x|): k = round(a·log2 e) by the 1.5·2^23 shift, r = a − k·ln2 with ln2 in two parts
 * (FMA), e^r = 1 + r + r²·Q(r) with Q a degree-4 fit (scripts/fit-exp-poly.py; relative error
 * ≈ 1e-8 on |r| ≤ ln2/2), times 2^k from the exponent bits. Then σ = 1/(1+e) (x ≥ 0) or e/(1+e), and
 * the stable σ' = e/(1+e)² (never s·(1−s), which cancels for x &gt; 9) with the reciprocal's residual
 * rr = (1 − q) − q·e folded in: σ' = e·q²(1 + 2rr), 5.0 → 2.4 ULP for four operations. σ skips that
 * (2.8 ULP without it; it would cost a quarter of σ's speed).
 *
 * <p>Scaling: σ and σ' use 2^(k+32) and multiply the outputs by 2^−32 last, so every intermediate stays
 * a normal float and a subnormal result is rounded once more, not flushed. backward scales only lanes
 * with k &lt; −96 (so that g·2^−32 is exact where it matters) and folds g in before σ' is rounded; a
 * group of lanes with some |x| &gt; 104 goes to the accurate scalar kernel, because g·σ'(x) is not
 * negligible there for large |g| and 2^k leaves the float range.
 *
 * <p>Clamps are compare + blend: a NaN input fails every comparison and flows through to a NaN output
 * (Java's min/max would cost more and {@code max(NaN, c)} style clamps can turn NaN into a number).
 * As in {@link VectorF32Kernels} the whole computation sits inside each loop: C2 would not reliably
 * inline a helper that takes vectors, and every vector would become a heap object.
 */
public final class VectorF32FastKernels extends ModeF32Kernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private static final float LOG2E = 1.44269504f;
    /** ln 2 = LN2_HI + LN2_LO to 2^−44 (the first FMA forms a − k·LN2_HI with one rounding). */
    private static final float LN2_HI = 0x1.62e4p-1f;
    private static final float LN2_LO = 0x1.7f7d1cp-20f;
    /** 1.5·2^23: a + SHIFT rounds a to an integer held in the low mantissa bits. */
    private static final float SHIFT = 0x1.8p23f;
    private static final int SHIFT_BITS = Float.floatToRawIntBits(SHIFT);
    /** Below −104, e^a &lt; 2^−150: σ(x &lt; 0), σ' round to 0; the clamp keeps k ≥ −151. */
    private static final float A_MIN = -104f;
    /** backward: k below this scales by 2^(k+32), and g by 2^−32. */
    private static final int K_LOW = -96;
    private static final float POST_LOW = 0x1p-32f;
    /** Q(r) ≈ (e^r − 1 − r)/r², degree 4, float coefficients (scripts/fit-exp-poly.py). */
    private static final float Q0 = 0.5f, Q1 = 0x1.5554dep-3f, Q2 = 0x1.55551ap-5f, Q3 = 0x1.120b62p-7f, Q4 = 0x1.6d10fcp-10f;

    private VectorF32FastKernels() {
        super(L, VectorF32FastKernels::run);
    }

    /** Called reflectively by {@link org.sigbatch.cpu.Kernels} only when the Vector API module is present. */
    public static F32Kernels create() {
        if (L < 4 || I.length() != L) {
            throw new UnsupportedOperationException("no usable float SIMD species (preferred float species has " + L + " lanes)");
        }
        return new VectorF32FastKernels();
    }

    @Override
    public String name() {
        return "simd-" + F.vectorBitSize() + "-fast";
    }

    private static void run(int mode, float[] x, int xo, float[] g, int go, float[] o0, int o0o, float[] o1, int o1o, int n) {
        if (mode == BFO) {
            fromY(x, xo, g, go, o0, o0o, n);
        } else {
            fromX(mode, x, xo, g, go, o0, o0o, o1, o1o, n);
        }
    }

    /** Every op that needs exp(−|x|); {@code mode} is loop-invariant, so its branches predict perfectly. n is a multiple of L. */
    private static void fromX(int mode, float[] x, int xo, float[] g, int go, float[] o0, int o0o, float[] o1, int o1o, int n) {
        FloatVector one = FloatVector.broadcast(F, 1f), q0 = FloatVector.broadcast(F, Q0), q1 = FloatVector.broadcast(F, Q1),
                q2 = FloatVector.broadcast(F, Q2), q3 = FloatVector.broadcast(F, Q3), q4 = FloatVector.broadcast(F, Q4), nLn2Hi = FloatVector.broadcast(F, -LN2_HI),
                nLn2Lo = FloatVector.broadcast(F, -LN2_LO), postLow = FloatVector.broadcast(F, POST_LOW);
        IntVector biasNormal = IntVector.broadcast(I, 127 - SHIFT_BITS), biasLow = IntVector.broadcast(I, 127 + 32 - SHIFT_BITS);
        for (int i = 0; i < n; i += L) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            // a = −|x| by setting the sign bit; NaN stays NaN and fails the comparison below
            FloatVector a = xv.reinterpretAsInts().or(0x80000000).reinterpretAsFloats();
            VectorMask<Float> clamped = a.compare(VectorOperators.LT, A_MIN);
            if (mode == BWD && clamped.anyTrue()) {
                // g·σ'(x) for |x| > 104 is not 0 when |g| ≥ 1, and 2^k is out of float range there: the
                // accurate scalar kernel takes this group (rare: saturated pre-activations)
                Kernels.scalarF32().backward(x, xo + i, g, go + i, o0, o0o + i, L);
                continue;
            }
            a = a.blend(A_MIN, clamped);
            FloatVector t = a.fma(LOG2E, SHIFT);
            FloatVector kf = t.sub(SHIFT);
            FloatVector r = kf.fma(nLn2Hi, a);
            r = kf.fma(nLn2Lo, r);
            FloatVector c = r.fma(q4, q3);
            c = c.fma(r, q2);
            c = c.fma(r, q1);
            c = c.fma(r, q0);
            FloatVector p = r.mul(r).fma(c, r).add(one); // 1 + (r + r²Q)
            // e·2^s and 2^−s: s = 32 for σ and σ' (every intermediate stays normal, and a subnormal result
            // is rounded at the last multiply); for backward s = 32 only where k < −96, so that g·2^−s is exact
            IntVector tb = t.reinterpretAsInts(); // its low mantissa bits hold k + SHIFT_BITS
            FloatVector es;
            FloatVector post;
            if (mode == BWD) {
                VectorMask<Integer> low = tb.compare(VectorOperators.LT, SHIFT_BITS + K_LOW);
                es = p.mul(tb.add(biasNormal.blend(biasLow, low)).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
                post = one.blend(postLow, low.cast(F));
            } else {
                es = p.mul(tb.add(biasLow).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
                post = postLow;
            }
            FloatVector e = es.mul(post);
            FloatVector q = one.div(e.add(one));
            FloatVector h = es.mul(q); // e/(1 + e), scaled
            if (mode == SIG || mode == FUSED) {
                h.mul(post).blend(q, xv.compare(VectorOperators.GE, 0f)).intoArray(o0, o0o + i);
                if (mode == SIG) {
                    continue;
                }
            }
            // 1/(1 + e) = q(1 + rr): rr = (1 − q) − q·e by one FMA (1 − q is exact: q is in [1/2, 1])
            FloatVector rr2 = q.neg().fma(e, one.sub(q)).mul(2f);
            if (mode != BWD) {
                // σ' = e·q²(1 + 2rr), the product h·q exact inside the FMA: rounded once more, at the end
                h.fma(q, h.mul(q).mul(rr2)).mul(post).intoArray(mode == DER ? o0 : o1, (mode == DER ? o0o : o1o) + i);
            } else {
                // g·e·q²(1 + 2rr) with g (and the 2^−32 of low lanes, exact or harmless there) folded in
                // first, so that σ' is not rounded before the product; g = ±Inf with rr = 0 would give Inf·0
                FloatVector hg = h.mul(FloatVector.fromArray(F, g, go + i).mul(post));
                FloatVector corr = hg.mul(q).mul(rr2);
                hg.fma(q, corr.blend(0f, corr.test(VectorOperators.IS_NAN))).intoArray(o0, o0o + i);
            }
        }
    }

    /** g·y·(1 − y) in float: 1 − y is exact for y ≥ 1/2 (Sterbenz), two more roundings. */
    private static void fromY(float[] y, int yo, float[] g, int go, float[] out, int oo, int n) {
        for (int i = 0; i < n; i += L) {
            FloatVector yv = FloatVector.fromArray(F, y, yo + i);
            FloatVector gv = FloatVector.fromArray(F, g, go + i);
            yv.mul(yv.neg().add(1f)).mul(gv).intoArray(out, oo + i);
        }
    }
}
