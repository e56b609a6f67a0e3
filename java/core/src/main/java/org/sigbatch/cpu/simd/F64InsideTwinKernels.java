package org.sigbatch.cpu.simd;

import static org.sigbatch.cpu.simd.VectorF32Kernels.A_MIN;
import static org.sigbatch.cpu.simd.VectorF32Kernels.C2;
import static org.sigbatch.cpu.simd.VectorF32Kernels.C3;
import static org.sigbatch.cpu.simd.VectorF32Kernels.C4;
import static org.sigbatch.cpu.simd.VectorF32Kernels.C5;
import static org.sigbatch.cpu.simd.VectorF32Kernels.C6;
import static org.sigbatch.cpu.simd.VectorF32Kernels.C7;
import static org.sigbatch.cpu.simd.VectorF32Kernels.C8;
import static org.sigbatch.cpu.simd.VectorF32Kernels.C9;
import static org.sigbatch.cpu.simd.VectorF32Kernels.LN2_HI;
import static org.sigbatch.cpu.simd.VectorF32Kernels.LN2_LO;
import static org.sigbatch.cpu.simd.VectorF32Kernels.LOG2E;
import static org.sigbatch.cpu.simd.VectorF32Kernels.SHIFT;

import org.sigbatch.cpu.F32Kernels;

/**
 * The arithmetic of {@link VectorF32Kernels} one element at a time, in plain Java: the same operations
 * in the same order ({@link Math#fma} where the vector code fuses), so every result is bit-identical
 * to the SIMD kernel's (a test checks all 2^32 inputs). It uses no Vector API class and is fast as soon
 * as C1 has compiled it (milliseconds), so the CPU backend runs it while C2 is still compiling the SIMD
 * loop, which takes seconds ({@link org.sigbatch.cpu.JitWarmup}). It runs at about a quarter of the
 * SIMD kernel's speed (one lane instead of four or eight).
 */
final class F64InsideTwinKernels implements F32Kernels {
    static final F64InsideTwinKernels INSTANCE = new F64InsideTwinKernels();

    // VectorF32Kernels' constants are compile-time constants: using them does not load the Vector API
    private static final long ONE_BITS = Double.doubleToRawLongBits(1.0);

    private F64InsideTwinKernels() {
    }

    @Override
    public String name() {
        return "f64inside-scalar-twin";
    }

    /** e = exp(−|x|) exactly as the vector loop computes it (x clamped below by compare+blend: NaN stays NaN). */
    private static double expNegAbs(double x) {
        double a = -Math.abs(x);
        a = a < A_MIN ? A_MIN : a;
        double t = Math.fma(a, LOG2E, SHIFT);
        double k = t - SHIFT;
        double r = Math.fma(k, -LN2_HI, a);
        r = Math.fma(k, -LN2_LO, r);
        double p = Math.fma(r, C9, C8);
        p = Math.fma(p, r, C7);
        p = Math.fma(p, r, C6);
        p = Math.fma(p, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1.0);
        p = Math.fma(p, r, 1.0);
        double scale = Double.longBitsToDouble((Double.doubleToRawLongBits(t) + 1023L) << 52);
        return p * scale;
    }

    /**
     * 1 for x ≥ 0, e for x &lt; 0, chosen from the sign bit without a branch (a branch mispredicts on
     * mixed signs and costs more than the arithmetic). 1·inv is exact, so σ = numerator·inv equals the
     * vector loop's blend of inv and e·inv; for x = −0 e is 1, for NaN the result is NaN either way.
     */
    private static double numerator(double x, double e) {
        long negative = Double.doubleToRawLongBits(x) >> 63; // all ones if the sign bit is set
        return Double.longBitsToDouble(ONE_BITS ^ ((ONE_BITS ^ Double.doubleToRawLongBits(e)) & negative));
    }

    @Override
    public void sigmoid(float[] x, int xo, float[] y, int yo, int n) {
        java.util.Objects.checkFromIndexSize(xo, n, x.length);
        java.util.Objects.checkFromIndexSize(yo, n, y.length);
        for (int i = 0; i < n; i++) {
            double v = x[xo + i];
            double e = expNegAbs(v);
            double inv = 1.0 / (e + 1.0);
            y[yo + i] = (float) (numerator(v, e) * inv);
        }
    }

    @Override
    public void derivative(float[] x, int xo, float[] d, int dOff, int n) {
        java.util.Objects.checkFromIndexSize(xo, n, x.length);
        java.util.Objects.checkFromIndexSize(dOff, n, d.length);
        for (int i = 0; i < n; i++) {
            double e = expNegAbs(x[xo + i]);
            double inv = 1.0 / (e + 1.0);
            d[dOff + i] = (float) (e * inv * inv);
        }
    }

    @Override
    public void fused(float[] x, int xo, float[] y, int yo, float[] d, int dOff, int n) {
        java.util.Objects.checkFromIndexSize(xo, n, x.length);
        java.util.Objects.checkFromIndexSize(yo, n, y.length);
        java.util.Objects.checkFromIndexSize(dOff, n, d.length);
        for (int i = 0; i < n; i++) {
            double v = x[xo + i];
            double e = expNegAbs(v);
            double inv = 1.0 / (e + 1.0);
            y[yo + i] = (float) (numerator(v, e) * inv);
            d[dOff + i] = (float) (e * inv * inv);
        }
    }

    @Override
    public void backward(float[] x, int xo, float[] g, int go, float[] out, int oo, int n) {
        java.util.Objects.checkFromIndexSize(xo, n, x.length);
        java.util.Objects.checkFromIndexSize(go, n, g.length);
        java.util.Objects.checkFromIndexSize(oo, n, out.length);
        for (int i = 0; i < n; i++) {
            double e = expNegAbs(x[xo + i]);
            double inv = 1.0 / (e + 1.0);
            out[oo + i] = (float) (e * inv * inv * g[go + i]);
        }
    }

    @Override
    public void backwardFromOutput(float[] y, int yo, float[] g, int go, float[] out, int oo, int n) {
        java.util.Objects.checkFromIndexSize(yo, n, y.length);
        java.util.Objects.checkFromIndexSize(go, n, g.length);
        java.util.Objects.checkFromIndexSize(oo, n, out.length);
        for (int i = 0; i < n; i++) {
            double v = y[yo + i];
            out[oo + i] = (float) (v * (1.0 - v) * g[go + i]);
        }
    }
}
