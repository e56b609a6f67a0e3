package org.sigbatch.cpu.simd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.sigbatch.cpu.F32Kernels;
import org.sigbatch.cpu.HasScalarTwin;

/**
 * float32 kernels on the Vector API that compute in double inside and round once, so σ and σ' are
 * within 0.5 ULP (+~1e-4) for every float input, subnormal results included.
 *
 * <p>Each step widens one float vector to a double vector of the same lane count (256-bit floats to
 * 512-bit doubles on AVX-512), computes e = exp(−|x|) by range reduction (k = round(a/ln2),
 * r = a − k·ln2 with ln2 in two parts) and a degree-9 Taylor polynomial (relative error &lt; 1e-11 on
 * |r| ≤ ln2/2, far below a float ULP), scales by 2^k built from the exponent bits, then
 * σ = 1/(1+e) or e/(1+e) and σ' = e/(1+e)² from one division. Tails use masked loads and stores, so
 * every element goes through the same arithmetic wherever it sits in the array.
 *
 * <p>The whole computation is written out inside each loop: a helper method taking vectors is not
 * reliably inlined by C2, and then every vector becomes a heap object (docs/notes.md: 5–70 Melem/s).
 */
public final class VectorF32Kernels extends ModeF32Kernels implements HasScalarTwin<F32Kernels> {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));
    private static final int L = D.length();

    static final double LOG2E = 1.4426950408889634;
    static final double LN2_HI = 0.6931471805599453;      // ln 2 rounded to double
    static final double LN2_LO = 2.3190468138462996e-17;  // ln 2 − LN2_HI
    /** 1.5·2^52: adding it rounds to an integer held in the low mantissa bits. */
    static final double SHIFT = 6755399441055744.0;
    /**
     * Below −200 exp(a) &lt; 2^-288, so even g·σ' rounds to 0 in float for every finite float g (|g| &lt; 2^128);
     * clamping keeps 2^k a normal double. (−120 was enough for σ and σ' but not for backward with |g| ≥ 2^20.)
     * Shared with the scalar twin, which must stay bit-identical.
     */
    static final double A_MIN = -200.0;
    static final double C2 = 1.0 / 2, C3 = 1.0 / 6, C4 = 1.0 / 24, C5 = 1.0 / 120, C6 = 1.0 / 720,
            C7 = 1.0 / 5040, C8 = 1.0 / 40320, C9 = 1.0 / 362880;

    private VectorF32Kernels() {
        super(L, VectorF32Kernels::loop);
    }

    /** Called reflectively by {@link org.sigbatch.cpu.Kernels} only when the Vector API module is present. */
    public static F32Kernels create() {
        if (L < 2) {
            throw new UnsupportedOperationException("no usable SIMD species (preferred double species has " + L + " lane)");
        }
        return new VectorF32Kernels();
    }

    @Override
    public String name() {
        return "simd-" + D.vectorBitSize() + "-f64inside";
    }

    /** Its bit-identical plain-Java twin, run while C2 compiles this class's loops (the constants above are shared with it). */
    @Override
    public F32Kernels scalarTwin() {
        return F64InsideTwinKernels.INSTANCE;
    }

    private static void loop(int mode, float[] x, int xo, float[] g, int go, float[] o0, int o0o, float[] o1, int o1o, int n) {
        if (mode == BFO) {
            fromY(x, xo, g, go, o0, o0o, n);
        } else {
            fromX(mode, x, xo, g, go, o0, o0o, o1, o1o, n);
        }
    }

    /** One loop for every op that needs exp(−|x|); {@code mode} is loop-invariant, so its branches predict perfectly. n is a multiple of L. */
    private static void fromX(int mode, float[] x, int xo, float[] g, int go, float[] o0, int o0o, float[] o1, int o1o, int n) {
        DoubleVector c1 = DoubleVector.broadcast(D, 1.0), c2 = DoubleVector.broadcast(D, C2), c3 = DoubleVector.broadcast(D, C3),
                c4 = DoubleVector.broadcast(D, C4), c5 = DoubleVector.broadcast(D, C5), c6 = DoubleVector.broadcast(D, C6),
                c7 = DoubleVector.broadcast(D, C7), nLn2Hi = DoubleVector.broadcast(D, -LN2_HI),
                nLn2Lo = DoubleVector.broadcast(D, -LN2_LO);
        for (int i = 0; i < n; i += L) {
            FloatVector xf = FloatVector.fromArray(F, x, xo + i);
            DoubleVector xd = (DoubleVector) xf.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector a = xd.lanewise(VectorOperators.ABS).neg();
            a = a.blend(A_MIN, a.compare(VectorOperators.LT, A_MIN)); // compare+blend: NaN stays NaN
            DoubleVector t = a.fma(LOG2E, SHIFT);
            DoubleVector k = t.sub(SHIFT);
            DoubleVector r = k.fma(nLn2Hi, a);
            r = k.fma(nLn2Lo, r);
            DoubleVector p = r.fma(C9, C8);
            p = p.fma(r, c7);
            p = p.fma(r, c6);
            p = p.fma(r, c5);
            p = p.fma(r, c4);
            p = p.fma(r, c3);
            p = p.fma(r, c2);
            p = p.fma(r, c1);
            p = p.fma(r, c1);
            // 2^k: the low mantissa bits of t hold k; add the exponent bias and move them into the exponent field
            DoubleVector scale = t.reinterpretAsLongs().add(1023L).lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
            DoubleVector e = p.mul(scale);
            DoubleVector inv = c1.div(e.add(1.0));
            DoubleVector res0;
            if (mode == SIG || mode == FUSED) {
                res0 = e.mul(inv).blend(inv, xd.compare(VectorOperators.GE, 0.0));
                ((FloatVector) res0.convertShape(VectorOperators.D2F, F, 0)).intoArray(o0, o0o + i);
                if (mode == FUSED) {
                    DoubleVector der = e.mul(inv).mul(inv);
                    ((FloatVector) der.convertShape(VectorOperators.D2F, F, 0)).intoArray(o1, o1o + i);
                }
            } else {
                DoubleVector der = e.mul(inv).mul(inv);
                if (mode == BWD) {
                    DoubleVector gd = (DoubleVector) FloatVector.fromArray(F, g, go + i).convertShape(VectorOperators.F2D, D, 0);
                    der = der.mul(gd);
                }
                ((FloatVector) der.convertShape(VectorOperators.D2F, F, 0)).intoArray(o0, o0o + i);
            }
        }
    }

    private static void fromY(float[] y, int yo, float[] g, int go, float[] out, int oo, int n) {
        for (int i = 0; i < n; i += L) {
            DoubleVector yd = (DoubleVector) FloatVector.fromArray(F, y, yo + i).convertShape(VectorOperators.F2D, D, 0);
            DoubleVector gd = (DoubleVector) FloatVector.fromArray(F, g, go + i).convertShape(VectorOperators.F2D, D, 0);
            // in double: y·(1−y)·g carries ~1e-16 relative error before the one rounding to float
            DoubleVector res = yd.mul(yd.neg().add(1.0)).mul(gd);
            ((FloatVector) res.convertShape(VectorOperators.D2F, F, 0)).intoArray(out, oo + i);
        }
    }
}
